package io.jkvm.qemu;

import io.jkvm.qemu.QemuDevice.IsaDebugExit;
import io.jkvm.qemu.QemuDevice.PcTestdev;
import io.jkvm.qemu.QemuDevice.PciTestdev;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command lines jkvm-qemu accepts, and what they say. Refusals: {@link QemuRefusalTest}. */
class QemuCommandLineTest {
    private static QemuCommandLine parse(String... args) {
        return QemuCommandLine.parse(List.of(args));
    }

    /** A bootable line: -kernel vmlinuz, then {@code args}. */
    private static QemuCommandLine run(String... args) {
        List<String> all = new ArrayList<>(List.of("-kernel", "vmlinuz"));
        all.addAll(Arrays.asList(args));
        QemuCommandLine c = QemuCommandLine.parse(all);
        assertEquals(QemuAction.RUN, c.action());
        return c;
    }

    @Test
    void defaults() {
        QemuCommandLine c = run();
        assertEquals(QemuMachine.PC, c.machine());
        assertNull(c.cpu());
        assertEquals(128L << 20, c.memory());
        assertEquals(QemuSmp.DEFAULT, c.smp());
        assertEquals("vmlinuz", c.kernel());
        assertNull(c.initrd());
        assertNull(c.append());
        assertEquals(List.of(SerialBackend.VC), c.serials(), "QEMU's default serial 0 is a console of the display");
        assertFalse(c.stdioMux());
        assertFalse(c.noGraphic());
        assertFalse(c.displayNone());
        assertFalse(c.noDefaults());
        assertFalse(c.noReboot());
        assertNull(c.name());
        assertEquals(List.of(), c.devices());
        assertEquals(List.of(), c.fwCfg());
        assertEquals("delay", c.pitLostTickPolicy());
        assertEquals(List.of(), c.warnings());
        assertEquals(List.of(), c.multibootModules());
        assertNull(c.helpText());
        assertNull(c.deviceHelpDriver());
    }

    @Test
    void theQemuDifferentialTestLine() {
        QemuCommandLine c = parse("-accel", "kvm", "-kernel", "/tmp/mb_hello", "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
                "-serial", "stdio", "-display", "none", "-nodefaults", "-no-reboot", "-m", "64M");
        assertEquals("/tmp/mb_hello", c.kernel());
        assertEquals(List.of(new IsaDebugExit(0xf4, 4)), c.devices());
        assertEquals(List.of(SerialBackend.STDIO), c.serials());
        assertTrue(c.displayNone());
        assertTrue(c.noDefaults());
        assertTrue(c.noReboot());
        assertFalse(c.stdioMux());
        assertEquals(64L << 20, c.memory());
    }

    @Test
    void kvmUnitTestsLine() {
        // kvm-unit-tests x86/run, then the test's -smp and arguments.
        QemuCommandLine c = parse("--no-reboot", "-nodefaults", "-device", "pc-testdev", "-device",
                "isa-debug-exit,iobase=0xf4,iosize=0x4", "-vnc", "none", "-serial", "stdio", "-device", "pci-testdev",
                "-machine", "accel=kvm", "-kernel", "x86/apic.flat", "-smp", "2", "-append", "-x");
        assertEquals(List.of(new PcTestdev(), new IsaDebugExit(0xf4, 4), new PciTestdev(-1)), c.devices());
        assertEquals(List.of(SerialBackend.STDIO), c.serials());
        assertEquals(2, c.smp().cpus());
        assertEquals("-x", c.append());
        assertTrue(c.noReboot());
    }

    @Test
    void doubleDashIsTheSameOption() {
        QemuCommandLine c = parse("--kernel", "k", "--m", "256", "--smp", "2", "--nographic", "--append", "console=ttyS0");
        assertEquals("k", c.kernel());
        assertEquals(256L << 20, c.memory());
        assertEquals(2, c.smp().cpus());
        assertTrue(c.noGraphic());
        assertEquals("console=ttyS0", c.append());
    }

