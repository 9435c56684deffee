package io.jkvm.pci;

import io.jkvm.irq.InterruptLine;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.jkvm.pci.PciConfigSpace.COMMAND;
import static io.jkvm.pci.PciConfigSpace.COMMAND_INTX_DISABLE;
import static io.jkvm.pci.PciConfigSpace.STATUS;
import static io.jkvm.pci.PciConfigSpace.STATUS_INTERRUPT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** INTx#: the pin in the header (PCI Local Bus 3.0, 6.2.3, 6.2.4) and {@link PciIntxRouting}'s swizzle to GSIs 10 and 11. */
class PciIntxTest {
    /** Records every level change of each GSI line. */
    private final List<String> changes = new ArrayList<>();
    private final boolean[] levels = new boolean[24];

    private InterruptLine gsi(int n) {
        return high -> {
            levels[n] = high;
            changes.add(n + (high ? "+" : "-"));
        };
    }

    @Test
    void theSwizzleIsQemusPiixOne() {
        // QEMU pc_slot_get_pirq: (slot - 1 + intx) & 3; SeaBIOS: PIRQA/B -> 10, PIRQC/D -> 11
        assertEquals(0, PciIntxRouting.pirq(1, 1), "slot 1 INTA#: PIRQA");
        assertEquals(1, PciIntxRouting.pirq(2, 1), "slot 2 INTA#: PIRQB");
        assertEquals(2, PciIntxRouting.pirq(3, 1));
        assertEquals(3, PciIntxRouting.pirq(4, 1));
        assertEquals(0, PciIntxRouting.pirq(5, 1));
        assertEquals(3, PciIntxRouting.pirq(0, 1));
        assertEquals(2, PciIntxRouting.pirq(2, 2), "slot 2 INTB#: PIRQC");
        assertEquals(1, PciIntxRouting.pirq(3, 4), "slot 3 INTD#: PIRQB");
        assertEquals(10, PciIntxRouting.gsi(2, 1));
        assertEquals(11, PciIntxRouting.gsi(3, 1));
        assertEquals(11, PciIntxRouting.gsi(4, 1));
        assertEquals(10, PciIntxRouting.gsi(31, 3));
        assertThrows(IllegalArgumentException.class, () -> PciIntxRouting.gsi(3, 0));
        assertThrows(IllegalArgumentException.class, () -> PciIntxRouting.gsi(3, 5));
    }

    @Test
    void sharedGsiLinesAreTheOrOfTheirInputs() {
        PciIntxRouting routing = new PciIntxRouting(this::gsi);
        InterruptLine a = routing.input(1, 1); // PIRQA, GSI 10
        InterruptLine b = routing.input(2, 1); // PIRQB, GSI 10
        InterruptLine c = routing.input(3, 1); // PIRQC, GSI 11
        a.set(true);
        b.set(true);
        a.set(true);
        a.set(false);
        assertTrue(levels[10], "b still asserts");
        b.set(false);
        c.set(true);
        assertEquals(List.of("10+", "10-", "11+"), changes);
        b.set(false); // deasserting twice does not drive the count negative
        a.set(true);
        assertTrue(levels[10]);
    }

    @Test
    void theDeviceDrivesItsLineAndStatusBit3WhileInterruptDisableIsClear() {
        PciConfigSpace config = new PciConfigSpace(0x1234, 1, 0, 0xff0000);
        config.setInterruptPin(1);
        PciBus bus = new PciBus(this::gsi, new GuestErrorLog(s -> { }));
        bus.add(3, () -> config);
        config.setIntx(true);
        assertTrue(levels[11]);
        assertEquals(STATUS_INTERRUPT, config.read(STATUS, 2) & STATUS_INTERRUPT);
        config.write(COMMAND, 2, COMMAND_INTX_DISABLE);
        assertFalse(levels[11], "interrupt disable lowers the line");
        assertEquals(STATUS_INTERRUPT, config.read(STATUS, 2) & STATUS_INTERRUPT, "status still shows the device's state");
        config.write(STATUS, 2, 0xffff);
        assertEquals(STATUS_INTERRUPT, config.read(STATUS, 2) & STATUS_INTERRUPT, "bit 3 is read-only");
        config.write(COMMAND, 2, 0);
        assertTrue(levels[11], "re-enabled while still asserted");
        config.setIntx(false);
        assertFalse(levels[11]);
        assertEquals(0, config.read(STATUS, 2) & STATUS_INTERRUPT);
        assertEquals(List.of("11+", "11-", "11+", "11-"), changes);
    }

    @Test
    void assignResourcesWritesEachPinsGsiIntoTheInterruptLineRegister() {
        PciBus bus = new PciBus(this::gsi, new GuestErrorLog(s -> { }));
        PciConfigSpace withPin = new PciConfigSpace(0x1234, 1, 0, 0xff0000);
        withPin.setInterruptPin(2);
        PciConfigSpace without = new PciConfigSpace(0x1234, 2, 0, 0xff0000);
        bus.add(2, () -> withPin);
        bus.add(5, () -> without);
        bus.assignResources(0xc000_0000L, 0xc000);
        assertEquals(11, withPin.read(PciConfigSpace.INTERRUPT_LINE, 1), "slot 2 INTB#: PIRQC");
        assertEquals(2, withPin.read(PciConfigSpace.INTERRUPT_PIN, 1));
        assertEquals(0, without.read(PciConfigSpace.INTERRUPT_LINE, 1));
        withPin.setIntx(true);
        assertTrue(levels[11]);
    }
}
