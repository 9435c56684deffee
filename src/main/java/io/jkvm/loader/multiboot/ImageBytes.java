package io.jkvm.loader.multiboot;

import io.jkvm.JkvmException;

/**
 * Bounds-checked little-endian reads from a kernel file: a field past the end is a truncated or
 * corrupt image, reported as a one-line {@link JkvmException} naming the field.
 */
final class ImageBytes {
    private ImageBytes() {}

    /** True if [offset, offset + length) lies inside {@code size} bytes; overflow-safe. */
    static boolean inside(long size, long offset, long length) {
        return offset >= 0 && length >= 0 && offset <= size && length <= size - offset;
    }

    static void check(byte[] b, long offset, long length, String what) {
        if (!inside(b.length, offset, length)) {
            throw new JkvmException(String.format("%s at 0x%x (+%d bytes) lies past the end of the %d-byte file: the image is truncated or corrupt",
                    what, offset, length, b.length));
        }
    }

    static int u8(byte[] b, long offset, String what) {
        check(b, offset, 1, what);
        return b[(int) offset] & 0xff;
    }

    static int u16(byte[] b, long offset, String what) {
        check(b, offset, 2, what);
        int i = (int) offset;
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8;
    }

    /** A u32 as a non-negative long. */
    static long u32(byte[] b, long offset, String what) {
        check(b, offset, 4, what);
        int i = (int) offset;
        return (b[i] & 0xffL) | (b[i + 1] & 0xffL) << 8 | (b[i + 2] & 0xffL) << 16 | (b[i + 3] & 0xffL) << 24;
    }

    /** A u64; values of 2^63 and above come back negative, which callers treat as out of range. */
    static long u64(byte[] b, long offset, String what) {
        check(b, offset, 8, what);
        return u32(b, offset, what) | u32(b, offset + 4, what) << 32;
    }

    static long alignUp(long value, long alignment) {
        return (value + alignment - 1) & -alignment;
    }
}
