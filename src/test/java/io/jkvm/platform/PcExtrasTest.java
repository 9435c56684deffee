package io.jkvm.platform;

import io.jkvm.config.MachineType;
import io.jkvm.config.MultibootKernel;
import io.jkvm.config.PcOptions;
import io.jkvm.JkvmException;
import io.jkvm.config.VmConfig;
import io.jkvm.boot.Layout;
import io.jkvm.boot.PcPorts;
import io.jkvm.bus.Bus;
import io.jkvm.devices.fwcfg.FwCfgKernelItems;
import io.jkvm.irq.InterruptLine;
import io.jkvm.loader.E820Map;
import io.jkvm.memory.GuestMemory;
import io.jkvm.pci.PciConfigMechanism;
import io.jkvm.irq.MsiMessage;
import io.jkvm.pci.MsixCapability;
import io.jkvm.pci.MsixTestdev;
import io.jkvm.pci.PciHostBridge;
import io.jkvm.pci.PciTestdev;
import io.jkvm.pci.PciWindows;
import io.jkvm.virtio.VirtioDevice;
import io.jkvm.virtio.VirtioHost;
import io.jkvm.virtio.pci.FakeVirtioDevice;
import io.jkvm.virtio.pci.VirtioPci;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.jkvm.loader.E820Map.E820_RAM;
import static io.jkvm.loader.E820Map.E820_RESERVED;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link PcExtras}: fw_cfg's etc/e820, and what attach() puts on the buses for each {@link PcOptions}. */
class PcExtrasTest {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private static final int FW_CFG_SELECT = 0x510;
    private static final int FW_CFG_DATA = 0x511;

    private final Bus ports = Bus.ports();
    private final Bus mmio = Bus.mmio();
    private GuestMemory memory;

    @AfterEach
    void close() {
        if (memory != null) memory.close();
    }

    // ---- etc/e820 ----

    @Test
    void e820For128MiB() {
        assertEquals(List.of(
                new E820Map.Entry(0, 128 * MIB, E820_RAM),
                new E820Map.Entry(0xFEFF_C000L, 0x1000, E820_RESERVED),
                new E820Map.Entry(0xFFFB_D000L, 0x3000, E820_RESERVED)), PcExtras.fwCfgE820(128 * MIB));
    }

    @Test
    void e820For4GiBSplitsRamAtTheHole() {
        assertEquals(List.of(
                new E820Map.Entry(0, 3 * GIB, E820_RAM),
                new E820Map.Entry(0xFEFF_C000L, 0x1000, E820_RESERVED),
                new E820Map.Entry(0xFFFB_D000L, 0x3000, E820_RESERVED),
                new E820Map.Entry(4 * GIB, GIB, E820_RAM)), PcExtras.fwCfgE820(4 * GIB));
    }

    @Test
    void e820For3GiBHasNoHighRam() {
        assertEquals(List.of(
                new E820Map.Entry(0, 3 * GIB, E820_RAM),
                new E820Map.Entry(0xFEFF_C000L, 0x1000, E820_RESERVED),
                new E820Map.Entry(0xFFFB_D000L, 0x3000, E820_RESERVED)), PcExtras.fwCfgE820(3 * GIB));
    }

    // ---- attach ----

    private void attach(long ram, int cpus, PcOptions options) {
        attach(ram, cpus, options, FwCfgKernelItems.NONE);
    }

    private void attach(long ram, int cpus, PcOptions options, FwCfgKernelItems kernelItems) {
        attach(ram, cpus, options, kernelItems, options.pciTestdevSlot() != PcOptions.NO_DEVICE);
    }

    private void attach(long ram, int cpus, PcOptions options, FwCfgKernelItems kernelItems, boolean pciBus) {
        VmConfig config = VmConfig.builder().machine(pciBus ? MachineType.PC : MachineType.MICROVM).memory(ram).cpus(cpus)
                .multiboot(new MultibootKernel(new byte[1], "k", "", List.of())).pcOptions(options).build();
        memory = GuestMemory.allocate(Layout.ramRanges(ram));
        PcExtras.attach(ports, mmio, memory, irq -> InterruptLine.NONE, config, pciBus, kernelItems);
    }