    @Test
    void kernelInitrdAppend() {
        QemuCommandLine c = run("-initrd", "initrd.img", "-append", "console=ttyS0 quiet");
        assertEquals("initrd.img", c.initrd());
        assertEquals("console=ttyS0 quiet", c.append());
        assertEquals("", run("-append", "").append());
        QemuCommandLine emptyInitrd = run("-initrd", "");
        assertNull(emptyInitrd.initrd(), "QEMU 7.2 boots -initrd '' without an initrd");
        assertEquals(List.of(), emptyInitrd.multibootModules());
        assertEquals("second", run("-kernel", "second").kernel(), "the last -kernel counts");
        assertEquals("-weird", parse("-kernel", "k", "-append", "-weird").append(), "an option's argument may start with '-'");
    }

    @Test
    void multibootModulesSplitAsQemu() {
        QemuCommandLine c = run("-initrd", "mod1.bin arg1 arg2,mod2.bin x=1,,2,mod3");
        assertEquals(List.of("mod1.bin arg1 arg2", "mod2.bin x=1,2", "mod3"), c.multibootModules());
        assertEquals("mod1.bin", QemuCommandLine.multibootModuleFile(c.multibootModules().get(0)));
        assertEquals("mod2.bin", QemuCommandLine.multibootModuleFile(c.multibootModules().get(1)));
        assertEquals("mod3", QemuCommandLine.multibootModuleFile(c.multibootModules().get(2)));
        assertEquals(List.of("a,b.bin"), run("-initrd", "a,,b.bin").multibootModules());
        assertEquals(List.of("a"), run("-initrd", "a,").multibootModules());
        assertEquals(List.of(""), run("-initrd", ",").multibootModules());
        assertEquals("mod1.bin arg1 arg2,mod2.bin x=1,,2,mod3", c.initrd(), "the raw string is kept");
    }

    @ParameterizedTest
    @CsvSource({
            "256, 268435456",
            "256M, 268435456",
            "256m, 268435456",
            "size=256M, 268435456",
            "1G, 1073741824",
            "1.5G, 1610612736",
            "2048K, 2097152",
            "1T, 1099511627776",
            "0x100, 268435456",
            "1048576B, 1048576",
            "1000000K, 1024000000",
            "1000001K, 1024008192",
            "4097K, 4202496",
            "1, 1048576",
    })
    void memorySizes(String arg, long bytes) {
        assertEquals(bytes, run("-m", arg).memory());
    }

    @Test
    void memoryMergesLikeQemu() {
        assertEquals(128L << 20, run("-m", "64", "-m", "128").memory());
        assertEquals(64L << 20, run("-m", "64", "-m", "").memory(), "an -m without a size keeps the size");
        assertEquals(QemuCommandLine.DEFAULT_MEMORY, run("-m", "").memory());
    }

    @Test
    void smpForms() {
        assertEquals(new QemuSmp(4, 1, 1, 1, 4, 1, 4), run("-smp", "4").smp());
        assertEquals(new QemuSmp(4, 1, 1, 1, 4, 1, 4), run("-smp", "cpus=4").smp());
        assertEquals(new QemuSmp(8, 2, 1, 1, 2, 2, 8), run("-smp", "8,sockets=2,cores=2").smp());
        assertEquals(new QemuSmp(2, 1, 1, 1, 4, 1, 4), run("-smp", "2,maxcpus=4").smp());
        assertEquals(new QemuSmp(16, 1, 1, 1, 16, 1, 16), run("-smp", "0x10").smp());
        assertEquals(new QemuSmp(8, 1, 1, 1, 8, 1, 8), run("-smp", "010").smp(), "base 0: octal");
        assertEquals(new QemuSmp(6, 1, 1, 1, 6, 1, 6), run("-smp", "cpus=4,cpus=6").smp());
        assertEquals(new QemuSmp(4, 2, 1, 1, 2, 1, 4), run("-smp", "4", "-smp", "sockets=2").smp(), "-smp options merge");
        assertEquals(new QemuSmp(4, 1, 2, 1, 2, 1, 4), run("-smp", "4,dies=2").smp());
    }

