package io.jkvm.qemu;

import io.jkvm.qemu.QemuDevice.IsaDebugExit;
import io.jkvm.qemu.QemuDevice.VirtioBlk;
import io.jkvm.qemu.QemuDevice.VirtioConsole;
import io.jkvm.qemu.QemuDevice.VirtioRng;
import io.jkvm.qemu.QemuDrive.Interface;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The virtio forms jkvm-qemu accepts ({@code -drive}, {@code -chardev stdio}, the virtio {@code -device}s)
 * and what they become. Each form here was also run with qemu-system-x86_64 7.2.22, which accepts it.
 */
class QemuVirtioTest {
    private static QemuCommandLine run(String... args) {
        List<String> all = new ArrayList<>(List.of("-kernel", "vmlinuz"));
        all.addAll(Arrays.asList(args));
        return QemuCommandLine.parse(all);
    }

    private static QemuCommandLine pc(String... args) {
        return run(args);
    }

    private static QemuCommandLine microvm(String... args) {
        List<String> all = new ArrayList<>(List.of("-M", "microvm"));
        all.addAll(Arrays.asList(args));
        return run(all.toArray(String[]::new));
    }

    // ---- -drive ----

    @Test
    void driveIfVirtioIsAVirtioBlkPci() {
        QemuCommandLine c = pc("-drive", "file=disk.img,if=virtio,format=raw");
        QemuDrive d = new QemuDrive("-drive file=disk.img,if=virtio,format=raw", Interface.VIRTIO, null, "disk.img", "raw", false);
        assertEquals(List.of(d), c.drives());
        assertEquals(List.of(new VirtioBlk("virtio-blk-pci", d, null)), c.devices());
        assertTrue(d.formatGiven());
        assertTrue(c.warnings().isEmpty());
    }

    @Test
    void driveReadOnlyAndId() {
        QemuDrive d = pc("-drive", "file=a.img,if=virtio,format=raw,readonly=on,id=disk0").drives().getFirst();
        assertTrue(d.readOnly());
        assertEquals("disk0", d.id());
        for (String on : List.of("on", "yes", "true", "y")) {
            assertTrue(pc("-drive", "file=a,if=virtio,format=raw,readonly=" + on).drives().getFirst().readOnly(), on);
        }
        for (String off : List.of("off", "no", "false", "n")) {
            assertFalse(pc("-drive", "file=a,if=virtio,format=raw,readonly=" + off).drives().getFirst().readOnly(), off);
        }
        assertTrue(pc("-drive", "file=a,if=virtio,format=raw,read-only=on").drives().getFirst().readOnly(), "QEMU's other name");
        assertTrue(pc("-drive", "file=a,if=virtio,format=raw,readonly").drives().getFirst().readOnly(), "a bare flag is on");
    }

    @Test
    void aFileNameWithACommaIsDoubled() {
        assertEquals("a,b.img", pc("-drive", "file=a,,b.img,if=virtio,format=raw").drives().getFirst().file());
    }

    @Test
    void withoutFormatTheCallerProbes() {
        QemuDrive d = pc("-drive", "file=disk.img,if=virtio").drives().getFirst();
        assertNull(d.format());
        assertFalse(d.formatGiven());
    }

    @ParameterizedTest
    @ValueSource(strings = {"cache=none", "cache=writeback", "aio=threads", "aio=io_uring", "cache=none,aio=native",
            "discard=unmap", "discard=ignore", "discard=on", "discard=off", "detect-zeroes=off",
            "cache=writeback,aio=threads,discard=unmap"})
    void harmlessDriveOptionsAreAccepted(String extra) {
        QemuDrive d = pc("-drive", "file=a.img,if=virtio,format=raw," + extra).drives().getFirst();
        assertEquals("a.img", d.file());
        assertEquals(1, pc("-drive", "file=a.img,if=virtio,format=raw," + extra).devices().size());
    }

    @Test
    void ifNoneWithVirtioBlkPciOnPc() {
        QemuCommandLine c = pc("-drive", "if=none,id=d0,file=a.img,format=raw,readonly=on", "-device", "virtio-blk-pci,drive=d0");
        QemuDrive d = c.drives().getFirst();
        assertEquals(Interface.NONE, d.iface());
        assertEquals(List.of(new VirtioBlk("virtio-blk-pci", d, null)), c.devices());
        assertTrue(d.readOnly());
    }

    @Test
    void ifNoneWithVirtioBlkDeviceOnMicrovm() {
        QemuCommandLine c = microvm("-drive", "if=none,id=d0,file=a.img,format=raw", "-device", "virtio-blk-device,drive=d0,serial=SN1");
        assertEquals(List.of(new VirtioBlk("virtio-blk-device", c.drives().getFirst(), "SN1")), c.devices());
    }

