package io.jkvm.cli;

import io.jkvm.JkvmException;
import io.jkvm.config.MachineType;
import io.jkvm.config.LinuxKernel;
import io.jkvm.config.VmConfig;
import io.jkvm.boot.CpuMode;
import io.jkvm.devices.ByteSink;
import io.jkvm.loader.multiboot.MultibootHeader;
import io.jkvm.config.MultibootKernel;
import io.jkvm.config.PcOptions;
import io.jkvm.qemu.QemuCommandLine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link QemuMain#config}: a parsed QEMU command line becomes the VmConfig jkvm runs. No KVM is
 * needed: config() only reads files.
 */
class QemuMainConfigTest {
    private static final Path GUESTS = Path.of(System.getProperty("jkvm.guests", "target/classes/guests"));
    private static final String MB_HELLO = GUESTS.resolve("mb_hello.bin").toString();

    @TempDir
    Path tmp;

    private static VmConfig config(String... args) {
        return QemuMain.config(QemuCommandLine.parse(List.of(args)), ByteSink.NONE, null);
    }

    /** -kernel mb_hello.bin plus {@code extra}. */
    private static VmConfig hello(String... extra) {
        List<String> args = new ArrayList<>(List.of("-kernel", MB_HELLO));
        args.addAll(Arrays.asList(extra));
        return config(args.toArray(String[]::new));
    }