    @Test
    void smpDependsOnTheMachineGivenAnywhere() {
        assertEquals(new QemuSmp(4, 4, 1, 1, 1, 1, 4), run("-smp", "4", "-M", "pc-i440fx-6.1").smp(), "before 6.2: sockets");
        assertEquals(new QemuSmp(4, 4, 1, 1, 1, 1, 4), run("-M", "pc-i440fx-2.9", "-smp", "4").smp());
        assertEquals(new QemuSmp(4, 1, 1, 1, 4, 1, 4), run("-M", "pc-i440fx-6.2", "-smp", "4").smp());
        assertEquals(new QemuSmp(4, 1, 1, 1, 4, 1, 4), run("-M", "pc-i440fx-6.1", "-M", "pc", "-smp", "4").smp());
        assertEquals(new QemuSmp(256, 1, 1, 1, 256, 1, 256), run("-M", "microvm", "-smp", "256").smp());
    }

    @Test
    void cpuModels() {
        assertEquals("host", run("-cpu", "host").cpu());
        assertEquals("max", run("-cpu", "max").cpu());
        assertEquals("host", run("-cpu", "qemu64", "-cpu", "host").cpu(), "only the last -cpu counts");
        assertEquals("host", run("-cpu", "help", "-cpu", "host").cpu());
    }

    @Test
    void machines() {
        assertEquals(QemuMachine.PC, run("-M", "pc").machine());
        assertEquals(QemuMachine.PC, run("-machine", "pc-i440fx-7.2").machine());
        assertEquals(QemuMachine.PC, run("-machine", "pc-i440fx-8.2").machine());
        assertEquals(QemuMachine.MICROVM, run("-machine", "microvm").machine());
        assertEquals(QemuMachine.MICROVM, run("-machine", "type=microvm,accel=kvm").machine());
        assertEquals(QemuMachine.MICROVM, run("-M", "pc", "-M", "microvm").machine());
        assertEquals(QemuMachine.PC, run("-machine", "accel=kvm").machine());
        assertEquals(QemuMachine.PC, run("-machine", "pc,accel=kvm:tcg").machine(), "KVM first: TCG is never reached");
        assertEquals(QemuMachine.PC, run("-machine", "").machine());
        assertEquals(QemuMachine.MICROVM, run("--machine", "microvm", "--enable-kvm").machine());
    }

    @Test
    void accelerators() {
        assertEquals(QemuAction.RUN, run("-accel", "kvm").action());
        assertEquals(QemuAction.RUN, run("-accel", "accel=kvm").action());
        assertEquals(QemuAction.RUN, run("-accel", "kvm", "-accel", "kvm").action());
        assertEquals(QemuAction.RUN, run("-enable-kvm").action());
        assertEquals(QemuAction.RUN, run("-enable-kvm", "-machine", "accel=kvm").action());
    }

    @Test
    void nographicPutsSerialZeroOnStdioMultiplexedWithTheMonitor() {
        QemuCommandLine c = run("-nographic");
        assertEquals(List.of(SerialBackend.STDIO), c.serials());
        assertTrue(c.stdioMux());
        assertTrue(c.noGraphic());
        assertTrue(c.displayNone());
    }

    @Test
    void nographicWithoutMonitorIsPlainStdio() {
        QemuCommandLine c = run("-nographic", "-monitor", "none");
        assertEquals(List.of(SerialBackend.STDIO), c.serials());
        assertFalse(c.stdioMux());
    }

    @Test
    void nodefaultsRemovesTheDefaultSerialEvenWithNographic() {
        assertEquals(List.of(), run("-nodefaults").serials());
        QemuCommandLine c = run("-nodefaults", "-nographic");
        assertEquals(List.of(), c.serials());
        assertFalse(c.stdioMux());
        assertEquals(List.of(SerialBackend.STDIO), run("-nodefaults", "-nographic", "-serial", "stdio").serials());
    }

