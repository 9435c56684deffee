package io.jkvm.config;

import io.jkvm.JkvmException;
import io.jkvm.boot.CpuMode;
import io.jkvm.boot.EntryPoint;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link VmConfig#validate} on a host with 24 GiB and 255 vCPUs. */
class VmConfigTest {
    private static final long M = 1L << 20;
    private static final long HOST_MEMORY = 24L << 30;
    private static final int MAX_VCPUS = 255;

    private static VmConfig.Builder base() {
        return VmConfig.builder().memory(64 * M).image(new byte[16], "test.bin");
    }

    private static String rejected(VmConfig.Builder builder) {
        VmConfig config = builder.build();
        return assertThrows(JkvmException.class, () -> config.validate(HOST_MEMORY, MAX_VCPUS)).getMessage();
    }

    private static void accepted(VmConfig.Builder builder) {
        VmConfig config = builder.build();
        assertDoesNotThrow(() -> config.validate(HOST_MEMORY, MAX_VCPUS));
    }

    private static void assertContains(String expected, String message) {
        assertTrue(message.contains(expected), "expected '" + expected + "' in: " + message);
    }

    @Test
    void validConfigsPass() {
        accepted(base());
        accepted(base().mode(CpuMode.PROTECTED));
        accepted(base().mode(CpuMode.LONG).memory(4L << 30).cpus(255).register("RAX", 2).exitLimit(10));
        accepted(base().memory(M));
    }

    @Test
    void builderDefaults() {
        VmConfig real = base().build();
        assertEquals(0x1000, real.rawImage().loadAddress());
        assertEquals(EntryPoint.linear(0x1000), real.rawImage().entry());
        assertEquals(MachineType.BARE, real.machine());
        assertEquals(1, real.cpus());
        assertEquals(new VmConfig.DebugExitPort(0xf4, 4), real.debugExit());
        VmConfig lng = base().mode(CpuMode.LONG).build();
        assertEquals(0x100000, lng.rawImage().loadAddress());
        assertEquals(EntryPoint.linear(0x100000), lng.rawImage().entry());
    }

    @Test
    void memoryMustBeWholePages() {
        assertContains("not a multiple of 4 KiB", rejected(base().memory(64 * M + 1)));
        assertContains("not a multiple of 4 KiB", rejected(base().memory(0)));
    }

    @Test
    void memoryMustBeAtLeastOneMegabyte() {
        assertEquals("memory size 1044480 bytes is too small: jkvm needs at least 1M",
                rejected(base().memory(M - 4096)));
    }

    @Test
    void memoryMustFitTheHost() {
        assertEquals("memory size 32 GiB is more than this host has (24 GiB): give a smaller --memory",
                rejected(base().memory(32L << 30)));
    }

    @Test
    void cpusWithinBounds() {
        assertEquals("--cpus must be at least 1", rejected(base().cpus(0)));
        assertEquals("--cpus 256 is more than KVM allows on this host (255)", rejected(base().cpus(256)));
        // Without KVM's own limit, only what no x86 KVM allows is refused.
        VmConfig many = base().cpus(4097).build();
        assertEquals("--cpus 4097 is more than KVM allows on any x86 host (4096)",
                assertThrows(JkvmException.class, () -> many.validate(HOST_MEMORY)).getMessage());
        assertDoesNotThrow(() -> base().cpus(4096).build().validate(HOST_MEMORY));
    }

    @Test
    void unknownRegisterListsTheValidNames() {
        String message = rejected(base().register("eax", 1));
        assertContains("unknown register 'eax'", message);
        assertContains("rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp, r8", message);
        assertContains("rip, rflags", message);
    }

    @Test
    void imageMustBeThereAndNotEmpty() {
        assertEquals("image empty.bin is empty", rejected(base().image(new byte[0], "empty.bin")));
        assertEquals("no image to run", assertThrows(JkvmException.class, () -> VmConfig.builder().build()).getMessage());
    }

    @Test
    void theMachineMustFitTheBootSource() {
        assertEquals("the pc machine boots a kernel: give --kernel (a raw image runs on the bare machine)",
                rejected(base().machine(MachineType.PC)));
        assertEquals("the bare machine runs a raw image: give --machine pc or microvm for a kernel",
                rejected(base().machine(MachineType.BARE).multiboot(new MultibootKernel(new byte[1], "k", "", java.util.List.of()))));
        assertEquals(MachineType.MICROVM, base().multiboot(new MultibootKernel(new byte[1], "k", "", java.util.List.of())).build().machine());
        assertEquals("pci-testdev needs the PCI bus: use the pc machine", rejected(VmConfig.builder()
                .multiboot(new MultibootKernel(new byte[1], "k", "", java.util.List.of()))
                .pcOptions(PcOptions.builder().pciTestdev(3).build())));
        assertEquals("COM2 is on the pc and microvm machines only", rejected(base().serial2(io.jkvm.devices.ByteSink.NONE)));
    }