    private static String refusal(String... args) {
        JkvmException e = assertThrows(JkvmException.class, () -> config(args));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    /** A file that looks like a bzImage (0xAA55 at 0x1FE, "HdrS" at 0x202) and also holds a multiboot header. */
    private static byte[] fakeBzImageWithMultibootHeader() {
        byte[] b = new byte[4096];
        b[0x1fe] = 0x55;
        b[0x1ff] = (byte) 0xaa;
        b[0x202] = 'H';
        b[0x203] = 'd';
        b[0x204] = 'r';
        b[0x205] = 'S';
        // A valid multiboot header at 0x400 (magic, flags 0, checksum): Linux's header must win (QEMU's order).
        putInt(b, 0x400, 0x1BADB002);
        putInt(b, 0x404, 0);
        putInt(b, 0x408, -0x1BADB002);
        return b;
    }

    private static void putInt(byte[] b, int at, int v) {
        for (int i = 0; i < 4; i++) b[at + i] = (byte) (v >>> (8 * i));
    }

    // ---- the kernel ----

    @Test
    void multibootKernelIsDetectedByContent() throws IOException {
        VmConfig c = hello();
        MultibootKernel mb = assertInstanceOf(MultibootKernel.class, c.boot());
        assertEquals(MB_HELLO, mb.name());
        assertEquals("", mb.append());
        assertEquals(MB_HELLO + " ", mb.cmdline());
        assertEquals(List.of(), mb.modules());
        assertArrayEquals(Files.readAllBytes(Path.of(MB_HELLO)), mb.kernel());
        assertTrue(c.irqchip());
        assertEquals(MachineType.PC, c.machine());
    }

    @Test
    void appendIsPassedAsIs() {
        MultibootKernel mb = (MultibootKernel) hello("-append", " a  b ").boot();
        assertEquals(" a  b ", mb.append());
        assertEquals(MB_HELLO + "  a  b ", mb.cmdline());
    }

    @Test
    void initrdIsTheMultibootModuleList() throws IOException {
        Path a = Files.write(tmp.resolve("a"), new byte[] {1, 2, 3});
        Path b = Files.writeString(tmp.resolve("b"), "second module\n");
        Path comma = Files.write(tmp.resolve("c,d"), new byte[] {9});
        List<MultibootKernel.Module> mods = ((MultibootKernel) hello("-initrd", a + " args,," + "x," + b + "," + tmp.resolve("c,,d") + " z")
                .boot()).modules();
        assertEquals(3, mods.size());
        assertEquals(a + " args,x", mods.get(0).string());
        assertArrayEquals(new byte[] {1, 2, 3}, mods.get(0).data());
        assertEquals(b.toString(), mods.get(1).string());
        assertArrayEquals("second module\n".getBytes(StandardCharsets.US_ASCII), mods.get(1).data());
        assertEquals(comma + " z", mods.get(2).string());
        assertArrayEquals(new byte[] {9}, mods.get(2).data());
    }

    @Test
    void aMissingModuleIsOneLineNamingIt() {
        Path gone = tmp.resolve("gone");
        assertEquals("module " + gone + " does not exist", refusal("-kernel", MB_HELLO, "-initrd", gone + " arg"));
    }

    @Test
    void aLinuxHeaderWinsOverAMultibootHeader() throws IOException {
        byte[] image = fakeBzImageWithMultibootHeader();
        assertTrue(MultibootHeader.find(image).isPresent(), "the fake image must hold a multiboot header too");
        Path kernel = Files.write(tmp.resolve("bzImage"), image);
        Path initrd = Files.write(tmp.resolve("initrd"), new byte[] {7, 7});
        VmConfig c = config("-kernel", kernel.toString(), "-initrd", initrd.toString(), "-append", "console=ttyS0 quiet");
        LinuxKernel linux = assertInstanceOf(LinuxKernel.class, c.boot());
        assertArrayEquals(image, linux.kernel());
        assertEquals(kernel.toString(), linux.name());
        assertArrayEquals(new byte[] {7, 7}, linux.initrd());
        assertEquals("console=ttyS0 quiet", linux.cmdline());
        assertTrue(linux.hostDecompress());
    }

    @Test
    void linuxWithoutAppendOrInitrdGetsAnEmptyCommandLine() throws IOException {
        Path kernel = Files.write(tmp.resolve("bzImage"), fakeBzImageWithMultibootHeader());
        VmConfig c = config("-kernel", kernel.toString());
        LinuxKernel linux = (LinuxKernel) c.boot();
        assertEquals("", linux.cmdline()); // QEMU passes no default console= (jkvm run does)
        assertNull(linux.initrd());
    }

    @Test
    void aMissingKernelIsOneLineNamingTheFile() {
        Path gone = tmp.resolve("no-such-kernel");
        assertEquals("kernel " + gone + " does not exist", refusal("-kernel", gone.toString()));
    }

    // ---- memory, CPUs, machine ----

    @ParameterizedTest(name = "-m {0}")
    @CsvSource({"256, 268435456", "100M, 104857600", "1G, 1073741824", "2049K, 2105344"})
    void memoryIsMapped(String m, long bytes) {
        assertEquals(bytes, hello("-m", m).memory());
    }

    @Test
    void defaultMemoryIsQemus128M() {
        assertEquals(128L << 20, hello().memory());
    }

    @Test
    void smpGivesCpusAndFwCfgMaxCpus() {
        VmConfig c = hello("-smp", "2,maxcpus=4");
        assertEquals(2, c.cpus());
        assertEquals(4, c.pcOptions().maxCpus());
        VmConfig three = hello("-smp", "3");
        assertEquals(3, three.cpus());
        assertEquals(3, three.pcOptions().maxCpus());
        assertEquals(1, hello().cpus());
        assertEquals(1, hello().pcOptions().maxCpus());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"-M pc, true", "-M pc-i440fx-7.2, true", "-machine microvm, false", "-M microvm, false"})
    void machineDecidesThePciBus(String machine, boolean pci) {
        String[] m = machine.split(" ");
        assertEquals(pci ? MachineType.PC : MachineType.MICROVM, hello(m[0], m[1]).machine());
    }

    @Test
    void defaultMachineIsPcWithPci() {
        assertEquals(MachineType.PC, hello().machine());
        PcOptions o = hello().pcOptions();
        assertFalse(o.pcTestdev());
        assertEquals(PcOptions.NO_DEVICE, o.pciTestdevSlot());
        assertEquals(List.of(), o.fwCfgFiles());
        assertTrue(o.pitReinject());
    }

    // ---- devices ----

    @Test
    void noIsaDebugExitMeansNone() {
        assertNull(hello().debugExit());
    }

    @Test
    void isaDebugExitPortAndSize() {
        VmConfig c = hello("-device", "isa-debug-exit,iobase=0xf4,iosize=4");
        assertEquals(new VmConfig.DebugExitPort(0xf4, 4), c.debugExit());
        VmConfig d = hello("-device", "isa-debug-exit");
        assertEquals(new VmConfig.DebugExitPort(0x501, 2), d.debugExit()); // QEMU's defaults
    }

    @Test
    void aSecondIsaDebugExitIsRefused() {
        assertEquals("-device isa-debug-exit: jkvm supports one isa-debug-exit",
                refusal("-kernel", MB_HELLO, "-device", "isa-debug-exit", "-device", "isa-debug-exit,iobase=0xf4"));
    }

