package io.jkvm.loader;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Small bzImage and ELF64 files built in memory, shaped like Linux's (public for the platform tests). */
public final class SyntheticImages {
    private SyntheticImages() {}

    public static final int SETUP_SECTS = 4;
    public static final int KERNEL_SIZE = 0x2000;
    public static final int PAYLOAD_OFFSET = 0x100;
    public static final byte[] LZ4_MAGIC = {0x02, 0x21, 0x4c, 0x18};

    /** A bzImage header as Linux 6.1 writes it (protocol 2.15, 64-bit, relocatable), with a 0x2000-byte kernel. */
    public static ByteBuffer bzImage() {
        ByteBuffer b = ByteBuffer.allocate((SETUP_SECTS + 1) * 512 + KERNEL_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(SetupHeader.SETUP_SECTS, (byte) SETUP_SECTS);
        b.putShort(SetupHeader.BOOT_FLAG, (short) 0xAA55);
        b.put(SetupHeader.JUMP, (byte) 0xEB).put(SetupHeader.JUMP + 1, (byte) (0x26C - 0x202));
        b.putInt(SetupHeader.HEADER, 0x53726448);
        b.putShort(SetupHeader.VERSION, (short) 0x020F);
        b.put(SetupHeader.LOADFLAGS, (byte) SetupHeader.LOADED_HIGH);
        b.putInt(SetupHeader.INITRD_ADDR_MAX, 0x7FFF_FFFF);
        b.putInt(SetupHeader.KERNEL_ALIGNMENT, 0x20_0000);
        b.put(SetupHeader.RELOCATABLE_KERNEL, (byte) 1);
        b.put(SetupHeader.MIN_ALIGNMENT, (byte) 21);
        b.putShort(SetupHeader.XLOADFLAGS, (short) 0x7F);
        b.putInt(SetupHeader.CMDLINE_SIZE, 0x7FF);
        b.putInt(SetupHeader.PAYLOAD_OFFSET, PAYLOAD_OFFSET);
        b.putInt(SetupHeader.PAYLOAD_LENGTH, 0x1000);
        b.putLong(SetupHeader.PREF_ADDRESS, 0x100_0000);
        b.putInt(SetupHeader.INIT_SIZE, 0x40_0000);
        int kernel = (SETUP_SECTS + 1) * 512;
        for (int i = 0; i < KERNEL_SIZE; i++) b.put(kernel + i, (byte) (i * 7 + 1));
        b.put(kernel + PAYLOAD_OFFSET, LZ4_MAGIC);
        return b;
    }

    public static byte[] bytes(ByteBuffer b) {
        return b.array().clone();
    }

    // ---- ELF64 ----

    /** Linux's kernel mapping: virtual = physical + this. */
    public static final long KERNEL_MAP = 0xffff_ffff_8000_0000L;
    public static final long TEXT_PADDR = 0x20_0000;
    public static final long DATA_PADDR = 0x20_1000;
    public static final long DATA_FILESZ = 0x80;
    public static final long DATA_MEMSZ = 0x3000;
    public static final long ENTRY_PADDR = TEXT_PADDR + 0x40;
    public static final long PVH_ENTRY = TEXT_PADDR + 0x80;

    record Phdr(int type, int flags, long offset, long vaddr, long paddr, long filesz, long memsz, long align) {}

    /** Two PT_LOADs (text, then data with bss) and a PT_NOTE holding a GNU build-id and the Xen PVH note. */
    public static byte[] elf() {
        return elf(true, true);
    }

    /**
     * @param noteSegment the notes in a PT_NOTE segment (else only in a .note section)
     * @param pvh         whether the Xen PHYS32_ENTRY note is there
     */
    public static byte[] elf(boolean noteSegment, boolean pvh) {
        ByteBuffer b = ByteBuffer.allocate(0x5000).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 0x80; i++) b.put(0x1000 + i, (byte) (0x90));        // text
        b.put(0x1040, new byte[] {(byte) 0xf4});                                // hlt at the entry
        for (int i = 0; i < DATA_FILESZ; i++) b.put(0x2000 + i, (byte) (i + 1)); // data
        int notesAt = 0x3000;
        b.position(notesAt);
        note(b, "GNU", 3, new byte[20]);
        if (pvh) {
            ByteBuffer desc = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(PVH_ENTRY);
            note(b, "Xen", ElfKernel.XEN_ELFNOTE_PHYS32_ENTRY, desc.array());
        }
        int notesSize = b.position() - notesAt;

        List<Phdr> ph = new ArrayList<>();
        ph.add(new Phdr(ElfKernel.PT_LOAD, 5, 0x1000, KERNEL_MAP + TEXT_PADDR, TEXT_PADDR, 0x1000, 0x1000, 0x1000));
        ph.add(new Phdr(ElfKernel.PT_LOAD, 6, 0x2000, KERNEL_MAP + DATA_PADDR, DATA_PADDR, DATA_FILESZ, DATA_MEMSZ, 0x1000));
        if (noteSegment) ph.add(new Phdr(ElfKernel.PT_NOTE, 4, notesAt, 0, 0, notesSize, notesSize, 4));

        b.put(0, new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
        b.putShort(0x10, (short) ElfKernel.ET_EXEC).putShort(0x12, (short) ElfKernel.EM_X86_64).putInt(0x14, 1);
        b.putLong(0x18, KERNEL_MAP + ENTRY_PADDR);
        b.putLong(0x20, 64);
        b.putShort(0x34, (short) 64).putShort(0x36, (short) 56).putShort(0x38, (short) ph.size());
        for (int i = 0; i < ph.size(); i++) {
            Phdr p = ph.get(i);
            int at = 64 + i * 56;
            b.putInt(at, p.type()).putInt(at + 4, p.flags()).putLong(at + 8, p.offset()).putLong(at + 16, p.vaddr())
                    .putLong(at + 24, p.paddr()).putLong(at + 32, p.filesz()).putLong(at + 40, p.memsz()).putLong(at + 48, p.align());
        }
        if (!noteSegment) {  // section headers: the null section, then .notes
            int shoff = 0x4000;
            b.putLong(0x28, shoff).putShort(0x3A, (short) 64).putShort(0x3C, (short) 2);
            int sh = shoff + 64;
            b.putInt(sh + 4, ElfKernel.SHT_NOTE).putLong(sh + 24, notesAt).putLong(sh + 32, notesSize).putLong(sh + 48, 4);
        }
        return b.array();
    }

    private static void note(ByteBuffer b, String name, int type, byte[] desc) {
        byte[] n = (name + "\0").getBytes();
        b.putInt(n.length).putInt(desc.length).putInt(type);
        b.put(n);
        while (b.position() % 4 != 0) b.put((byte) 0);
        b.put(desc);
        while (b.position() % 4 != 0) b.put((byte) 0);
    }

    public static void putLong(byte[] a, int at, long v) {
        ByteBuffer.wrap(a).order(ByteOrder.LITTLE_ENDIAN).putLong(at, v);
    }

    public static void putInt(byte[] a, int at, int v) {
        ByteBuffer.wrap(a).order(ByteOrder.LITTLE_ENDIAN).putInt(at, v);
    }

    public static void putShort(byte[] a, int at, int v) {
        ByteBuffer.wrap(a).order(ByteOrder.LITTLE_ENDIAN).putShort(at, (short) v);
    }
}
