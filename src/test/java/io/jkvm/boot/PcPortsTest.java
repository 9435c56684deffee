package io.jkvm.boot;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PcPortsTest {
    /** The ISA bus decodes 10 address bits: the PC/AT's own devices all sit below 0x400. */
    private static final int ISA_PORTS_END = 0x400;

    @Test
    void everyRangeIsDisjointFromEveryOther() {
        List<PcPorts.PortRange> table = PcPorts.TABLE;
        for (int i = 0; i < table.size(); i++) {
            for (int j = i + 1; j < table.size(); j++) {
                assertFalse(table.get(i).overlaps(table.get(j)), table.get(i) + " overlaps " + table.get(j));
            }
        }
    }

    @Test
    void tableIsListedLowToHigh() {
        for (int i = 1; i < PcPorts.TABLE.size(); i++) {
            assertTrue(PcPorts.TABLE.get(i - 1).end() <= PcPorts.TABLE.get(i).base(), PcPorts.TABLE.get(i) + " is out of order");
        }
    }

    /** A range declared in PcPorts but left out of TABLE would escape the disjointness check. */
    @Test
    void tableHoldsEveryDeclaredRange() throws IllegalAccessException {
        Set<PcPorts.PortRange> declared = new HashSet<>();
        for (Field f : PcPorts.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == PcPorts.PortRange.class) declared.add((PcPorts.PortRange) f.get(null));
        }
        assertEquals(declared, Set.copyOf(PcPorts.TABLE));
        assertEquals(declared.size(), PcPorts.TABLE.size(), "a range listed twice");
    }

    /** No two devices share an ISA IRQ; every IRQ is an ISA IRQ. */
    @Test
    void irqsAreDistinctIsaIrqs() {
        Set<Integer> irqs = new HashSet<>();
        for (PcPorts.PortRange r : PcPorts.TABLE) {
            if (r.irq() == PcPorts.NO_IRQ) continue;
            assertTrue(r.irq() >= 0 && r.irq() < PcPorts.ISA_IRQS, r + ": not an ISA IRQ");
            assertTrue(irqs.add(r.irq()), r + ": IRQ " + r.irq() + " taken twice");
        }
        assertTrue(irqs.add(PcPorts.I8042_AUX_IRQ), "the i8042 aux IRQ is taken");
        assertTrue(PcPorts.ISA_IRQS <= PcPorts.IOAPIC_PINS, "every ISA IRQ has its IOAPIC pin");
    }

    /** The PC/AT's assignments (and KVM's, for its in-kernel devices): guests hard-code these. */
    @Test
    void pcAtPortsAndIrqs() {
        assertEquals(new PcPorts.PortRange("COM1", 0x3f8, 8, 4), PcPorts.COM1);
        assertEquals(new PcPorts.PortRange("COM2", 0x2f8, 8, 3), PcPorts.COM2);
        assertEquals(new PcPorts.PortRange("CMOS RTC", 0x70, 2, 8), PcPorts.RTC);
        assertEquals(0x60, PcPorts.I8042_DATA.base());
        assertEquals(1, PcPorts.I8042_DATA.irq());
        assertEquals(0x64, PcPorts.I8042_COMMAND.base());
        assertEquals(12, PcPorts.I8042_AUX_IRQ);
        assertEquals(0x80, PcPorts.POST.base());
        assertEquals(0x40, PcPorts.PIT.base());
        assertEquals(0, PcPorts.PIT.irq());
        assertEquals(0x61, PcPorts.SYSTEM_CONTROL_B.base());
        assertEquals(0x20, PcPorts.PIC_MASTER.base());
        assertEquals(0xa0, PcPorts.PIC_SLAVE.base());
        assertEquals(0x4d0, PcPorts.PIC_ELCR.base());
        assertEquals(0xcf8, PcPorts.PCI_CONFIG_ADDRESS.base());
        assertEquals(0xcfc, PcPorts.PCI_CONFIG_DATA.base());
        assertEquals(0x510, PcPorts.FW_CFG.base());
        assertEquals(0x514, PcPorts.FW_CFG_DMA.base());
        assertEquals(0xf4, PcPorts.DEBUG_EXIT.base());
        assertEquals(0x501, PcPorts.QEMU_DEBUG_EXIT.base());
        assertEquals(0xe0, PcPorts.PC_TESTDEV.base());
        assertEquals(0x2000, PcPorts.PC_TESTDEV_IRQ.base());
        assertEquals(0x600, PcPorts.ACPI_SLEEP.base());
        assertEquals(0x601, PcPorts.ACPI_RESET.base());
    }

    /** The PC's own devices are ISA devices: below 0x400. */
    @Test
    void legacyDevicesSitInTheIsaRange() {
        for (PcPorts.PortRange r : List.of(PcPorts.PIC_MASTER, PcPorts.PIT, PcPorts.I8042_DATA, PcPorts.SYSTEM_CONTROL_B,
                PcPorts.I8042_COMMAND, PcPorts.RTC, PcPorts.POST, PcPorts.PIC_SLAVE, PcPorts.COM2, PcPorts.COM1)) {
            assertTrue(r.end() <= ISA_PORTS_END, r + " is past the ISA range");
        }
    }

    /** jkvm's own ACPI ports stay out of the ISA range legacy drivers probe. */
    @Test
    void acpiPortsAreClearOfTheIsaRange() {
        assertTrue(PcPorts.ACPI_SLEEP.base() >= ISA_PORTS_END);
        assertTrue(PcPorts.ACPI_RESET.base() >= ISA_PORTS_END);
    }

    /** PCI I/O BARs are assigned from a window above every fixed port, up to the end of the port space. */
    @Test
    void pciIoWindowIsAboveEveryFixedPort() {
        for (PcPorts.PortRange r : PcPorts.TABLE) {
            if (r != PcPorts.PCI_IO_WINDOW) assertTrue(r.end() <= PcPorts.PCI_IO_WINDOW.base(), r + " is inside the PCI I/O window");
        }
        assertEquals(PcPorts.PORT_SPACE, PcPorts.PCI_IO_WINDOW.end());
    }

    /**
     * microvm's virtio-mmio GSIs are the IOAPIC's pins past the ISA IRQs, one per device, and
     * meet neither an ISA IRQ nor a PCI INTx GSI.
     */
    @Test
    void virtioMmioGsisAreTheIoapicPinsPastTheIsaIrqs() {
        assertEquals(8, PcPorts.VIRTIO_MMIO_DEVICES);
        Set<Integer> gsis = new HashSet<>();
        for (int n = 0; n < PcPorts.VIRTIO_MMIO_DEVICES; n++) {
            int gsi = PcPorts.virtioMmioGsi(n);
            assertEquals(16 + n, gsi, "QEMU microvm's pins 16-23");
            assertTrue(gsi >= PcPorts.ISA_IRQS && gsi < PcPorts.IOAPIC_PINS, gsi + " is not an IOAPIC pin past the ISA IRQs");
            assertTrue(gsis.add(gsi), "GSI " + gsi + " twice");
        }
        for (PcPorts.PortRange r : PcPorts.TABLE) assertFalse(gsis.contains(r.irq()), r + " shares a virtio-mmio GSI");
        for (int slot = 0; slot < io.jkvm.pci.PciBus.SLOTS; slot++) {
            for (int pin = 1; pin <= 4; pin++) {
                int intx = io.jkvm.pci.PciIntxRouting.gsi(slot, pin);
                assertFalse(gsis.contains(intx), "PCI slot " + slot + " pin " + pin + " is on virtio-mmio GSI " + intx);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> PcPorts.virtioMmioGsi(-1));
        assertThrows(IllegalArgumentException.class, () -> PcPorts.virtioMmioGsi(PcPorts.VIRTIO_MMIO_DEVICES));
    }

    @Test
    void aRangeStaysInThePortSpace() {
        assertThrows(IllegalArgumentException.class, () -> new PcPorts.PortRange("x", 0xfffe, 4));
        assertThrows(IllegalArgumentException.class, () -> new PcPorts.PortRange("x", -1, 1));
        assertThrows(IllegalArgumentException.class, () -> new PcPorts.PortRange("x", 0x10, 0));
        assertEquals(PcPorts.NO_IRQ, new PcPorts.PortRange("x", 0x10, 1).irq());
    }
}