    @Test
    void pciTestdevOnMicrovmIsRefused() {
        assertEquals("-device pci-testdev: no PCI bus on -M microvm (use -M pc)",
                refusal("-kernel", MB_HELLO, "-M", "microvm", "-device", "pci-testdev"));
    }

    @Test
    void pciTestdevSlots() {
        assertEquals(5, hello("-device", "pci-testdev,addr=5").pcOptions().pciTestdevSlot());
        assertEquals(0x1f, hello("-device", "pci-testdev,addr=1f.0").pcOptions().pciTestdevSlot());
        assertEquals(2, hello("-device", "pci-testdev").pcOptions().pciTestdevSlot()); // QEMU's first free slot
    }

    @Test
    void pciTestdevFunctionOtherThanZeroIsRefused() {
        assertEquals("-device pci-testdev,addr=: jkvm puts devices at function 0 only",
                refusal("-kernel", MB_HELLO, "-device", "pci-testdev,addr=5.1"));
    }

    @Test
    void aSecondPciTestdevIsRefused() {
        assertEquals("-device pci-testdev: jkvm supports one",
                refusal("-kernel", MB_HELLO, "-device", "pci-testdev", "-device", "pci-testdev,addr=6"));
    }

    /**
     * QEMU's pc has its host bridge (i440FX) in slot 0 and its ISA bridge (PIIX3) in slot 1, also
     * with -nodefaults, and refuses a -device there ("PCI: slot 0 function 0 not available for
     * pci-testdev, in use by i440FX"); so does jkvm, to refuse what QEMU refuses.
     */
    @ParameterizedTest(name = "addr={0}")
    @ValueSource(strings = {"0", "1", "1.0"})
    void pciTestdevInQemusBridgeSlotsIsRefused(String addr) {
        String slot = addr.substring(0, 1);
        String line = refusal("-kernel", MB_HELLO, "-device", "pci-testdev,addr=" + addr);
        assertTrue(line.startsWith("-device pci-testdev: PCI: "), line);
        assertTrue(line.contains("slot " + slot + " function 0 not available"), line);
    }

    @Test
    void pcTestdev() {
        assertTrue(hello("-device", "pc-testdev").pcOptions().pcTestdev());
        assertTrue(hello("-M", "microvm", "-device", "pc-testdev").pcOptions().pcTestdev()); // ISA: microvm too
    }

    // ---- fw_cfg and -global ----

    @Test
    void fwCfgFilesAndStringsInOrder() throws IOException {
        byte[] blob = {0, 1, 2, (byte) 0xff, 0};
        Path file = Files.write(tmp.resolve("blob.bin"), blob);
        List<PcOptions.FwCfgFile> files = hello("-fw_cfg", "name=opt/jkvm/blob,file=" + file,
                "-fw_cfg", "opt/jkvm/greeting,string=hello from fw_cfg").pcOptions().fwCfgFiles();
        assertEquals(2, files.size());
        assertEquals("opt/jkvm/blob", files.get(0).name());
        assertArrayEquals(blob, files.get(0).data());
        assertEquals("opt/jkvm/greeting", files.get(1).name());
        assertArrayEquals("hello from fw_cfg".getBytes(StandardCharsets.US_ASCII), files.get(1).data()); // no NUL
    }

    @Test
    void aMissingFwCfgFileIsOneLineNamingIt() {
        Path gone = tmp.resolve("gone.bin");
        assertEquals("-fw_cfg file " + gone + " does not exist",
                refusal("-kernel", MB_HELLO, "-fw_cfg", "name=opt/x,file=" + gone));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {"kvm-pit.lost_tick_policy=discard| false", "kvm-pit.lost_tick_policy=delay| true",
            "driver=kvm-pit,property=lost_tick_policy,value=discard| false"})
    void pitLostTickPolicy(String global, boolean reinject) {
        assertEquals(reinject, hello("-global", global).pcOptions().pitReinject());
    }

    @Test
    void serialSinksArePassedThrough() {
        ByteSink com1 = ByteSink.lines(new java.io.ByteArrayOutputStream());
        ByteSink com2 = ByteSink.lines(new java.io.ByteArrayOutputStream());
        VmConfig c = QemuMain.config(QemuCommandLine.parse(List.of("-kernel", MB_HELLO)), com1, com2);
        assertSame(com1, c.com1());
        assertSame(com2, c.serial().com2());
        assertNull(QemuMain.config(QemuCommandLine.parse(List.of("-kernel", MB_HELLO)), com1, null).serial().com2());
    }
}
