package io.jkvm.loader;

/**
 * The compression of a bzImage's payload (the compressed vmlinux), told by its first bytes: the
 * formats arch/x86/boot/compressed can be built with (CONFIG_KERNEL_GZIP ... _ZSTD). The x86
 * build appends the uncompressed size as a little-endian u32 to every one of them.
 */
public enum PayloadFormat {
    GZIP(new int[] {0x1f, 0x8b}),
    /** xz container. */
    XZ(new int[] {0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00}),
    /** Raw lzma ("lzma_alone"): properties byte 0x5d, then a little-endian dictionary size whose low bytes are 0. */
    LZMA(new int[] {0x5d, 0x00, 0x00}),
    /** LZ4 legacy frame (lz4 -l), magic 0x184C2102. */
    LZ4(new int[] {0x02, 0x21, 0x4c, 0x18}),
    ZSTD(new int[] {0x28, 0xb5, 0x2f, 0xfd}),
    BZIP2(new int[] {0x42, 0x5a, 0x68}),
    /** lzop: "\x89LZO". */
    LZO(new int[] {0x89, 0x4c, 0x5a, 0x4f}),
    UNKNOWN(new int[0]);

    private final int[] magic;

    PayloadFormat(int[] magic) {
        this.magic = magic;
    }

    /** The format of the data at {@code bytes[offset, offset + length)}, or UNKNOWN. */
    public static PayloadFormat detect(byte[] bytes, int offset, int length) {
        for (PayloadFormat f : values()) {
            if (f.magic.length == 0 || f.magic.length > length) continue;
            boolean match = true;
            for (int i = 0; i < f.magic.length && match; i++) match = (bytes[offset + i] & 0xff) == f.magic[i];
            if (match) return f;
        }
        return UNKNOWN;
    }
}
