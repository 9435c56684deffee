package io.jkvm.kvm;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Pins the notification structs and ioctls (ioeventfd, irqfd, GSI routing) to the kernel's.
 * Expected values printed by a C program built against {@code <linux/kvm.h>} (x86-64), e.g.
 * {@code printf("%zu", offsetof(struct kvm_irq_routing_entry, u.msi.data))}.
 */
class KvmNotifyLayoutsTest {

    @Test
    void ioctlNumbers() {
        assertEquals(0x4040AE79L, KvmIoctls.KVM_IOEVENTFD);
        assertEquals(0x4020AE76L, KvmIoctls.KVM_IRQFD);
        assertEquals(0x4008AE6AL, KvmIoctls.KVM_SET_GSI_ROUTING);
    }

    @Test
    void capabilityNumbers() {
        assertEquals(25, KvmCap.KVM_CAP_IRQ_ROUTING.number());
        assertEquals(32, KvmCap.KVM_CAP_IRQFD.number());
        assertEquals(36, KvmCap.KVM_CAP_IOEVENTFD.number());
        assertEquals(82, KvmCap.KVM_CAP_IRQFD_RESAMPLE.number());
    }

    @Test
    void kvmIoeventfd() {
        assertEquals(64, KvmIoeventfd.SIZE);
        assertEquals(0, KvmIoeventfd.DATAMATCH);
        assertEquals(8, KvmIoeventfd.ADDR);
        assertEquals(16, KvmIoeventfd.LEN);
        assertEquals(20, KvmIoeventfd.FD);
        assertEquals(24, KvmIoeventfd.FLAGS);
        assertEquals(1, KvmIoeventfd.KVM_IOEVENTFD_FLAG_DATAMATCH);
        assertEquals(2, KvmIoeventfd.KVM_IOEVENTFD_FLAG_PIO);
        assertEquals(4, KvmIoeventfd.KVM_IOEVENTFD_FLAG_DEASSIGN);
    }

    @Test
    void kvmIoeventfdFill() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(KvmIoeventfd.LAYOUT);
            s.fill((byte) 0x5a);
            KvmIoeventfd.fill(s, IoEvent.port(0x510, 2).matching(0x22), 7, KvmIoeventfd.KVM_IOEVENTFD_FLAG_DEASSIGN);
            assertEquals(0x22, s.get(JAVA_LONG, 0));
            assertEquals(0x510, s.get(JAVA_LONG, 8));
            assertEquals(2, s.get(JAVA_INT, 16));
            assertEquals(7, s.get(JAVA_INT, 20));
            assertEquals(1 | 2 | 4, s.get(JAVA_INT, 24));
            for (long o = 28; o < 64; o++) assertEquals(0, s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, o), "pad byte " + o);

            KvmIoeventfd.fill(s, IoEvent.mmio(0xd000_0000L, 4), 9, 0);
            assertEquals(0, s.get(JAVA_LONG, 0), "no datamatch: value 0");
            assertEquals(0xd000_0000L, s.get(JAVA_LONG, 8));
            assertEquals(0, s.get(JAVA_INT, 24), "MMIO, any value");
        }
    }

    @Test
    void ioEventsKvmCannotTakeAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> IoEvent.port(0x510, 3));
        assertThrows(IllegalArgumentException.class, () -> IoEvent.port(0xffff, 2));
        assertThrows(IllegalArgumentException.class, () -> IoEvent.mmio(0x1000, 0).matching(1));
    }

    @Test
    void kvmIrqfd() {
        assertEquals(32, KvmIrqfd.SIZE);
        assertEquals(0, KvmIrqfd.FD);
        assertEquals(4, KvmIrqfd.GSI);
        assertEquals(8, KvmIrqfd.FLAGS);
        assertEquals(12, KvmIrqfd.RESAMPLEFD);
        assertEquals(1, KvmIrqfd.KVM_IRQFD_FLAG_DEASSIGN);
        assertEquals(2, KvmIrqfd.KVM_IRQFD_FLAG_RESAMPLE);
    }

    @Test
    void kvmIrqRouting() {
        assertEquals(8, KvmIrqRouting.HEADER_SIZE);
        assertEquals(48, KvmIrqRouting.ENTRY_SIZE);
        assertEquals(0, KvmIrqRouting.GSI);
        assertEquals(4, KvmIrqRouting.TYPE);
        assertEquals(16, KvmIrqRouting.U_IRQCHIP);
        assertEquals(20, KvmIrqRouting.U_PIN);
        assertEquals(16, KvmIrqRouting.U_ADDRESS_LO);
        assertEquals(20, KvmIrqRouting.U_ADDRESS_HI);
        assertEquals(24, KvmIrqRouting.U_DATA);
        assertEquals(1, KvmIrqRouting.KVM_IRQ_ROUTING_IRQCHIP);
        assertEquals(2, KvmIrqRouting.KVM_IRQ_ROUTING_MSI);
        assertEquals(0, KvmIrqRouting.KVM_IRQCHIP_PIC_MASTER);
        assertEquals(1, KvmIrqRouting.KVM_IRQCHIP_PIC_SLAVE);
        assertEquals(2, KvmIrqRouting.KVM_IRQCHIP_IOAPIC);
    }

    @Test
    void encodedRoutingTable() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = KvmIrqRouting.encode(a, List.of(
                    new GsiRoute.Irqchip(9, KvmIrqRouting.KVM_IRQCHIP_PIC_SLAVE, 1),
                    new GsiRoute.Msi(24, 0x1_fee0_1000L, 0x4041)));
            assertEquals(8 + 2 * 48, s.byteSize());
            assertEquals(2, s.get(JAVA_INT, 0), "nr");
            assertEquals(0, s.get(JAVA_INT, 4), "flags");
            assertEquals(9, s.get(JAVA_INT, 8));
            assertEquals(1, s.get(JAVA_INT, 8 + 4), "type irqchip");
            assertEquals(1, s.get(JAVA_INT, 8 + 16), "slave PIC");
            assertEquals(1, s.get(JAVA_INT, 8 + 20), "pin");
            long e = 8 + 48;
            assertEquals(24, s.get(JAVA_INT, e));
            assertEquals(2, s.get(JAVA_INT, e + 4), "type msi");
            assertEquals(0xfee01000, s.get(JAVA_INT, e + 16), "address_lo");
            assertEquals(1, s.get(JAVA_INT, e + 20), "address_hi");
            assertEquals(0x4041, s.get(JAVA_INT, e + 24), "data");
            assertEquals(0, s.get(JAVA_INT, e + 28), "devid");
        }
    }
}
