package io.jkvm.it;

import io.jkvm.testing.KvmTest;
import io.jkvm.testing.NotOnKvmPvm;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The same virtio guest under {@code qemu-system-x86_64 -accel kvm} and under {@code ./jkvm-qemu}
 * with the same arguments (issue 11): {@code -drive ...,if=virtio} and {@code -drive if=none} with
 * {@code -device virtio-blk-pci|virtio-blk-device}, {@code -device virtio-rng-*},
 * {@code -device virtio-serial-*} with {@code virtconsole} on {@code -chardev stdio} (see
 * {@link VirtioGuest#qemuArgs}). QEMU must print the lines {@link VirtioGuest#CHECKS} promises
 * (which checks the guest side and the test itself), jkvm-qemu the same console output as QEMU
 * (kernel log lines, which carry times, left out), and both images must hold what the guest
 * wrote. Each VMM gets fresh images with the same content.
 *
 * <p>Failures name the VMM: a "QEMU" failure is in the guest side or the test, a "./jkvm-qemu"
 * one in jkvm.
 */
@KvmTest
@NotOnKvmPvm(why = "64-bit guest system calls cannot work there (HOST-NOTES.md), so no busybox init can run; "
        + "QEMU cannot run this kernel there either")
@Tag("slow")
class LinuxVirtioQemuTest {
    /** A kernel log line on the console: {@code [    1.234567] ...}. */
    private static final Pattern KERNEL_LOG = Pattern.compile("^\\[ *\\d+\\.\\d+\\].*");
    /**
     * A terminal control sequence (ECMA-48 CSI): busybox ash's line editor asks the terminal for
     * the cursor position ({@code ESC [6n}) when no input is pending at its prompt, which depends
     * on timing, not on the VMM.
     */
    private static final Pattern CSI = Pattern.compile("\u001b\\[[0-9;?]*[@-~]");

    @BeforeEach
    void peers() {
        TestGuests.assumeKvm();
        TestGuests.assumeQemu();
        Assumptions.assumeTrue(Files.isRegularFile(LinuxBusyboxBootTest.BUSYBOX), "no /bin/busybox (apt-get install busybox-static)");
        VirtioGuest.debugfs();
    }

    /** The console without kernel log lines (their times differ), terminal control sequences and blank lines. */
    static List<String> consoleLines(String console) {
        return console.lines().map(l -> CSI.matcher(l.replace("\r", "")).replaceAll(""))
                .filter(l -> !l.isBlank() && !KERNEL_LOG.matcher(l).matches()).toList();
    }

    @ParameterizedTest(name = "-M {0}")
    @ValueSource(strings = {"microvm", "pc"})
    void jkvmQemuPrintsWhatQemuPrints(String machine, @TempDir Path dir) throws Exception {
        Path kernel = DebianKernel.path();
        Path initrd = Files.write(dir.resolve("initramfs.cpio"), VirtioInitramfs.build(kernel, VirtioGuest.CHECKS));
        VirtioGuest.Disks qemuDisks = VirtioGuest.disks(Files.createDirectory(dir.resolve("qemu")));
        VirtioGuest.Disks jkvmDisks = VirtioGuest.disks(Files.createDirectory(dir.resolve("jkvm")));

        String qemu = "QEMU -M " + machine + " -accel kvm (the reference; jkvm-qemu not run yet)";
        VirtioGuest.Session reference = VirtioGuest.session(VirtioGuest.qemu(VirtioGuest.qemuArgs(machine, kernel, initrd, qemuDisks)), null);
        assertEquals(VirtioGuest.expected(VirtioGuest.moduleCount(kernel), VirtioGuest.transport(machine)), reference.lines(),
                qemu + ": the guest's lines\n" + reference.shown());
        assertEquals(0, reference.status(), qemu + ": exit status\n" + reference.shown());
        VirtioGuest.assertImages(qemu, qemuDisks);

        String jkvm = "./jkvm-qemu -M " + machine;
        VirtioGuest.Session s = VirtioGuest.session(VirtioGuest.jkvmQemu(VirtioGuest.qemuArgs(machine, kernel, initrd, jkvmDisks)), null);
        assertEquals(consoleLines(reference.console()), consoleLines(s.console()),
                jkvm + ": the console against QEMU's\n" + s.shown());
        assertEquals(0, s.status(), jkvm + ": exit status (0 = the guest powered off)\n" + s.shown());
        VirtioGuest.assertImages(jkvm, jkvmDisks);
    }
}