    @Test
    void theDeviceMayComeBeforeItsDrive() {
        // QEMU opens every -drive before it creates any -device.
        QemuCommandLine c = pc("-device", "virtio-blk-pci,drive=d0", "-drive", "if=none,id=d0,file=a.img,format=raw");
        assertEquals("a.img", ((VirtioBlk) c.devices().getFirst()).drive().file());
    }

    @Test
    void withoutIfMicrovmsDriveIsIfNone() {
        QemuCommandLine c = microvm("-drive", "id=d0,file=a.img,format=raw", "-device", "virtio-blk-device,drive=d0");
        assertEquals(Interface.NONE, c.drives().getFirst().iface());
        assertEquals(1, c.devices().size());
    }

    @Test
    void anUnusedIfNoneDriveIsKeptButHasNoDevice() {
        // QEMU 7.2 opens it and says nothing (drive_check_orphaned skips if=none).
        QemuCommandLine c = pc("-drive", "if=none,id=spare,file=a.img,format=raw");
        assertEquals(1, c.drives().size());
        assertEquals(List.of(), c.devices());
        assertEquals(List.of(), pc("-drive", "if=none,file=a.img,format=raw").devices(), "one without id too");
    }

    @Test
    void theShortAliasesAreThePciDevices() {
        QemuCommandLine c = pc("-drive", "if=none,id=d,file=a,format=raw", "-device", "virtio-blk,drive=d",
                "-device", "virtio-rng", "-chardev", "stdio,id=c", "-device", "virtio-serial", "-device", "virtconsole,chardev=c");
        assertEquals(List.of("virtio-blk-pci", "virtio-rng-pci", "virtio-serial-pci"),
                c.devices().stream().map(QemuDevice::driver).toList());
    }

    // ---- order ----

    @Test
    void devicesComeInCommandLineOrderThenTheIfVirtioDrives() {
        // What qemu-system-x86_64 7.2.22's "info qtree" shows for this line: virtio-rng-pci in slot 2, the -device's
        // disk (third) in slot 3, then the if=virtio disks first and second in slots 4 and 5.
        QemuCommandLine c = pc("-drive", "file=a.img,format=raw,if=virtio,id=first", "-device", "virtio-rng-pci",
                "-drive", "file=b.img,format=raw,if=virtio,id=second", "-device", "virtio-blk-pci,drive=third",
                "-drive", "file=c.img,format=raw,if=none,id=third");
        List<String> order = c.devices().stream().map(d -> switch (d) {
            case VirtioBlk b -> b.drive().id();
            default -> d.driver();
        }).toList();
        assertEquals(List.of("virtio-rng-pci", "third", "first", "second"), order);
        assertEquals(List.of("first", "second", "third"), c.drives().stream().map(QemuDrive::id).toList(), "drives in order");
    }

    @Test
    void otherDevicesKeepTheirPlace() {
        QemuCommandLine c = pc("-device", "isa-debug-exit", "-device", "virtio-rng-pci", "-device", "pc-testdev");
        assertEquals(List.of("isa-debug-exit", "virtio-rng-pci", "pc-testdev"), c.devices().stream().map(QemuDevice::driver).toList());
        assertEquals(new IsaDebugExit(), c.devices().getFirst());
    }

    // ---- virtio-rng ----

    @Test
    void rngWithoutLimit() {
        VirtioRng r = (VirtioRng) pc("-device", "virtio-rng-pci").devices().getFirst();
        assertEquals(new VirtioRng("virtio-rng-pci", VirtioRng.NO_LIMIT, 65536), r);
        assertEquals(0, r.bytesPerSecond());
        assertEquals("virtio-rng-device", microvm("-device", "virtio-rng-device,id=rng0").devices().getFirst().driver());
    }

    @Test
    void rngLimitIsARate() {
        assertEquals(1024, ((VirtioRng) pc("-device", "virtio-rng-pci,max-bytes=1024,period=1000").devices().getFirst()).bytesPerSecond());
        assertEquals(16, ((VirtioRng) pc("-device", "virtio-rng-pci,max-bytes=0x10,period=1000").devices().getFirst()).bytesPerSecond());
        // 65536 bytes in QEMU's default period of 65.536 s: 1000 a second.
        assertEquals(1000, ((VirtioRng) pc("-device", "virtio-rng-pci,max-bytes=65536").devices().getFirst()).bytesPerSecond());
        // Rounded up, so that a small limit stays a limit.
        assertEquals(1, new VirtioRng("virtio-rng-pci", 1, 65536).bytesPerSecond());
        assertEquals(3, new VirtioRng("virtio-rng-pci", 5, 2000).bytesPerSecond());
        // Huge limits saturate rather than overflow.
        assertEquals(Long.MAX_VALUE, new VirtioRng("virtio-rng-pci", Long.MAX_VALUE - 1, 1).bytesPerSecond());
        assertEquals(Math.ceilDiv(Long.MAX_VALUE, 0xffff_ffffL), new VirtioRng("virtio-rng-pci", Long.MAX_VALUE / 2, 0xffff_ffffL).bytesPerSecond());
    }

