package io.jkvm.loader.multiboot;

/** Synthetic multiboot kernels built byte by byte: a.out kludge images and ELF32/ELF64 images with two segments and a bss. */
public final class MultibootImages {
    private MultibootImages() {}

    public static final long MIB = 1L << 20;

    // The ELF images: text [TEXT_PADDR, +0x1000) from file 0x1000, data [DATA_PADDR, +DATA_FILESZ) from file 0x2000, bss to DATA_MEMSZ.
    public static final long TEXT_PADDR = 0x10_0000;
    public static final long TEXT_VADDR = 0xC010_0000L;
    public static final long DATA_PADDR = 0x10_2000;
    public static final long DATA_VADDR = 0xC010_2000L;
    public static final int TEXT_OFFSET = 0x1000;
    public static final int TEXT_SIZE = 0x1000;
    public static final int DATA_OFFSET = 0x2000;
    public static final int DATA_FILESZ = 0x800;
    public static final int DATA_MEMSZ = 0x3000;
    public static final long ELF_ENTRY_VADDR = TEXT_VADDR + 0x10;
    public static final long ELF_ENTRY_PADDR = TEXT_PADDR + 0x10;
    public static final int ELF32_HEADER_AT = 0x80;
    public static final int ELF64_HEADER_AT = 0xC0;
    public static final int ELF_FLAGS = MultibootHeader.FLAG_PAGE_ALIGN | MultibootHeader.FLAG_MEMORY_INFO;

    /** A multiboot header (12 bytes, or 32 with the address fields when flags[16] is set) at {@code at}. */
    public static void header(byte[] b, int at, int flags, long headerAddr, long loadAddr, long loadEndAddr, long bssEndAddr, long entryAddr) {
        putInt(b, at, Multiboot.MAGIC_HEADER);
        putInt(b, at + 4, flags);
        putInt(b, at + 8, -(Multiboot.MAGIC_HEADER + flags));
        if ((flags & MultibootHeader.FLAG_AOUT_KLUDGE) != 0) {
            putInt(b, at + 12, headerAddr);
            putInt(b, at + 16, loadAddr);
            putInt(b, at + 20, loadEndAddr);
            putInt(b, at + 24, bssEndAddr);
            putInt(b, at + 28, entryAddr);
        }
    }

    /** Just magic, flags and checksum. */
    public static void header(byte[] b, int at, int flags) {
        header(b, at, flags, 0, 0, 0, 0, 0);
    }

    /**
     * An a.out kludge image of {@code fileSize} bytes filled with a pattern; the text starts at
     * file offset {@code textOffset} and loads at {@code loadAddr}, the header sits at
     * {@code headerAt} (so header_addr = loadAddr + headerAt - textOffset).
     */
    public static byte[] aout(int fileSize, int textOffset, int headerAt, long loadAddr, long loadEndAddr, long bssEndAddr, long entryAddr) {
        byte[] b = pattern(fileSize);
        header(b, headerAt, MultibootHeader.FLAG_AOUT_KLUDGE | MultibootHeader.FLAG_PAGE_ALIGN | MultibootHeader.FLAG_MEMORY_INFO,
                loadAddr + headerAt - textOffset, loadAddr, loadEndAddr, bssEndAddr, entryAddr);
        return b;
    }

