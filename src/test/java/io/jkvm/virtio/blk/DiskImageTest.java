package io.jkvm.virtio.blk;

import io.jkvm.JkvmException;
import io.jkvm.config.VirtioSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * Opening an image: each user error is one line naming the file and what to do, and leaves no
 * fd open; the lock keeps a second writer out, in this JVM and in another process.
 */
class DiskImageTest {
    @TempDir
    Path dir;

    Path image(String name, long size) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, new byte[(int) size]);
        return p;
    }

    static long openFds() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    /** Opens and expects a refusal whose one line contains {@code words}; no fd may stay open. */
    static String refused(Path p, boolean readOnly, String... words) throws IOException {
        long fds = openFds();
        JkvmException e = assertThrows(JkvmException.class, () -> BlockDevice.open(new VirtioSpec.Drive(p, readOnly, null)));
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        assertTrue(m.contains(p.toString()), m);
        for (String w : words) assertTrue(m.contains(w), "'" + w + "' in: " + m);
        assertEquals(fds, openFds(), "an fd was left open: " + m);
        return m;
    }

    @Test
    void opensAWholeNumberOfSectors() throws IOException {
        try (DiskImage d = DiskImage.open(image("ok.img", 4096), false)) {
            assertEquals(8, d.sectors());
            assertEquals(4096, d.size());
            assertFalse(d.readOnly());
        }
    }

    @Test
    void missingFile() throws IOException {
        refused(dir.resolve("nope.img"), false, "does not exist");
    }

    @Test
    void directory() throws IOException {
        refused(dir, false, "is a directory");
        refused(dir, true, "is a directory");
    }

    @Test
    void notARegularFile() throws IOException {
        refused(Path.of("/dev/null"), true, "not a regular file");
    }

    @Test
    void emptyFile() throws IOException {
        refused(image("empty.img", 0), false, "is empty", "truncate -s");
    }

    @Test
    void sizeNotAWholeNumberOfSectors() throws IOException {
        Path p = image("odd.img", 1000);
        refused(p, false, "1000 bytes", "not a whole number of 512-byte sectors", "rounds up to 1024", "truncate -s 1024");
        refused(p, true, "1000 bytes");
    }

    @Test
    void unreadableFile() throws IOException {
        Path p = image("secret.img", 512);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("---------"));
        if ("root".equals(System.getProperty("user.name"))) {
            // Root reads any file, so open(2) cannot fail here: check the message EACCES gets instead.
            String m = DiskImage.openFailure("disk image " + p, p, true, io.jkvm.sys.Errno.EACCES).getMessage();
            assertTrue(m.contains("cannot be read (permission denied)") && m.contains(p.toString()), m);
        } else {
            refused(p, true, "cannot be read (permission denied)");
        }
    }

    @Test
    void readOnlyFileWithWritesAsked() throws Exception {
        Path p = image("ro.img", 512);
        boolean root = "root".equals(System.getProperty("user.name"));
        // Root writes any file whatever its mode; an immutable file (chattr +i) refuses even root.
        if (root) assertEquals(0, new ProcessBuilder("chattr", "+i", p.toString()).inheritIO().start().waitFor());
        else Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("r--r--r--"));
        try {
            refused(p, false, "is not writable", "readonly=on");
            try (DiskImage d = DiskImage.open(p, true)) {
                assertTrue(d.readOnly());
            }
        } finally {
            if (root) new ProcessBuilder("chattr", "-i", p.toString()).inheritIO().start().waitFor();
        }
    }

    @Test
    void aWriterLocksOthersOutInTheSameJvm() throws IOException {
        Path p = image("shared.img", 4096);
        try (DiskImage writer = DiskImage.open(p, false)) {
            refused(p, false, "is in use by another VM (locked)");
            refused(p, true, "is in use by another VM (locked)");
        }
        try (DiskImage reader1 = DiskImage.open(p, true); DiskImage reader2 = DiskImage.open(p, true)) {
            assertTrue(reader1.readOnly() && reader2.readOnly(), "readers share");
            refused(p, false, "is in use by another VM (locked)");
        }
        DiskImage.open(p, false).close(); // all locks gone
    }

    @Test
    void aLockHeldByAnotherProcessIsSeen() throws Exception {
        Path p = image("other.img", 4096);
        // Another process takes a POSIX write lock (lockf), which conflicts with jkvm's OFD lock.
        Process other = new ProcessBuilder("python3", "-c",
                "import fcntl,sys\nf=open(sys.argv[1],'r+b')\nfcntl.lockf(f,fcntl.LOCK_EX)\nprint('locked',flush=True)\nsys.stdin.read()",
                p.toString()).redirectErrorStream(true).start();
        try {
            assertEquals("locked", new String(other.getInputStream().readNBytes(6)));
            refused(p, false, "is in use by another VM (locked)");
            refused(p, true, "is in use by another VM (locked)");
        } finally {
            other.getOutputStream().close();
            assertTrue(other.waitFor(10, TimeUnit.SECONDS));
        }
        DiskImage.open(p, false).close();
    }

    /** Three iovecs of 512, 1024 and 512 bytes: one pwritev, one preadv, the bytes where each iovec says. */
    @Test
    void vectoredWriteThenReadAcrossIovecs() throws IOException {
        try (DiskImage d = DiskImage.open(image("v.img", 8192), false);
             java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            var data = arena.allocate(2048);
            for (int i = 0; i < 2048; i++) data.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) (i * 7 + 3));
            var iov = arena.allocate(3 * io.jkvm.sys.Libc.IOVEC_SIZE, 8);
            long[][] pieces = {{0, 512}, {512, 1024}, {1536, 512}};
            for (int i = 0; i < 3; i++) {
                iov.set(java.lang.foreign.ValueLayout.JAVA_LONG, i * 16L, data.address() + pieces[i][0]);
                iov.set(java.lang.foreign.ValueLayout.JAVA_LONG, i * 16L + 8, pieces[i][1]);
            }
            assertEquals(0, d.writev(1024, iov, 3, 2048));
            byte[] file = Files.readAllBytes(dir.resolve("v.img"));
            for (int i = 0; i < 2048; i++) assertEquals((byte) (i * 7 + 3), file[1024 + i], "byte " + i);
            var back = arena.allocate(2048);
            for (int i = 0; i < 3; i++) {
                iov.set(java.lang.foreign.ValueLayout.JAVA_LONG, i * 16L, back.address() + pieces[i][0]);
                iov.set(java.lang.foreign.ValueLayout.JAVA_LONG, i * 16L + 8, pieces[i][1]);
            }
            assertEquals(0, d.readv(1024, iov, 3, 2048));
            assertEquals(-1L, data.mismatch(back));
        }
    }

    /** A file that ends inside the request: the bytes there are read, then -EIO (it shrank under the VM). */
    @Test
    void vectoredReadPastTheEndIsAnError() throws IOException {
        try (DiskImage d = DiskImage.open(image("s.img", 1024), false);
             java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            var buf = arena.allocate(2048);
            var iov = arena.allocate(2 * io.jkvm.sys.Libc.IOVEC_SIZE, 8);
            iov.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, buf.address());
            iov.set(java.lang.foreign.ValueLayout.JAVA_LONG, 8, 1024);
            iov.set(java.lang.foreign.ValueLayout.JAVA_LONG, 16, buf.address() + 1024);
            iov.set(java.lang.foreign.ValueLayout.JAVA_LONG, 24, 1024);
            assertEquals(-io.jkvm.sys.Errno.EIO, d.readv(512, iov, 2, 2048));
        }
    }
}