    private void attach(PcOptions options) {
        attach(16 * MIB, 1, options);
    }

    private byte[] fwCfgRead(int key, int length) {
        ports.write(FW_CFG_SELECT, 2, key);
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++) data[i] = (byte) ports.read(FW_CFG_DATA, 1);
        return data;
    }

    private static int le16(byte[] b) {
        return (b[0] & 0xff) | (b[1] & 0xff) << 8;
    }

    /** A user file through the fw_cfg directory (key 0x19: be32 count, then be32 size, be16 select, be16, char[56] name). */
    private byte[] fwCfgFile(String name) {
        byte[] count = fwCfgRead(0x19, 4);
        int n = (count[0] & 0xff) << 24 | (count[1] & 0xff) << 16 | (count[2] & 0xff) << 8 | (count[3] & 0xff);
        byte[] dir = fwCfgRead(0x19, 4 + 64 * n);
        for (int i = 0; i < n; i++) {
            int e = 4 + 64 * i;
            int size = (dir[e] & 0xff) << 24 | (dir[e + 1] & 0xff) << 16 | (dir[e + 2] & 0xff) << 8 | (dir[e + 3] & 0xff);
            int select = (dir[e + 4] & 0xff) << 8 | (dir[e + 5] & 0xff);
            int end = e + 8;
            while (dir[end] != 0) end++;
            if (new String(dir, e + 8, end - e - 8, StandardCharsets.UTF_8).equals(name)) return fwCfgRead(select, size);
        }
        return null;
    }

    private boolean mapped(Bus bus, long base, long length) {
        return bus.mappings().stream().anyMatch(m -> m.base() == base && m.length() == length);
    }

    @Test
    void fwCfgAt0x510SaysQemu() {
        attach(PcOptions.NONE);
        assertTrue(mapped(ports, 0x510, 2), ports.mappings().toString());
        ports.write(FW_CFG_SELECT, 2, 0);
        StringBuilder sig = new StringBuilder();
        for (int i = 0; i < 4; i++) sig.append((char) ports.read(FW_CFG_DATA, 1));
        assertEquals("QEMU", sig.toString());
    }

    @Test
    void fwCfgCpuCountsAndMaxCpus() {
        attach(16 * MIB, 2, PcOptions.builder().maxCpus(6).build());
        assertEquals(2, le16(fwCfgRead(0x05, 2)), "NB_CPUS");
        assertEquals(6, le16(fwCfgRead(0x0f, 2)), "MAX_CPUS");
    }

    @Test
    void maxCpusBelowTheCpuCountIsTheCpuCount() {
        attach(16 * MIB, 3, PcOptions.NONE); // maxCpus 0: the VM's count
        assertEquals(3, le16(fwCfgRead(0x0f, 2)), "MAX_CPUS");
    }

    @Test
    void fwCfgHoldsTheE820AndTheUserFiles() {
        attach(PcOptions.builder().fwCfgFile("opt/jkvm/greeting", "hi".getBytes(StandardCharsets.US_ASCII)).build());
        assertArrayEquals("hi".getBytes(StandardCharsets.US_ASCII), fwCfgFile("opt/jkvm/greeting"));
        byte[] e820 = fwCfgFile("etc/e820");
        assertEquals(3 * 20, e820.length);
        assertEquals(16 * MIB, java.nio.ByteBuffer.wrap(e820).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(8));
    }

    @Test
    void fwCfgHoldsTheKernelItems() {
        FwCfgKernelItems items = FwCfgKernelItems.builder().cmdline(0x2_0000, "quiet").kernel(0x100_0000, 4)
                .kernelData(new byte[] {1, 2, 3, 4}).initrd(0x7f_f000, new byte[] {5, 6}).build();
        attach(16 * MIB, 1, PcOptions.NONE, items);
        assertArrayEquals(new byte[] {0, 0, 2, 0}, fwCfgRead(0x13, 4), "CMDLINE_ADDR");
        assertArrayEquals(new byte[] {6, 0, 0, 0}, fwCfgRead(0x14, 4), "CMDLINE_SIZE: strlen + 1");
        assertArrayEquals(new byte[] {'q', 'u', 'i', 'e', 't', 0, 0}, fwCfgRead(0x15, 7), "CMDLINE_DATA, then zeros past its end");
        assertArrayEquals(new byte[] {0, 0, 0, 1}, fwCfgRead(0x07, 4), "KERNEL_ADDR");
        assertArrayEquals(new byte[] {4, 0, 0, 0}, fwCfgRead(0x08, 4), "KERNEL_SIZE");
        assertArrayEquals(new byte[] {1, 2, 3, 4, 0}, fwCfgRead(0x11, 5), "KERNEL_DATA");
        assertArrayEquals(new byte[] {0, (byte) 0xf0, 0x7f, 0}, fwCfgRead(0x0a, 4), "INITRD_ADDR");
        assertArrayEquals(new byte[] {2, 0, 0, 0}, fwCfgRead(0x0b, 4), "INITRD_SIZE");
        assertArrayEquals(new byte[] {5, 6}, fwCfgRead(0x12, 2), "INITRD_DATA");
        assertArrayEquals(new byte[4], fwCfgRead(0x10, 4), "no KERNEL_ENTRY given: none");
        assertArrayEquals(new byte[4], fwCfgRead(0x17, 4), "no SETUP_SIZE");
        assertArrayEquals("QEMU".getBytes(StandardCharsets.US_ASCII), fwCfgRead(0x00, 4), "the pc items stay");
    }

    @Test
    void withoutAKernelNoKernelItems() {
        attach(PcOptions.NONE);
        for (int key : new int[] {0x07, 0x08, 0x0a, 0x0b, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18}) {
            assertArrayEquals(new byte[4], fwCfgRead(key, 4), String.format("item 0x%x", key));
        }
    }

    @Test
    void noPciPortsWithoutThePciBus() {
        attach(PcOptions.NONE);
        assertFalse(ports.mappings().stream().anyMatch(m -> m.base() <= 0xcff && m.end() > 0xcf8), ports.mappings().toString());
        assertEquals(0xffff_ffffL, ports.read(0xcfc, 4));
    }

    private long configRead(int slot, int offset) {
        ports.write(PcPorts.PCI_CONFIG_ADDRESS.base(), 4, PciConfigMechanism.ENABLE | slot << 11 | offset);
        return ports.read(PcPorts.PCI_CONFIG_DATA.base(), 4);
    }

    @Test
    void pciPortsWithThePciBus() {
        attach(16 * MIB, 1, PcOptions.NONE, FwCfgKernelItems.NONE, true);
        assertTrue(mapped(ports, 0xcf8, 4), ports.mappings().toString());
        assertTrue(mapped(ports, 0xcfc, 4), ports.mappings().toString());
        // slot 0: the host bridge, with QEMU's i440FX identity (Linux needs one to trust mechanism #1)
        assertEquals(PciHostBridge.VENDOR_ID | PciHostBridge.DEVICE_ID << 16, configRead(0, 0));
        assertEquals(0x0600_0002L, configRead(0, 0x08), "class 06 00 00, revision 2");
        for (int slot = 1; slot < 32; slot++) assertEquals(0xffff_ffffL, configRead(slot, 0), "slot " + slot + " is empty");
    }

    @Test
    void pciTestdevInItsSlot() {
        attach(PcOptions.builder().pciTestdev(5).build());
        List<Integer> found = new ArrayList<>();
        for (int slot = 0; slot < 32; slot++) {
            if (configRead(slot, 0) != 0xffff_ffffL) found.add(slot);
        }
        assertEquals(List.of(0, 5), found, "the host bridge and the pci-testdev");
        assertEquals(PciTestdev.VENDOR_ID | PciTestdev.DEVICE_ID << 16, configRead(5, 0));
        assertEquals(0x1b36, configRead(5, 0) & 0xffff);
        // BARs assigned as firmware would: memory from the hole's base, I/O from 0xc000
        assertEquals(Layout.PCI_MMIO32_START, configRead(5, 0x10) & ~0xfL);
        assertEquals(PcPorts.PCI_IO_WINDOW.base(), configRead(5, 0x14) & ~0x3L);
    }

    @Test
    void msixTestdevWithBothTestDevicesAndItsInterruptsWired() {
        List<String> raised = new ArrayList<>();
        List<MsiMessage> sent = new ArrayList<>();
        VmConfig config = VmConfig.builder().machine(MachineType.PC).memory(16 * MIB)
                .multiboot(new MultibootKernel(new byte[1], "k", "", List.of()))
                .pcOptions(PcOptions.builder().pciTestdev(2).msixTestdev(3).build()).build();
        memory = GuestMemory.allocate(Layout.ramRanges(16 * MIB));
        PcExtras.attach(ports, mmio, memory, gsi -> high -> raised.add(gsi + (high ? "+" : "-")),
                m -> sent.add(m), config, true, FwCfgKernelItems.NONE);
        assertEquals(MsixTestdev.VENDOR_ID | MsixTestdev.DEVICE_ID << 16, configRead(3, 0));
        assertEquals(11, configRead(3, 0x3c) & 0xff, "slot 3 INTA#: GSI 11 in the interrupt line register");
        long table = configRead(3, 0x10) & ~0xfL;
        assertEquals(0, configRead(3, 0x14), "a 64-bit BAR, placed below 4 GiB");
        assertTrue(table >= Layout.PCI_MMIO32_START && table < Layout.PCI_MMIO32_START + Layout.PCI_MMIO32_SIZE, Long.toHexString(table));
        int regs = (int) (configRead(3, 0x18) & ~0x3L);
        // MSI-X on, entry 0 unmasked, bus master: a TRIGGER write reaches the sink
        ports.write(PcPorts.PCI_CONFIG_ADDRESS.base(), 4, PciConfigMechanism.ENABLE | 3 << 11 | 0x04);
        ports.write(PcPorts.PCI_CONFIG_DATA.base(), 2, 0x7);
        ports.write(PcPorts.PCI_CONFIG_ADDRESS.base(), 4, PciConfigMechanism.ENABLE | 3 << 11 | 0x40);
        ports.write(PcPorts.PCI_CONFIG_DATA.base() + 2, 2, MsixCapability.CONTROL_ENABLE);
        mmio.write(table, 4, 0xfee0_0000L);
        mmio.write(table + 8, 4, 0x40);
        mmio.write(table + 12, 4, 0);
        ports.write(regs, 4, 0);
        assertEquals(List.of(new MsiMessage(0xfee0_0000L, 0x40)), sent);
        // MSI-X off: INTA# on GSI 11
        ports.write(PcPorts.PCI_CONFIG_DATA.base() + 2, 2, 0);
        ports.write(regs, 4, 0);
        ports.write(regs + 4, 4, 0);
        assertEquals(List.of("11+", "11-"), raised);
    }

    @Test
    void virtioDevicesTakeTheFreeSlotsAroundTheTestDevices() {
        VmConfig config = VmConfig.builder().machine(MachineType.PC).memory(16 * MIB)
                .multiboot(new MultibootKernel(new byte[1], "k", "", List.of()))
                .pcOptions(PcOptions.builder().pciTestdev(2).msixTestdev(4).build()).build();
        memory = GuestMemory.allocate(Layout.ramRanges(16 * MIB));
        List<AutoCloseable> owned = new ArrayList<>();
        List<VirtioDevice> devices = List.of(new FakeVirtioDevice(), new FakeVirtioDevice(), new FakeVirtioDevice());
        PcExtras.attach(ports, mmio, memory, irq -> InterruptLine.NONE, m -> true, config, true, FwCfgKernelItems.NONE,
                new PcExtras.Virtio(devices, VirtioHost.inline(memory, gsi -> InterruptLine.NONE), owned::add));
        for (int slot : new int[]{3, 5, 6}) {
            assertEquals(VirtioPci.VENDOR_ID | 0x1044L << 16, configRead(slot, 0), "slot " + slot);
            long bar4 = configRead(slot, 0x10 + 4 * VirtioPci.VIRTIO_BAR) & ~0xfL;
            assertTrue(bar4 >= Layout.PCI_MMIO32_START && bar4 < Layout.PCI_MMIO32_START + Layout.PCI_MMIO32_SIZE, Long.toHexString(bar4));
            assertEquals(2, mmio.read(bar4 + 0x12, 2), "num_queues through the MMIO bus");
        }
        assertEquals(11, configRead(3, 0x3c) & 0xff, "slot 3 INTA#: GSI 11");
        assertEquals(3, owned.size());
        for (int i = 0; i < 3; i++) assertTrue(owned.get(i) instanceof VirtioPci p && p.device() == devices.get(i), "in order");
    }

    @Test
    void virtioDevicesWaitForTheMicrovmsOwnTransport() {
        List<AutoCloseable> owned = new ArrayList<>();
        VmConfig config = VmConfig.builder().machine(MachineType.MICROVM).memory(16 * MIB)
                .multiboot(new MultibootKernel(new byte[1], "k", "", List.of())).build();
        memory = GuestMemory.allocate(Layout.ramRanges(16 * MIB));
        PcExtras.attach(ports, mmio, memory, irq -> InterruptLine.NONE, m -> true, config, false, FwCfgKernelItems.NONE,
                new PcExtras.Virtio(List.of(new FakeVirtioDevice()), VirtioHost.inline(memory, gsi -> InterruptLine.NONE), owned::add));
        assertEquals(List.of(), owned, "no PCI bus: no virtio-pci");
        assertEquals(List.of(), mmio.mappings());
    }

    @Test
    void slotZeroIsTheHostBridges() {
        assertThrows(IllegalArgumentException.class, () -> PcOptions.builder().msixTestdev(0).build());
        assertThrows(IllegalArgumentException.class, () -> PcOptions.builder().pciTestdev(0).build());
        assertThrows(IllegalArgumentException.class, () -> PcOptions.builder().pciTestdev(4).msixTestdev(4).build());
    }

    @Test
    void pciWindowsStayAboveRam() {
        PciWindows small = PcExtras.pciWindows(16 * MIB);
        assertEquals(Layout.PCI_MMIO32_START, small.mmio32Base());
        assertEquals(Layout.PCI_MMIO32_START + Layout.PCI_MMIO32_SIZE, small.mmio32End());
        assertEquals(Layout.HIGH_RAM_START, small.mmio64Base());
        assertEquals(Layout.HIGH_RAM_START + Layout.PCI_MMIO64_SIZE, small.mmio64End());
        assertEquals(PcPorts.PCI_IO_WINDOW.base(), small.ioBase());
        // 300 GiB of RAM ends at 301 GiB (3 GiB below the hole, the rest from 4 GiB): the window moves past it
        PciWindows big = PcExtras.pciWindows(300L << 30);
        assertEquals(301L << 30, big.mmio64Base());
    }

    @Test
    void pcTestdevOnlyWhenAsked() {
        attach(PcOptions.NONE);
        assertFalse(ports.mappings().stream().anyMatch(m -> m.base() <= 0xe0 && m.end() > 0xe0), ports.mappings().toString());
        assertFalse(mapped(mmio, Layout.PC_TESTDEV_IOMEM_ADDR, Layout.PC_TESTDEV_IOMEM_SIZE));
    }

    @Test
    void pcTestdevPorts() {
        attach(PcOptions.builder().pcTestdev(true).build());
        assertTrue(mapped(ports, 0xe0, 12), ports.mappings().toString());
        assertTrue(mapped(ports, 0x2000, 24), ports.mappings().toString());
        assertTrue(mapped(mmio, Layout.PC_TESTDEV_IOMEM_ADDR, Layout.PC_TESTDEV_IOMEM_SIZE), mmio.mappings().toString());
        ports.write(0xe0, 4, 0x12345678);
        assertEquals(0x12345678, ports.read(0xe0, 4));
    }

    @Test
    void aDuplicateFwCfgNameIsOneLine() {
        JkvmException e = assertThrows(JkvmException.class,
                () -> attach(PcOptions.builder().fwCfgFile("etc/e820", new byte[20]).build()));
        assertEquals("fw_cfg file etc/e820: duplicate fw_cfg file name: etc/e820", e.getMessage());
    }

    @Test
    void twoUserFilesOfOneNameAreOneLine() {
        PcOptions twice = PcOptions.builder().fwCfgFile("opt/a", new byte[1]).fwCfgFile("opt/a", new byte[2]).build();
        JkvmException e = assertThrows(JkvmException.class, () -> attach(twice));
        assertEquals("fw_cfg file opt/a: duplicate fw_cfg file name: opt/a", e.getMessage());
    }
}