    public static byte[] pattern(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) b[i] = (byte) (i * 7 + 3 + (i >> 8));
        return b;
    }

    /** ELF32 i386, ET_EXEC, two PT_LOAD segments (text, data+bss), higher-half vaddrs, multiboot header at 0x80. */
    public static byte[] elf32() {
        byte[] b = pattern(DATA_OFFSET + DATA_FILESZ);
        java.util.Arrays.fill(b, 0, TEXT_OFFSET, (byte) 0);
        ident(b, 1);
        putShort(b, 0x10, 2);
        putShort(b, 0x12, 3);
        putInt(b, 0x14, 1);
        putInt(b, 0x18, ELF_ENTRY_VADDR);
        putInt(b, 0x1C, 52);
        putShort(b, 0x28, 52);
        putShort(b, 0x2A, 32);
        putShort(b, 0x2C, 2);
        phdr32(b, 52, TEXT_OFFSET, TEXT_VADDR, TEXT_PADDR, TEXT_SIZE, TEXT_SIZE, 5);
        phdr32(b, 52 + 32, DATA_OFFSET, DATA_VADDR, DATA_PADDR, DATA_FILESZ, DATA_MEMSZ, 6);
        header(b, ELF32_HEADER_AT, ELF_FLAGS);
        return b;
    }

    /** ELF64 x86-64 with the same segments, multiboot header at 0xC0. */
    public static byte[] elf64() {
        byte[] b = pattern(DATA_OFFSET + DATA_FILESZ);
        java.util.Arrays.fill(b, 0, TEXT_OFFSET, (byte) 0);
        ident(b, 2);
        putShort(b, 0x10, 2);
        putShort(b, 0x12, 62);
        putInt(b, 0x14, 1);
        putLong(b, 0x18, ELF_ENTRY_VADDR);
        putLong(b, 0x20, 64);
        putShort(b, 0x34, 64);
        putShort(b, 0x36, 56);
        putShort(b, 0x38, 2);
        phdr64(b, 64, TEXT_OFFSET, TEXT_VADDR, TEXT_PADDR, TEXT_SIZE, TEXT_SIZE, 5);
        phdr64(b, 64 + 56, DATA_OFFSET, DATA_VADDR, DATA_PADDR, DATA_FILESZ, DATA_MEMSZ, 6);
        header(b, ELF64_HEADER_AT, ELF_FLAGS);
        return b;
    }

    // The layout of `ld -m elf_i386 -Ttext 0x100000` (GNU ld 2.40, no -N/-n, no script): see elf32PlainLd.
    public static final long PLAIN_HEADERS_PADDR = 0xf_f000;
    public static final int PLAIN_HEADERS_SIZE = 52 + 3 * 32;
    public static final long PLAIN_TEXT_PADDR = 0x10_0000;
    public static final int PLAIN_TEXT_SIZE = 0x400;
    public static final long PLAIN_DATA_PADDR = 0x10_1000;
    public static final int PLAIN_DATA_FILESZ = 4;
    public static final int PLAIN_DATA_MEMSZ = 0x4000;

    /**
     * ELF32 laid out as plain {@code ld -m elf_i386 -Ttext 0x100000} lays out a small kernel
     * (guests/mb_plain.S is one, built by ld itself): a first PT_LOAD [file 0, +0x94) holding only
     * the ELF and program headers at 0xff000, the text from file 0x1000 at 0x100000 (multiboot
     * header at 0x1004, entry 0x100000), data + bss from file 0x2000 at 0x101000.
     */
    public static byte[] elf32PlainLd() {
        byte[] b = pattern(0x2000 + PLAIN_DATA_FILESZ);
        java.util.Arrays.fill(b, 0, 0x1000, (byte) 0);
        ident(b, 1);
        putShort(b, 0x10, 2);
        putShort(b, 0x12, 3);
        putInt(b, 0x14, 1);
        putInt(b, 0x18, PLAIN_TEXT_PADDR);
        putInt(b, 0x1C, 52);
        putShort(b, 0x28, 52);
        putShort(b, 0x2A, 32);
        putShort(b, 0x2C, 3);
        phdr32(b, 52, 0, PLAIN_HEADERS_PADDR, PLAIN_HEADERS_PADDR, PLAIN_HEADERS_SIZE, PLAIN_HEADERS_SIZE, 4);
        phdr32(b, 52 + 32, 0x1000, PLAIN_TEXT_PADDR, PLAIN_TEXT_PADDR, PLAIN_TEXT_SIZE, PLAIN_TEXT_SIZE, 5);
        phdr32(b, 52 + 64, 0x2000, PLAIN_DATA_PADDR, PLAIN_DATA_PADDR, PLAIN_DATA_FILESZ, PLAIN_DATA_MEMSZ, 6);
        header(b, 0x1004, ELF_FLAGS);
        return b;
    }

    private static void ident(byte[] b, int cls) {
        b[0] = 0x7f;
        b[1] = 'E';
        b[2] = 'L';
        b[3] = 'F';
        b[4] = (byte) cls;
        b[5] = 1;
        b[6] = 1;
    }

    public static void phdr32(byte[] b, int at, long offset, long vaddr, long paddr, long filesz, long memsz, int flags) {
        putInt(b, at, 1);
        putInt(b, at + 4, offset);
        putInt(b, at + 8, vaddr);
        putInt(b, at + 12, paddr);
        putInt(b, at + 16, filesz);
        putInt(b, at + 20, memsz);
        putInt(b, at + 24, flags);
        putInt(b, at + 28, 0x1000);
    }

    public static void phdr64(byte[] b, int at, long offset, long vaddr, long paddr, long filesz, long memsz, int flags) {
        putInt(b, at, 1);
        putInt(b, at + 4, flags);
        putLong(b, at + 8, offset);
        putLong(b, at + 16, vaddr);
        putLong(b, at + 24, paddr);
        putLong(b, at + 32, filesz);
        putLong(b, at + 40, memsz);
        putLong(b, at + 48, 0x1000);
    }

    public static void putShort(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
    }

    public static void putInt(byte[] b, int at, long v) {
        for (int i = 0; i < 4; i++) b[at + i] = (byte) (v >>> (8 * i));
    }

    public static void putLong(byte[] b, int at, long v) {
        for (int i = 0; i < 8; i++) b[at + i] = (byte) (v >>> (8 * i));
    }
}
