package io.jkvm.it;

import io.jkvm.testing.KvmTest;
import io.jkvm.testing.NotOnKvmPvm;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stock Linux with jkvm's virtio devices through jkvm's own command line (issue 11): Debian's
 * cloud kernel and its virtio modules ({@link VirtioInitramfs}), on microvm (virtio-mmio,
 * described in the DSDT) and on pc (virtio-pci). One boot per machine checks everything
 * ({@link VirtioGuest#CHECKS}): a read-write and a read-only disk ({@code --drive}), the shell
 * session on hvc0 ({@code --console virtio}, {@code console=hvc0}: the test types on jkvm's stdin
 * and reads its stdout), /dev/hwrng ({@code --rng} on microvm, {@code --rng-rate 4096} on pc);
 * the host then reads the images. A second
 * test kills jkvm (SIGKILL) right after the guest's flush returned: the flushed data is in the
 * image.
 *
 * <p>About a minute per boot in the emulated KVM host (scripts/emulated-kvm-host.sh).
 */
@KvmTest
@NotOnKvmPvm(why = "64-bit guest system calls cannot work there (HOST-NOTES.md), so no busybox init can run")
@Tag("slow")
class LinuxVirtioTest {
    /**
     * Writes the pattern to /dev/vda and flushes it (dd's fsync: VIRTIO_BLK_T_FLUSH), says so,
     * then keeps writing elsewhere on the disk until it is killed.
     */
    static final String DURABILITY = """
            wait_for /dev/vda || echo "jkvm-vio: no /dev/vda after 30 s"
            seq -w 1 200000 | head -c %1$d >/tmp/pattern
            dd if=/tmp/pattern of=/dev/vda bs=64k seek=%2$d conv=fsync 2>/dev/null && echo "jkvm-vio: flushed" || echo "jkvm-vio: dd failed"
            while :; do dd if=/dev/urandom of=/dev/vda bs=64k seek=%3$d count=16 conv=fsync 2>/dev/null; done
            """.formatted(VirtioGuest.PATTERN_SIZE, VirtioGuest.PATTERN_OFFSET / 65536, (VirtioGuest.PATTERN_OFFSET + (4 << 20)) / 65536);

    @BeforeEach
    void stockKvm() {
        TestGuests.assumeKvm();
        Assumptions.assumeTrue(Files.isRegularFile(LinuxBusyboxBootTest.BUSYBOX), "no /bin/busybox (apt-get install busybox-static)");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"microvm", "pc"})
    void disksConsoleAndEntropy(String machine, @TempDir Path dir) throws Exception {
        VirtioGuest.debugfs();
        Path kernel = DebianKernel.path();
        Path initrd = Files.write(dir.resolve("initramfs.cpio"), VirtioInitramfs.build(kernel, VirtioGuest.CHECKS));
        VirtioGuest.Disks disks = VirtioGuest.disks(dir);
        List<String> options = new ArrayList<>(List.of("--drive", "file=" + disks.rw() + ",id=rw",
                "--drive", "file=" + disks.ro() + ",readonly=on,id=ro", "--console", "virtio"));
        options.addAll(machine.equals("pc") ? List.of("--rng-rate", "4096") : List.of("--rng"));
        VirtioGuest.Session s = VirtioGuest.session(VirtioGuest.jkvmRun(machine, kernel, initrd, options), null);
        String who = "jkvm run --machine " + machine;
        assertEquals(VirtioGuest.expected(VirtioGuest.moduleCount(kernel), VirtioGuest.transport(machine)), s.lines(),
                who + ": the guest's lines\n" + s.shown());
        assertEquals(0, s.status(), who + ": exit status (0 = the guest powered off)\n" + s.shown());
        VirtioGuest.assertImages(who, disks);
    }

    /** Issue 11: "a disk image is intact after the guest is killed in the middle of writing". */
    @Test
    void flushedWritesSurviveSigkill(@TempDir Path dir) throws Exception {
        Path kernel = DebianKernel.path();
        Path initrd = Files.write(dir.resolve("initramfs.cpio"), VirtioInitramfs.build(kernel, DURABILITY));
        VirtioGuest.Disks disks = VirtioGuest.disks(dir);
        // The console stays on COM1 (the kernel's ttyS0): this test is about the disk alone.
        VirtioGuest.Session s = VirtioGuest.session(VirtioGuest.jkvmRun("microvm", kernel, initrd, "console=ttyS0 quiet panic=-1",
                List.of("--drive", "file=" + disks.rw())), VirtioGuest.MARK + "flushed");
        assertTrue(s.killed(), "the guest never said it flushed\n" + s.shown());
        byte[] image = Files.readAllBytes(disks.rw());
        int at = (int) VirtioGuest.PATTERN_OFFSET;
        assertArrayEquals(VirtioGuest.pattern(), Arrays.copyOfRange(image, at, at + VirtioGuest.PATTERN_SIZE),
                "the flushed pattern at 8 MiB after SIGKILL\n" + s.shown());
    }
}
