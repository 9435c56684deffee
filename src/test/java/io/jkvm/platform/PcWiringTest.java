package io.jkvm.platform;

import io.jkvm.config.MachineType;
import io.jkvm.config.MultibootKernel;
import io.jkvm.config.PcOptions;
import io.jkvm.config.VmConfig;
import io.jkvm.boot.Layout;
import io.jkvm.boot.PcPorts;
import io.jkvm.bus.Bus;
import io.jkvm.devices.ByteSink;
import io.jkvm.devices.CmosRtc;
import io.jkvm.devices.Uart16550;
import io.jkvm.devices.fwcfg.FwCfgKernelItems;
import io.jkvm.irq.InterruptLine;
import io.jkvm.memory.GuestMemory;
import io.jkvm.pci.PciConfigMechanism;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The PC's devices go exactly where {@link PcPorts} and {@link Layout} say, and nowhere else. */
class PcWiringTest {
    private static final long RAM = 16L << 20;

    /** Every device of the PC platform with every option on, and the ISA IRQs they asked for. */
    private static List<Integer> attachEverything(Bus ports, Bus mmio, GuestMemory memory) {
        List<Integer> irqs = new ArrayList<>();
        PcPlatform.attach(ports, irq -> { irqs.add(irq); return InterruptLine.NONE; }, ByteSink.NONE, ByteSink.NONE, exit -> { },
                RAM, 0);
        PcOptions options = PcOptions.builder().pcTestdev(true).pciTestdev(PcExtras.FIRST_FREE_PCI_SLOT).build();
        VmConfig config = VmConfig.builder().machine(MachineType.PC).memory(RAM)
                .multiboot(new MultibootKernel(new byte[1], "k", "", List.of())).pcOptions(options).build();
        PcExtras.attach(ports, mmio, memory, irq -> InterruptLine.NONE, config, true, FwCfgKernelItems.NONE);
        return irqs;
    }

    @Test
    void everyPortMappingIsATableEntryOrAPciIoBar() {
        Bus ports = Bus.ports(), mmio = Bus.mmio();
        try (GuestMemory memory = GuestMemory.allocate(Layout.ramRanges(RAM))) {
            attachEverything(ports, mmio, memory);
        }
        int bars = 0;
        for (Bus.Mapping m : ports.mappings()) {
            boolean entry = PcPorts.TABLE.stream().anyMatch(r -> r.base() == m.base() && r.length() == m.length());
            boolean bar = m.base() >= PcPorts.PCI_IO_WINDOW.base() && m.end() <= PcPorts.PCI_IO_WINDOW.end();
            assertTrue(entry || bar, String.format("ports [0x%x, 0x%x) are not in PcPorts", m.base(), m.end()));
            if (bar) bars++;
        }
        assertEquals(1, bars, "pci-testdev's I/O BAR: " + ports.mappings());
        for (PcPorts.PortRange r : List.of(PcPorts.COM1, PcPorts.COM2, PcPorts.RTC, PcPorts.I8042_DATA, PcPorts.I8042_COMMAND,
                PcPorts.POST, PcPorts.FW_CFG, PcPorts.FW_CFG_DMA, PcPorts.PCI_CONFIG_ADDRESS, PcPorts.PCI_CONFIG_DATA,
                PcPorts.PC_TESTDEV, PcPorts.PC_TESTDEV_IRQ)) {
            assertTrue(ports.mappings().stream().anyMatch(m -> m.base() == r.base() && m.length() == r.length()), r + " is not attached");
        }
    }

    @Test
    void everyMmioMappingLiesInItsWindow() {
        Bus ports = Bus.ports(), mmio = Bus.mmio();
        try (GuestMemory memory = GuestMemory.allocate(Layout.ramRanges(RAM))) {
            attachEverything(ports, mmio, memory);
        }
        long pciEnd = Layout.PCI_MMIO32_START + Layout.PCI_MMIO32_SIZE;
        for (Bus.Mapping m : mmio.mappings()) {
            boolean testdev = m.base() == Layout.PC_TESTDEV_IOMEM_ADDR && m.length() == Layout.PC_TESTDEV_IOMEM_SIZE;
            boolean bar = m.base() >= Layout.PCI_MMIO32_START && m.end() <= pciEnd;
            assertTrue(testdev || bar, String.format("MMIO [0x%x, 0x%x) is in no Layout window", m.base(), m.end()));
        }
        assertEquals(2, mmio.mappings().size(), "pc-testdev's iomem and pci-testdev's memory BAR: " + mmio.mappings());
    }

    /** The legacy devices take the IRQs the table gives them (the DSDT describes the same ones). */
    @Test
    void legacyDevicesUseTheTablesIrqs() {
        Bus ports = Bus.ports(), mmio = Bus.mmio();
        List<Integer> irqs;
        try (GuestMemory memory = GuestMemory.allocate(Layout.ramRanges(RAM))) {
            irqs = attachEverything(ports, mmio, memory);
        }
        assertEquals(List.of(PcPorts.COM2.irq(), PcPorts.COM1.irq(), PcPorts.RTC.irq(), PcPorts.I8042_DATA.irq(), PcPorts.I8042_AUX_IRQ), irqs);
    }

    /** The table's lengths are the devices' register counts. */
    @Test
    void tableLengthsMatchTheDevices() {
        assertEquals(Uart16550.REGISTER_COUNT, PcPorts.COM1.length());
        assertEquals(Uart16550.REGISTER_COUNT, PcPorts.COM2.length());
        assertEquals(CmosRtc.PORT_COUNT, PcPorts.RTC.length());
        assertEquals(PciConfigMechanism.PORT_LENGTH, PcPorts.PCI_CONFIG_ADDRESS.length());
        assertEquals(PciConfigMechanism.PORT_LENGTH, PcPorts.PCI_CONFIG_DATA.length());
    }
}