    // ---- virtio-console ----

    @Test
    void virtconsoleOnStdioPc() {
        QemuCommandLine c = pc("-nodefaults", "-chardev", "stdio,id=c0", "-device", "virtio-serial-pci",
                "-device", "virtconsole,chardev=c0");
        assertEquals(List.of(new VirtioConsole("virtio-serial-pci", "c0")), c.devices());
        assertEquals(new QemuChardev("c0", true), c.chardev());
        assertTrue(c.virtioConsoleOnStdio());
        assertEquals(List.of(), c.serials(), "-nodefaults: no COM port");
    }

    @Test
    void virtconsoleOnStdioMicrovm() {
        QemuCommandLine c = microvm("-chardev", "stdio,id=con,signal=off,mux=off", "-device", "virtio-serial-device,id=vs",
                "-device", "virtconsole,chardev=con,id=hvc0");
        assertEquals(List.of(new VirtioConsole("virtio-serial-device", "con")), c.devices());
        assertFalse(c.chardev().signal());
    }

    @Test
    void theConsoleTakesTheVirtioSerialsPlace() {
        QemuCommandLine c = pc("-chardev", "stdio,id=c0", "-device", "virtio-rng-pci", "-device", "virtio-serial-pci",
                "-drive", "file=a,if=virtio,format=raw", "-device", "isa-debug-exit", "-device", "virtconsole,chardev=c0");
        assertEquals(List.of("virtio-rng-pci", "virtio-serial-pci", "isa-debug-exit", "virtio-blk-pci"),
                c.devices().stream().map(QemuDevice::driver).toList());
    }

    @Test
    void stdioChardevWithoutAConsoleLeavesStdinAlone() {
        QemuCommandLine c = pc("-chardev", "stdio,id=c0", "-serial", "null");
        assertEquals("c0", c.chardev().id());
        assertFalse(c.virtioConsoleOnStdio());
        assertFalse(pc().virtioConsoleOnStdio());
    }

    @Test
    void stdioChardevNextToTheSerialPorts() {
        // QEMU 7.2 accepts these: the default serial is a vc without -nographic, and -nographic's defaults are off.
        assertEquals(List.of(SerialBackend.VC), pc("-chardev", "stdio,id=c").serials());
        assertEquals(List.of(SerialBackend.NONE), pc("-nographic", "-serial", "none", "-monitor", "none", "-chardev", "stdio,id=c").serials());
        assertEquals(List.of(), pc("-nographic", "-nodefaults", "-chardev", "stdio,id=c").serials());
        assertEquals(List.of(new SerialBackend.File("x.txt")), pc("-nodefaults", "-serial", "file:x.txt", "-chardev", "stdio,id=c").serials());
    }

    // ---- help ----

    @Test
    void deviceHelpForTheVirtioDrivers() {
        for (String driver : List.of("virtio-blk-pci", "virtio-blk-device", "virtio-rng-pci", "virtio-rng-device",
                "virtio-serial-pci", "virtio-serial-device", "virtconsole")) {
            QemuCommandLine c = pc("-device", driver + ",help");
            assertEquals(QemuAction.DEVICE_HELP, c.action(), driver);
            assertEquals(driver, c.deviceHelpDriver());
            assertEquals(QemuHelp.deviceHelp(driver), c.helpText());
        }
        assertEquals("virtio-rng-pci", pc("-device", "virtio-rng,help").deviceHelpDriver(), "an alias names its device");
        assertEquals(QemuAction.DEVICE_HELP, microvm("-device", "virtio-blk-pci,?").action(), "help before the bus is looked for");
    }

    @Test
    void chardevHelp() {
        for (String arg : List.of("help", "?", "backend=help")) {
            QemuCommandLine c = pc("-chardev", arg);
            assertEquals(QemuAction.CHARDEV_HELP, c.action(), arg);
            assertEquals("Available chardev backend types: \n  stdio\n", c.helpText());
        }
    }
}