    @Test
    void explicitSerialReplacesTheDefault() {
        assertEquals(List.of(new SerialBackend.File("out.txt")), run("-nographic", "-serial", "file:out.txt").serials());
        assertEquals(List.of(SerialBackend.STDIO), run("-nographic", "-monitor", "none", "-serial", "stdio").serials());
        assertEquals(List.of(SerialBackend.STDIO), run("-serial", "stdio").serials());
        assertEquals(List.of(SerialBackend.NULL), run("-serial", "null").serials());
        assertEquals(List.of(SerialBackend.NONE), run("-serial", "none").serials());
        assertEquals(List.of(SerialBackend.NONE), run("-nographic", "-serial", "none").serials());
    }

    @Test
    void serialNoneKeepsItsSlot() {
        assertEquals(List.of(SerialBackend.NONE, SerialBackend.STDIO), run("-serial", "none", "-serial", "stdio").serials(),
                "QEMU 7.2: stdio is COM2 (checked with the binary: a guest writing COM1 prints nothing)");
        assertEquals(List.of(SerialBackend.STDIO, SerialBackend.NONE), run("-serial", "stdio", "-serial", "none").serials());
        assertEquals(List.of(SerialBackend.NULL, new SerialBackend.File("/tmp/com2")),
                run("-serial", "null", "-serial", "file:/tmp/com2").serials());
        assertEquals(List.of(new SerialBackend.File("a,b:c")), run("-serial", "file:a,b:c").serials());
    }

    @Test
    void displayNoneKeepsQemusVcSerial() {
        QemuCommandLine c = run("-display", "none");
        assertEquals(List.of(SerialBackend.VC), c.serials());
        assertTrue(c.displayNone());
        assertFalse(c.noGraphic());
    }

    @Test
    void names() {
        assertEquals("guest1", run("-name", "guest1").name());
        assertEquals("guest2", run("-name", "guest=guest2").name());
        assertEquals("a,b", run("-name", "a,,b").name());
        assertEquals("b", run("-name", "a", "-name", "guest=b").name());
        assertEquals("", run("-name", "guest=").name());
        assertEquals("vm1", run("-name", "guest=vm1,debug-threads=on").name(), "libvirt's form");
        assertEquals("vm2", run("-name", "vm2,debug-threads").name());
        assertEquals("vm3", run("-name", "vm3,debug-threads=off").name());
    }

    @Test
    void acceptedNoOps() {
        QemuCommandLine c = run("-no-user-config", "-monitor", "none", "-vga", "none", "-parallel", "none", "-net", "none",
                "-nic", "none", "-vnc", "none");
        assertEquals(List.of(SerialBackend.VC), c.serials());
        assertEquals(List.of(), c.devices());
    }

    @Test
    void devices() {
        assertEquals(List.of(new IsaDebugExit(0x501, 2)), run("-device", "isa-debug-exit").devices());
        assertEquals(List.of(new IsaDebugExit(0xf4, 4)), run("-device", "isa-debug-exit,iobase=0xf4,iosize=0x04").devices());
        assertEquals(List.of(new IsaDebugExit(244, 2)), run("-device", "driver=isa-debug-exit,iobase=244").devices());
        assertEquals(List.of(new IsaDebugExit(244, 1)), run("-device", "isa-debug-exit,iobase=0364,iosize=1").devices());
        assertEquals(List.of(new IsaDebugExit(0xfffc, 4)), run("-device", "isa-debug-exit,iobase=0xfffc,iosize=4").devices());
        assertEquals(List.of(new PcTestdev()), run("-device", "pc-testdev").devices());
        assertEquals(List.of(new PciTestdev(-1)), run("-device", "pci-testdev").devices());
        assertEquals(List.of(new PciTestdev(0x18)), run("-device", "pci-testdev,addr=0x3").devices());
        assertEquals(List.of(new PciTestdev(0x18)), run("-device", "pci-testdev,addr=03.0").devices());
        assertEquals(List.of(new PciTestdev(16 << 3 | 2)), run("-device", "pci-testdev,addr=10.2").devices(), "hex");
        assertEquals(List.of(new PciTestdev(255)), run("-device", "pci-testdev,addr=1f.7").devices());
        assertEquals(List.of(new IsaDebugExit(0xf4, 4), new PcTestdev(), new PciTestdev(-1)),
                run("-device", "isa-debug-exit,iobase=0xf4,iosize=0x4,id=dbg", "-device", "pc-testdev", "-device",
                        "pci-testdev,id=t").devices());
        assertEquals("isa-debug-exit", new IsaDebugExit().driver());
        assertEquals(new IsaDebugExit(0x501, 2), new IsaDebugExit());
        assertEquals(new PciTestdev(PciTestdev.AUTO), new PciTestdev());
    }

