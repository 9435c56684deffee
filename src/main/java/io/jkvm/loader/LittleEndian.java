package io.jkvm.loader;

import io.jkvm.JkvmException;

/**
 * Bounds-checked little-endian reads from an image file. An offset past the end is a malformed
 * image, reported as a {@link JkvmException} naming {@code what} (never an index exception).
 */
public final class LittleEndian {
    private LittleEndian() {}

    /** True if [offset, offset + length) lies inside an array of {@code size} bytes; all values unsigned-safe. */
    public static boolean inside(long size, long offset, long length) {
        return offset >= 0 && length >= 0 && offset <= size && length <= size - offset;
    }

    public static void check(byte[] b, long offset, long length, String what) {
        if (!inside(b.length, offset, length)) {
            throw new JkvmException(String.format("%s at 0x%x (+%d bytes) lies past the end of the %d-byte file: the image is truncated or corrupt",
                    what, offset, length, b.length));
        }
    }

    public static int u8(byte[] b, long offset, String what) {
        check(b, offset, 1, what);
        return b[(int) offset] & 0xff;
    }

    public static int u16(byte[] b, long offset, String what) {
        check(b, offset, 2, what);
        int i = (int) offset;
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8;
    }

    /** A u32 as a non-negative long. */
    public static long u32(byte[] b, long offset, String what) {
        check(b, offset, 4, what);
        int i = (int) offset;
        return ((b[i] & 0xffL) | (b[i + 1] & 0xffL) << 8 | (b[i + 2] & 0xffL) << 16 | (b[i + 3] & 0xffL) << 24);
    }

    /** A u64; values of 2^63 and above come back negative, and callers treat them as out of range. */
    public static long u64(byte[] b, long offset, String what) {
        check(b, offset, 8, what);
        return u32(b, offset, what) | u32(b, offset + 4, what) << 32;
    }

    static void put16(byte[] b, int offset, int value) {
        b[offset] = (byte) value;
        b[offset + 1] = (byte) (value >>> 8);
    }

    static void put32(byte[] b, int offset, long value) {
        for (int i = 0; i < 4; i++) b[offset + i] = (byte) (value >>> (8 * i));
    }

    static void put64(byte[] b, int offset, long value) {
        for (int i = 0; i < 8; i++) b[offset + i] = (byte) (value >>> (8 * i));
    }
}
