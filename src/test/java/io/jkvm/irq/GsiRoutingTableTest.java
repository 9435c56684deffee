package io.jkvm.irq;

import io.jkvm.kvm.GsiRoute;
import io.jkvm.kvm.KvmIrqRouting;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GsiRoutingTableTest {
    private static final int IOAPIC = KvmIrqRouting.KVM_IRQCHIP_IOAPIC;
    private static final int MASTER = KvmIrqRouting.KVM_IRQCHIP_PIC_MASTER;
    private static final int SLAVE = KvmIrqRouting.KVM_IRQCHIP_PIC_SLAVE;

    @Test
    void theDefaultsAreKvmsDefaultRouting() {
        List<GsiRoute> d = GsiRoutingTable.defaultRoutes();
        assertEquals(16 * 2 + 8, d.size());
        // arch/x86/kvm/irq_comm.c: ROUTING_ENTRY2(0) = IOAPIC pin 0, then master PIC pin 0, ...
        assertEquals(new GsiRoute.Irqchip(0, IOAPIC, 0), d.get(0));
        assertEquals(new GsiRoute.Irqchip(0, MASTER, 0), d.get(1));
        assertEquals(new GsiRoute.Irqchip(7, MASTER, 7), d.get(15));
        assertEquals(new GsiRoute.Irqchip(8, IOAPIC, 8), d.get(16));
        assertEquals(new GsiRoute.Irqchip(8, SLAVE, 0), d.get(17));
        assertEquals(new GsiRoute.Irqchip(15, SLAVE, 7), d.get(31));
        assertEquals(new GsiRoute.Irqchip(16, IOAPIC, 16), d.get(32));
        assertEquals(new GsiRoute.Irqchip(23, IOAPIC, 23), d.get(39));
        for (GsiRoute r : d) {
            GsiRoute.Irqchip c = (GsiRoute.Irqchip) r;
            if (c.irqchip() == IOAPIC) assertEquals(c.gsi(), c.pin());
            else assertEquals(c.gsi() % 8, c.pin());
        }
    }

    @Test
    void msiRoutesFollowTheDefaultsOnTheLowestFreeGsiFrom24() {
        GsiRoutingTable t = new GsiRoutingTable();
        assertEquals(GsiRoutingTable.defaultRoutes(), t.routes(), "a new table is KVM's default one");
        MsiMessage a = new MsiMessage(0xfee00000L, 0x41);
        MsiMessage b = new MsiMessage(0xfee01000L, 0x42);
        MsiMessage c = new MsiMessage(0xfee02000L, 0x43);
        assertEquals(24, t.addMsi(a));
        assertEquals(25, t.addMsi(b));
        assertEquals(26, t.addMsi(c));
        t.removeMsi(25);
        assertEquals(25, t.addMsi(c), "a freed GSI is reused");
        t.setMsi(24, b);
        List<GsiRoute> routes = t.routes();
        assertEquals(GsiRoutingTable.defaultRoutes(), routes.subList(0, 40), "every table keeps the defaults");
        assertEquals(List.of(new GsiRoute.Msi(24, 0xfee01000L, 0x42), new GsiRoute.Msi(25, 0xfee02000L, 0x43),
                new GsiRoute.Msi(26, 0xfee02000L, 0x43)), routes.subList(40, 43));
        assertEquals(3, t.msiCount());
    }

    @Test
    void onlyMsiRoutesChange() {
        GsiRoutingTable t = new GsiRoutingTable();
        MsiMessage m = new MsiMessage(0xfee00000L, 0x41);
        assertThrows(IllegalArgumentException.class, () -> t.setMsi(5, m));
        assertThrows(IllegalArgumentException.class, () -> t.removeMsi(24));
    }

    @Test
    void kvmsRouteLimitIsKept() {
        GsiRoutingTable t = new GsiRoutingTable();
        MsiMessage m = new MsiMessage(0xfee00000L, 0x41);
        int room = KvmIrqRouting.KVM_MAX_IRQ_ROUTES - GsiRoutingTable.defaultRoutes().size();
        for (int i = 0; i < room; i++) t.addMsi(m);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.addMsi(m));
        assertTrue(e.getMessage().contains("4096"), e.getMessage());
    }
}