    @Test
    void fwCfgItems() {
        QemuCommandLine c = run("-fw_cfg", "opt/a,string=hello", "-fw_cfg", "name=opt/b,file=/tmp/f",
                "-fw_cfg", "opt/c,string=a,,b", "-fw_cfg", "opt/d,string=,file=f2");
        assertEquals(List.of(FwCfgItem.ofString("opt/a", "hello"), FwCfgItem.ofFile("opt/b", "/tmp/f"),
                FwCfgItem.ofString("opt/c", "a,b"), FwCfgItem.ofFile("opt/d", "f2")), c.fwCfg());
        assertEquals(List.of(), c.warnings());
    }

    @Test
    void fwCfgWarnsWithoutOptPrefix() {
        QemuCommandLine c = run("-fw_cfg", "etc/x,string=1");
        assertEquals(List.of(FwCfgItem.ofString("etc/x", "1")), c.fwCfg());
        assertEquals(List.of("-fw_cfg etc/x,string=1: warning: externally provided fw_cfg item names should be prefixed"
                + " with \"opt/\""), c.warnings());
    }

    @Test
    void fwCfgNameUpTo55Characters() {
        String name = "opt/" + "n".repeat(51);
        assertEquals(55, name.length());
        assertEquals(name, run("-fw_cfg", name + ",string=x").fwCfg().get(0).name());
    }