    @Test
    void virtioDevicesNeedAPcMachineAndFitMicrovmsSlots() {
        assertEquals("virtio devices need --machine microvm or pc",
                rejected(base().pcOptions(PcOptions.builder().virtio(new VirtioSpec.Rng(0)).build())));
        PcOptions.Builder eight = PcOptions.builder();
        for (int i = 0; i < 8; i++) eight.virtio(new VirtioSpec.Rng(0));
        VmConfig.Builder kernel = VmConfig.builder().multiboot(new MultibootKernel(new byte[1], "k", "", java.util.List.of()));
        accepted(kernel.pcOptions(eight.build()));
        accepted(kernel.machine(MachineType.PC).pcOptions(eight.virtio(new VirtioSpec.Console(io.jkvm.devices.ByteSink.NONE)).build()));
        assertEquals("the microvm machine has 8 virtio-mmio slots, not 9: give fewer virtio devices, or --machine pc",
                rejected(kernel.machine(MachineType.MICROVM).pcOptions(eight.build())));
    }

    @Test
    void imageMustFitInRam() {
        String message = rejected(base().memory(M).image(new byte[(int) M], "big.bin"));
        assertContains("image big.bin (1048576 bytes) loaded at 0x1000 runs past the end of guest RAM (0x100000)", message);
        accepted(base().memory(M).image(new byte[(int) M - 0x1000], "exact.bin"));
    }

    @Test
    void loadAddressMustBeInRam() {
        assertContains("load address 0x4000000 is outside guest RAM [0, 0x4000000)", rejected(base().loadAddress(64 * M)));
        assertContains("load address 0xffffffffffffffff is outside guest RAM", rejected(base().loadAddress(-1)));
    }

    @Test
    void imageMustNotOverlapTheGdtInProtectedMode() {
        String message = rejected(base().mode(CpuMode.PROTECTED).loadAddress(0x400).image(new byte[0x200], "p.bin"));
        assertContains("overlaps jkvm's GDT at [0x500, 0x1000) in protected mode", message);
        accepted(base().mode(CpuMode.PROTECTED).loadAddress(0x300).image(new byte[0x200], "p.bin"));
        accepted(base().mode(CpuMode.PROTECTED).loadAddress(0x1000));
    }

    @Test
    void imageMustNotOverlapThePageTablesInLongMode() {
        String message = rejected(base().mode(CpuMode.LONG).loadAddress(0x9800));
        assertContains("overlaps jkvm's page tables at [0x9000, 0xf000) in long mode", message);
        assertContains("overlaps jkvm's GDT", rejected(base().mode(CpuMode.LONG).loadAddress(0xf00)));
        accepted(base().mode(CpuMode.LONG).loadAddress(0xf000));
        accepted(base().mode(CpuMode.LONG).loadAddress(0x1000).image(new byte[0x8000], "fits.bin"));
    }

    @Test
    void realModeHasNoReservedTables() {
        accepted(base().loadAddress(0x500).image(new byte[0x100], "r.bin"));
        accepted(base().loadAddress(0x9000));
    }

    @Test
    void entryMustBeInRam() {
        assertEquals("entry 0x4000000 is outside guest RAM [0, 0x4000000)",
                rejected(base().mode(CpuMode.PROTECTED).entry(EntryPoint.linear(64 * M))));
        assertContains("is not reachable in real mode", rejected(base().entry(EntryPoint.linear(0x200000))));
        assertContains("is not reachable in real mode", rejected(base().entry(EntryPoint.linear(EntryPoint.REAL_MODE_LIMIT))));
        accepted(base().loadAddress(0x100000));  // 0xffff:0x0010
    }

    @Test
    void segOffEntryIsForRealModeOnly() {
        assertEquals("a SEG:OFF entry is for --mode real; give a plain address in long mode",
                rejected(base().mode(CpuMode.LONG).entry(EntryPoint.realMode(0x1000, 0))));
        accepted(base().entry(EntryPoint.realMode(0x100, 0)));
    }

    @Test
    void debugExitPortMustBeAPort() {
        assertEquals("debug-exit port 0xfffe is not a valid I/O port", rejected(base().debugExit(0xfffe, 4)));
        accepted(base().debugExit(0xfffc, 4));
        accepted(base().noDebugExit());
    }

    @Test
    void exitLimitMustNotBeNegative() {
        assertEquals("--exits must be positive", rejected(base().exitLimit(-1)));
    }
}
