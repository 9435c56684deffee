package io.jkvm.virtio.blk;

import io.jkvm.JkvmException;
import io.jkvm.sys.Errno;
import io.jkvm.sys.Libc;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The host side of a virtio-blk disk: a raw image file, open on one fd for the VM's life and
 * locked against other writers. Reads and writes go straight between the file and guest RAM
 * ({@code preadv}/{@code pwritev} on the guest buffers' host addresses: no copy, no allocation);
 * flush is {@code fdatasync}; discard punches a hole and write-zeroes zeroes a range
 * ({@code fallocate(2)}), writing zeros where the file system cannot.
 *
 * <p><b>Locking.</b> {@link #open} takes an open file description lock on the whole file
 * (fcntl(2) {@code F_OFD_SETLK}): exclusive for a read-write disk, shared for a read-only one.
 * So one VM writes an image at a time and nobody writes an image a VM reads; several VMs may
 * share one read-only. The lock belongs to this open file, so it holds against a second open in
 * the same JVM too, conflicts with QEMU's image locks (also OFD) and with POSIX fcntl locks, and
 * goes away with the fd, also when the process dies.
 *
 * <p><b>Durability.</b> A write is in the host's page cache when the request completes; it is on
 * stable storage after a flush ({@link #flush}, the guest's VIRTIO_BLK_T_FLUSH) returned, and
 * {@link #close} flushes, so every accepted write reaches the file on every orderly exit.
 *
 * <p>Errors on the request path are returned as {@code -errno}, never thrown: the device answers
 * VIRTIO_BLK_S_IOERR. Errors in {@link #open} are the user's to fix: {@link JkvmException}.
 * Not thread-safe: the device serializes its calls.
 */
public final class DiskImage implements AutoCloseable {
    /** The sector of virtio-blk's capacity and request addresses (virtio 1.2 §5.2.4, §5.2.6). */
    public static final int SECTOR_SIZE = 512;
    /** The buffer of zeros for write-zeroes where fallocate cannot zero. */
    private static final int ZEROS = 64 * 1024;

    private final Path path;
    private final int fd;
    private final boolean readOnly;
    private final long size;
    private final Arena arena = Arena.ofShared();
    private MemorySegment zeros;
    private MemorySegment zerosIov;
    /** Cleared when the file system answers EOPNOTSUPP, so the next requests skip the call; tests clear it too. */
    boolean punchHole = true, zeroRange = true;
    private boolean closed;

    private DiskImage(Path path, int fd, boolean readOnly, long size) {
        this.path = path;
        this.fd = fd;
        this.readOnly = readOnly;
        this.size = size;
    }

    /**
     * Opens and locks {@code path}, read-only or read-write. Every problem the user can fix is a
     * one-line {@link JkvmException}, and leaves nothing open: the file missing, a directory or
     * something else that is not a regular file, unreadable, not writable when writes are asked,
     * empty, not a whole number of sectors, or locked by another VM.
     */
    public static DiskImage open(Path path, boolean readOnly) {
        String name = "disk image " + path;
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new JkvmException(name + " does not exist: check the path");
        } catch (IOException e) {
            throw new JkvmException(name + " cannot be read: " + e.getMessage());
        }
        if (attributes.isDirectory()) throw new JkvmException(name + " is a directory: give a raw image file");
        if (!attributes.isRegularFile()) {
            throw new JkvmException(name + " is not a regular file: jkvm uses raw image files only");
        }
        int fd = Libc.open(path.toString(), readOnly ? Libc.O_RDONLY : Libc.O_RDWR);
        if (fd < 0) throw openFailure(name, path, readOnly, -fd);
        try {
            // Sized after opening: the file we locked is the one we describe.
            long size = Files.size(path);
            if (size == 0) {
                throw new JkvmException(name + " is empty (0 bytes): give it a size, e.g. truncate -s 64M " + path);
            }
            if (size % SECTOR_SIZE != 0) {
                long up = (size / SECTOR_SIZE + 1) * SECTOR_SIZE;
                throw new JkvmException(name + " is " + size + " bytes, not a whole number of 512-byte sectors;"
                        + " jkvm does not round it (QEMU rounds up to " + up + " bytes, reading zeros past the end):"
                        + " extend it with truncate -s " + up + " " + path);
            }
            int r = Libc.lockFile(fd, !readOnly);
            if (r == -Errno.EAGAIN || r == -Errno.EACCES) {
                throw new JkvmException(name + " is in use by another VM (locked); stop that VM or give this one"
                        + " its own copy" + (readOnly ? "" : " (several VMs may share an image with readonly=on)"));
            }
            if (r < 0) throw new JkvmException(name + " cannot be locked: " + Errno.describe(-r));
            return new DiskImage(path, fd, readOnly, size);
        } catch (IOException e) {
            Libc.close(fd);
            throw new JkvmException(name + " cannot be read: " + e.getMessage());
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    /** What a failed open(2) with {@code errno} tells the user (package-private for tests run as root, where no file is unreadable). */
    static JkvmException openFailure(String name, Path path, boolean readOnly, int errno) {
        return switch (errno) {
            case Errno.ENOENT -> new JkvmException(name + " does not exist: check the path");
            case Errno.EISDIR -> new JkvmException(name + " is a directory: give a raw image file");
            case Errno.EROFS -> new JkvmException(name + " is on a read-only file system: add readonly=on");
            case Errno.EACCES, Errno.EPERM -> !readOnly && Files.isReadable(path)
                    ? new JkvmException(name + " is not writable: add readonly=on to use it read-only, or make it writable")
                    : new JkvmException(name + " cannot be read (permission denied): check its permissions");
            default -> new JkvmException(name + " cannot be opened: " + Errno.describe(errno));
        };
    }

    public Path path() { return path; }

    public boolean readOnly() { return readOnly; }

    /** The size in bytes, a whole number of sectors. */
    public long size() { return size; }

    /** The capacity in 512-byte sectors (virtio 1.2 §5.2.4 capacity). */
    public long sectors() { return size / SECTOR_SIZE; }

    /**
     * Reads {@code length} bytes at file offset {@code at} into the {@code count} iovecs of
     * {@code iov} (their lengths summing to {@code length}) with as few preadv(2) calls as the
     * kernel allows: 0, or -errno (-EIO when the file ended early). A short transfer advances the
     * iovecs in place and goes on.
     */
    int readv(long at, MemorySegment iov, int count, long length) {
        return vectored(at, iov, count, length, true);
    }

    /** Writes the {@code count} iovecs of {@code iov} ({@code length} bytes) at file offset {@code at}: 0 or -errno. */
    int writev(long at, MemorySegment iov, int count, long length) {
        return vectored(at, iov, count, length, false);
    }

    private int vectored(long at, MemorySegment iov, int count, long length, boolean read) {
        MemorySegment state = Libc.callState();
        int first = 0;
        while (length > 0) {
            MemorySegment rest = iov.asSlice(first * Libc.IOVEC_SIZE);
            long n = read ? Libc.preadv(state, fd, rest, count - first, at) : Libc.pwritev(state, fd, rest, count - first, at);
            if (n == -Errno.EINTR) continue;
            if (n < 0) return (int) n;
            if (n == 0) return -Errno.EIO;
            if (n == length) return 0;   // all of it: the usual case, with nothing to skip
            at += n;
            length -= n;
            // A short transfer: skip the iovecs done; shorten the one it stopped in.
            while (n > 0 && first < count) {
                long base = iov.get(ValueLayout.JAVA_LONG, first * Libc.IOVEC_SIZE);
                long len = iov.get(ValueLayout.JAVA_LONG, first * Libc.IOVEC_SIZE + 8);
                if (n >= len) {
                    n -= len;
                    first++;
                } else {
                    iov.set(ValueLayout.JAVA_LONG, first * Libc.IOVEC_SIZE, base + n);
                    iov.set(ValueLayout.JAVA_LONG, first * Libc.IOVEC_SIZE + 8, len - n);
                    n = 0;
                }
            }
        }
        return 0;
    }

    /** fdatasync(2): what was written is on stable storage (VIRTIO_BLK_T_FLUSH). 0 or -errno. */
    int flush() {
        if (readOnly) return 0;
        return Libc.fdatasync(Libc.callState(), fd);
    }

    /**
     * Deallocates [at, at + length) (VIRTIO_BLK_T_DISCARD, and write-zeroes with unmap): a hole
     * punched with fallocate(2) FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, which reads back as
     * zeros. Where the file system cannot punch holes, the range is written with zeros when
     * {@code mustZero}, else left as it is (a discard is a hint). 0 or -errno.
     */
    int punchHole(long at, long length, boolean mustZero) {
        if (punchHole) {
            int r = Libc.fallocate(Libc.callState(), fd, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, at, length);
            if (r != -Errno.EOPNOTSUPP) return r;
            punchHole = false;
        }
        return mustZero ? writeZeros(at, length) : 0;
    }

    /**
     * Zeroes [at, at + length) keeping it allocated (VIRTIO_BLK_T_WRITE_ZEROES without unmap):
     * fallocate(2) FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, or zeros written where the file
     * system cannot (tmpfs, for one). 0 or -errno.
     */
    int zeroRange(long at, long length) {
        if (zeroRange) {
            int r = Libc.fallocate(Libc.callState(), fd, Libc.FALLOC_FL_ZERO_RANGE | Libc.FALLOC_FL_KEEP_SIZE, at, length);
            if (r != -Errno.EOPNOTSUPP) return r;
            zeroRange = false;
        }
        return writeZeros(at, length);
    }

    private int writeZeros(long at, long length) {
        if (zeros == null) { // once per disk, zeroed by allocate
            zeros = arena.allocate(ZEROS, 4096);
            zerosIov = arena.allocate(Libc.IOVEC_SIZE, 8);
        }
        while (length > 0) {
            long n = Math.min(length, ZEROS);
            zerosIov.set(ValueLayout.JAVA_LONG, 0, zeros.address());
            zerosIov.set(ValueLayout.JAVA_LONG, 8, n);
            int r = writev(at, zerosIov, 1, n);
            if (r < 0) return r;
            at += n;
            length -= n;
        }
        return 0;
    }

    /**
     * Flushes (every accepted write reaches the file), then closes the fd, which releases the
     * lock. Idempotent. A failing flush is reported on standard error: the VM is ending and the
     * fd is closed all the same.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            int r = flush();
            if (r < 0) System.err.println("jkvm: disk image " + path + ": flush on close failed: " + Errno.describe(-r));
        } finally {
            try {
                Libc.close(fd);
            } finally {
                arena.close();
            }
        }
    }
}