    @Test
    void fwCfgItemNeedsExactlyOneContent() {
        assertThrows(IllegalArgumentException.class, () -> new FwCfgItem("opt/a", "f", "s"));
        assertThrows(IllegalArgumentException.class, () -> new FwCfgItem("opt/a", null, null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"kvm-pit.lost_tick_policy=discard", "driver=kvm-pit,property=lost_tick_policy,value=discard"})
    void pitLostTickPolicy(String arg) {
        assertEquals("discard", run("-global", arg).pitLostTickPolicy());
    }

    @Test
    void pitLostTickPolicyDelay() {
        assertEquals("delay", run("-global", "kvm-pit.lost_tick_policy=discard", "-global", "kvm-pit.lost_tick_policy=delay")
                .pitLostTickPolicy());
    }

    @Test
    void immediateHelpAndVersion() {
        for (String h : List.of("-h", "-help", "--help", "--h")) assertEquals(QemuAction.HELP, parse(h).action(), h);
        for (String v : List.of("-version", "--version")) assertEquals(QemuAction.VERSION, parse(v).action(), v);
        assertTrue(parse("-version").version());
        assertTrue(parse("-h").help());
        assertEquals(QemuAction.VERSION, parse("-version", "-drive", "x", "-cpu", "qemu64", "disk.img").action(),
                "later options are not acted on");
        assertEquals(QemuAction.VERSION, parse("-m", "64", "-version", "-S").action());
        assertEquals(QemuAction.HELP, parse("-m", "64", "-help", "-S").action());
        assertEquals(QemuHelp.version(), parse("--version").helpText());
        assertEquals(QemuHelp.usage(), parse("-h").helpText());
    }

    @Test
    void machineHelp() {
        for (String arg : List.of("help", "?", "pc,help", "q35,help")) {
            QemuCommandLine c = parse("-machine", arg);
            assertEquals(QemuAction.MACHINE_HELP, c.action(), arg);
            assertTrue(c.machineHelp());
        }
        assertEquals(QemuAction.MACHINE_HELP, parse("-M", "?", "-drive", "x").action());
        assertEquals(QemuHelp.machineHelp(), parse("-M", "help").helpText());
    }

    @Test
    void accelHelp() {
        assertEquals(QemuAction.ACCEL_HELP, parse("-accel", "help").action());
        assertEquals(QemuAction.ACCEL_HELP, parse("-accel", "?").action());
        assertEquals(QemuAction.ACCEL_HELP, parse("-accel", "thread=single").action(), "no accelerator named: QEMU lists them");
        assertTrue(parse("-accel", "help").accelHelp());
        assertEquals(QemuHelp.accelHelp(), parse("-accel", "help").helpText());
    }

    @Test
    void cpuHelpAfterTheLine() {
        assertEquals(QemuAction.CPU_HELP, parse("-cpu", "help").action(), "no -kernel needed");
        assertEquals(QemuAction.CPU_HELP, parse("-cpu", "?", "-kernel", "k").action());
        assertTrue(parse("-cpu", "help").cpuHelp());
        assertEquals(QemuHelp.cpuHelp(), parse("-cpu", "help").helpText());
        assertThrows(QemuUsageException.class, () -> parse("-cpu", "help", "-drive", "x"), "the whole line is read first");
    }

    @Test
    void deviceHelpAfterTheLine() {
        QemuCommandLine list = parse("-device", "help");
        assertEquals(QemuAction.DEVICE_HELP, list.action());
        assertTrue(list.deviceHelp());
        assertNull(list.deviceHelpDriver());
        assertEquals(QemuHelp.deviceHelp(null), list.helpText());
        assertNull(parse("-device", "?").deviceHelpDriver());
        assertEquals(QemuAction.DEVICE_HELP, parse("-device", "driver=help").action());
        QemuCommandLine props = parse("-device", "isa-debug-exit,help");
        assertEquals(QemuAction.DEVICE_HELP, props.action());
        assertEquals("isa-debug-exit", props.deviceHelpDriver());
        assertEquals(QemuHelp.deviceHelp("isa-debug-exit"), props.helpText());
        assertEquals("pci-testdev", parse("-device", "pci-testdev,?").deviceHelpDriver());
        assertEquals("pc-testdev", parse("-device", "pc-testdev,help", "-device", "help").deviceHelpDriver(), "the first one");
        assertEquals(QemuAction.DEVICE_HELP, parse("-device", "isa-debug-exit,foo=1,help").action(), "props are not checked");
        assertEquals(QemuAction.CPU_HELP, parse("-device", "help", "-cpu", "help").action(), "-cpu help comes first");
    }

    @Test
    void helpActionsCarryDefaults() {
        assertEquals(QemuCommandLine.defaults(QemuAction.MACHINE_HELP, null), parse("-m", "1G", "-M", "help"));
    }

    @Test
    void resultListsAreImmutable() {
        QemuCommandLine c = run("-device", "pc-testdev");
        assertThrows(UnsupportedOperationException.class, () -> c.devices().add(new PcTestdev()));
        assertThrows(UnsupportedOperationException.class, () -> c.serials().clear());
        assertThrows(UnsupportedOperationException.class, () -> c.warnings().add("x"));
    }

    @Test
    void inputListIsCopied() {
        List<String> args = new ArrayList<>(List.of("-kernel", "k"));
        QemuCommandLine c = QemuCommandLine.parse(args);
        args.set(1, "changed");
        assertEquals("k", c.kernel());
    }
}
