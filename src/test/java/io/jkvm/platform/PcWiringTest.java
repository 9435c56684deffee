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
import io.jkvm.boot.CpuMode;
import io.jkvm.boot.EntryPoint;
import io.jkvm.config.VirtioSpec;
import io.jkvm.irq.MsiSink;
import io.jkvm.machine.BootPlan;
import io.jkvm.machine.Machine;
import io.jkvm.machine.MachineContext;
import io.jkvm.virtio.Activation;
import io.jkvm.virtio.VirtioDevice;
import io.jkvm.virtio.VirtioHost;
import io.jkvm.virtio.mmio.VirtioMmio;
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

    /** A virtio device with an ID, one queue, and nothing to do. */
    private record Idle(int deviceId) implements VirtioDevice {
        @Override public String name() { return "idle"; }
        @Override public long features() { return 0; }
        @Override public int queueCount() { return 1; }
        @Override public int maxQueueSize(int queue) { return 8; }
        @Override public int configSize() { return 0; }
        @Override public long readConfig(int offset, int size) { return 0; }
        @Override public void writeConfig(int offset, int size, long value) {}
        @Override public void activate(Activation activation) {}
        @Override public void notify(int queue) {}
        @Override public void reset() {}
        @Override public void close() {}
    }

    /**
     * The microvm machine puts virtio device n in {@link Layout#virtioMmioSlot}(n) on
     * {@link PcPorts#virtioMmioGsi}(n), where the DSDT says it is, and hands each transport over to
     * be closed with the VM.
     */
    @Test
    void microvmPutsVirtioDeviceNInSlotNOnItsGsi() throws Exception {
        PcOptions.Builder options = PcOptions.builder();
        List<VirtioDevice> devices = List.of(new Idle(2), new Idle(4), new Idle(3));
        for (int i = 0; i < devices.size(); i++) options.virtio(new VirtioSpec.Rng(0));
        VmConfig config = VmConfig.builder().machine(MachineType.MICROVM).memory(RAM)
                .multiboot(new MultibootKernel(new byte[1], "k", "", List.of())).pcOptions(options.build()).build();
        Bus ports = Bus.ports(), mmio = Bus.mmio();
        List<Integer> gsis = new ArrayList<>();
        List<AutoCloseable> owned = new ArrayList<>();
        try (GuestMemory memory = GuestMemory.allocate(Layout.ramRanges(RAM))) {
            VirtioHost host = VirtioHost.inline(memory, gsi -> { gsis.add(gsi); return InterruptLine.NONE; });
            Machine.of(config).attachDevices(new MachineContext(memory, ports, mmio, irq -> InterruptLine.NONE, MsiSink.NONE,
                    exit -> { }, devices, host, owned::add),
                    new BootPlan(CpuMode.LONG, EntryPoint.linear(0), java.util.Map.of(), "", FwCfgKernelItems.NONE));
            assertEquals(devices.size(), mmio.mappings().size(), "only the virtio-mmio transports: " + mmio.mappings());
            for (int n = 0; n < devices.size(); n++) {
                Bus.Mapping m = mmio.mappings().get(n);
                assertEquals(Layout.virtioMmioSlot(n), m.base());
                assertEquals(Layout.VIRTIO_MMIO_SLOT_SIZE, m.length());
                assertEquals(0x74726976L, mmio.read(m.base(), 4), "MagicValue");
                assertEquals(devices.get(n).deviceId(), mmio.read(m.base() + 8, 4), "DeviceID of device " + n);
            }
            assertEquals(List.of(PcPorts.virtioMmioGsi(0), PcPorts.virtioMmioGsi(1), PcPorts.virtioMmioGsi(2)), gsis);
            assertEquals(devices.size(), owned.size());
            for (AutoCloseable c : owned) {
                assertTrue(c instanceof VirtioMmio, c + " handed over");
                c.close();
            }
        }
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
