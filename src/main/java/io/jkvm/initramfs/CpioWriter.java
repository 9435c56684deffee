package io.jkvm.initramfs;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes a cpio archive in the "newc" format the Linux kernel unpacks as an initramfs
 * (Documentation/driver-api/early-userspace/buffer-format.rst): for each entry a 110-byte
 * ASCII header ("070701" and 13 eight-digit hex fields), the NUL-terminated name padded to a
 * multiple of 4, the data padded to a multiple of 4; the archive ends with "TRAILER!!!".
 */
public final class CpioWriter {
    /** File type bits of st_mode (inode(7)). */
    public static final int S_IFDIR = 0040000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFLNK = 0120000;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private int nextInode = 1;
    private boolean finished;

    public CpioWriter directory(String path, int permissions) {
        return entry(path, S_IFDIR | permissions, 2, 0, 0, new byte[0]);
    }

    public CpioWriter file(String path, int permissions, byte[] data) {
        return entry(path, S_IFREG | permissions, 1, 0, 0, data);
    }

    public CpioWriter charDevice(String path, int permissions, int major, int minor) {
        return entry(path, S_IFCHR | permissions, 1, major, minor, new byte[0]);
    }

    public CpioWriter symlink(String path, String target) {
        return entry(path, S_IFLNK | 0777, 1, 0, 0, target.getBytes(StandardCharsets.UTF_8));
    }

    private CpioWriter entry(String path, int mode, int nlink, int rdevMajor, int rdevMinor, byte[] data) {
        if (finished) throw new IllegalStateException("archive already finished");
        String name = path.startsWith("/") ? path.substring(1) : path;
        header(nextInode++, mode, nlink, data.length, rdevMajor, rdevMinor, name);
        out.writeBytes(data);
        pad();
        return this;
    }

    private void header(int inode, int mode, int nlink, int size, int rdevMajor, int rdevMinor, String name) {
        byte[] nameBytes = (name + "\0").getBytes(StandardCharsets.UTF_8);
        StringBuilder h = new StringBuilder("070701");
        for (int field : new int[] {inode, mode, 0 /* uid */, 0 /* gid */, nlink, 0 /* mtime */, size,
                0 /* devmajor */, 0 /* devminor */, rdevMajor, rdevMinor, nameBytes.length, 0 /* check */}) {
            h.append(String.format("%08x", field));
        }
        out.writeBytes(h.toString().getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(nameBytes);
        pad();
    }

    private void pad() {
        while (out.size() % 4 != 0) out.write(0);
    }

    /** Appends the trailer and returns the archive. */
    public byte[] finish() {
        if (!finished) {
            header(0, 0, 1, 0, 0, 0, "TRAILER!!!");
            finished = true;
        }
        return out.toByteArray();
    }
}
