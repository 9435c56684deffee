package io.jkvm.loader;

import io.jkvm.JkvmException;
import io.jkvm.memory.GuestMemory;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import static io.jkvm.loader.LittleEndian.u16;
import static io.jkvm.loader.LittleEndian.u32;
import static io.jkvm.loader.LittleEndian.u64;
import static io.jkvm.loader.LittleEndian.u8;

/**
 * An x86-64 ELF kernel such as Linux's vmlinux (System V gABI, ELF-64 Object File Format 1.5).
 * Loaded by physical address: each PT_LOAD segment goes to its p_paddr, its bss
 * (p_memsz beyond p_filesz) zeroed. vmlinux links at p_vaddr 0xffffffff81000000 and loads at
 * p_paddr 0x1000000.
 *
 * <pre>
 * 0x00 e_ident: 7f 'E' 'L' 'F', class 2 (64-bit), data 1 (little-endian), version 1
 * 0x10 u16 e_type (2, EXEC)   0x12 u16 e_machine (62, x86-64)   0x18 u64 e_entry
 * 0x20 u64 e_phoff   0x28 u64 e_shoff   0x36 u16 e_phentsize (56)   0x38 u16 e_phnum
 * 0x3A u16 e_shentsize (64)   0x3C u16 e_shnum
 * program header (56 bytes): u32 p_type, u32 p_flags, u64 p_offset, p_vaddr, p_paddr,
 *                            p_filesz, p_memsz, p_align
 * </pre>
 *
 * The entry point: Linux's e_entry is already physical (phys_startup_64); a kernel whose e_entry
 * is virtual gets it translated through the executable segment that holds it. The PVH entry is
 * the Xen ELF note XEN_ELFNOTE_PHYS32_ENTRY (18), a 32-bit physical address entered in 32-bit
 * protected mode without paging (xen/include/public/elfnote.h, arch/x86/platform/pvh/head.S).
 * Every malformed field is reported as a {@link JkvmException}.
 */
public final class ElfKernel {
    public static final int PT_LOAD = 1;
    public static final int PT_NOTE = 4;
    public static final int SHT_NOTE = 7;
    public static final int PF_X = 1;
    public static final int EM_X86_64 = 62;
    public static final int ET_EXEC = 2;
    public static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;

    static final int EHDR_SIZE = 64;
    static final int PHDR_SIZE = 56;
    static final int SHDR_SIZE = 64;

    /** One PT_LOAD program header. */
    public record Segment(long offset, long vaddr, long paddr, long filesz, long memsz, int flags) {
        public long paddrEnd() { return paddr + memsz; }
    }

    private final byte[] elf;
    private final long entryField;
    private final List<Segment> segments = new ArrayList<>();
    private final long entry;
    private final OptionalLong pvhEntry;

    private ElfKernel(byte[] elf) {
        this.elf = elf;
        if (!KernelImage.isElf(elf)) throw new JkvmException("not an ELF file (no 7f 'E' 'L' 'F' magic)");
        int cls = u8(elf, 4, "EI_CLASS");
        if (cls != 2) throw new JkvmException("a " + (cls == 1 ? "32-bit" : "class " + cls) + " ELF file: jkvm loads 64-bit (ELFCLASS64) kernels");
        if (u8(elf, 5, "EI_DATA") != 1) throw new JkvmException("a big-endian ELF file: an x86-64 kernel is little-endian");
        if (u8(elf, 6, "EI_VERSION") != 1) throw new JkvmException("ELF version " + u8(elf, 6, "EI_VERSION") + " is not 1");
        LittleEndian.check(elf, 0, EHDR_SIZE, "ELF header");
        int type = u16(elf, 0x10, "e_type");
        if (type != ET_EXEC) throw new JkvmException("ELF type " + type + " is not an executable (ET_EXEC): not a kernel image");
        int machine = u16(elf, 0x12, "e_machine");
        if (machine != EM_X86_64) throw new JkvmException("ELF machine " + machine + " is not x86-64 (62)");
        entryField = u64(elf, 0x18, "e_entry");
        long phoff = u64(elf, 0x20, "e_phoff");
        int phentsize = u16(elf, 0x36, "e_phentsize");
        int phnum = u16(elf, 0x38, "e_phnum");
        if (phentsize != PHDR_SIZE) throw new JkvmException("ELF program header size " + phentsize + " is not 56");
        if (phnum == 0 || phnum == 0xffff) throw new JkvmException("ELF file has " + (phnum == 0 ? "no" : "an extended count of") + " program headers");
        LittleEndian.check(elf, phoff, (long) phnum * PHDR_SIZE, "ELF program header table");

        List<long[]> notes = new ArrayList<>();  // {offset, size, align}
        for (int i = 0; i < phnum; i++) {
            long ph = phoff + (long) i * PHDR_SIZE;
            long pType = u32(elf, ph, "p_type");
            int flags = (int) u32(elf, ph + 4, "p_flags");
            long offset = u64(elf, ph + 8, "p_offset");
            long vaddr = u64(elf, ph + 16, "p_vaddr");
            long paddr = u64(elf, ph + 24, "p_paddr");
            long filesz = u64(elf, ph + 32, "p_filesz");
            long memsz = u64(elf, ph + 40, "p_memsz");
            long align = u64(elf, ph + 48, "p_align");
            if (pType == PT_LOAD) {
                if (!LittleEndian.inside(elf.length, offset, filesz)) {
                    throw new JkvmException(String.format("ELF segment %d [file 0x%x, +0x%x) lies past the end of the %d-byte file", i, offset, filesz, elf.length));
                }
                if (memsz < filesz || memsz < 0) {
                    throw new JkvmException(String.format("ELF segment %d has p_memsz 0x%x smaller than p_filesz 0x%x", i, memsz, filesz));
                }
                if (paddr < 0 || paddr >= BzImage.MAX_PHYS_ADDR || memsz > BzImage.MAX_PHYS_ADDR - paddr) {
                    throw new JkvmException(String.format("ELF segment %d at physical 0x%x +0x%x is beyond the 52-bit physical address space", i, paddr, memsz));
                }
                if (memsz > 0) segments.add(new Segment(offset, vaddr, paddr, filesz, memsz, flags));
            } else if (pType == PT_NOTE) {
                if (!LittleEndian.inside(elf.length, offset, filesz)) {
                    throw new JkvmException(String.format("ELF note segment %d [file 0x%x, +0x%x) lies past the end of the file", i, offset, filesz));
                }
                notes.add(new long[] {offset, filesz, align});
            }
        }
        if (segments.isEmpty()) throw new JkvmException("ELF file has no loadable (PT_LOAD) segment");
        checkNoOverlap();
        entry = physicalEntry();
        if (notes.isEmpty()) notes = noteSections();
        pvhEntry = findPvhEntry(notes);
    }

    /** Parses {@code elf}; the array is kept (not copied) and must not change. */
    public static ElfKernel parse(byte[] elf) {
        return new ElfKernel(elf);
    }

    private void checkNoOverlap() {
        for (int i = 0; i < segments.size(); i++) {
            for (int j = i + 1; j < segments.size(); j++) {
                Segment a = segments.get(i), b = segments.get(j);
                if (a.paddr() < b.paddrEnd() && b.paddr() < a.paddrEnd()) {
                    throw new JkvmException(String.format("ELF segments overlap in physical memory: [0x%x, 0x%x) and [0x%x, 0x%x)",
                            a.paddr(), a.paddrEnd(), b.paddr(), b.paddrEnd()));
                }
            }
        }
    }

    private long physicalEntry() {
        for (Segment s : segments) {  // a virtual e_entry inside an executable segment
            if ((s.flags() & PF_X) != 0 && Long.compareUnsigned(entryField - s.vaddr(), s.memsz()) < 0) {
                return entryField - s.vaddr() + s.paddr();
            }
        }
        for (Segment s : segments) {  // a physical one (Linux: ENTRY(phys_startup_64))
            if ((s.flags() & PF_X) != 0 && Long.compareUnsigned(entryField - s.paddr(), s.memsz()) < 0) {
                return entryField;
            }
        }
        throw new JkvmException(String.format("ELF entry point 0x%x lies in no executable segment", entryField));
    }

    /** SHT_NOTE sections, for a file whose notes have no PT_NOTE segment. */
    private List<long[]> noteSections() {
        List<long[]> notes = new ArrayList<>();
        long shoff = u64(elf, 0x28, "e_shoff");
        int shentsize = u16(elf, 0x3A, "e_shentsize");
        int shnum = u16(elf, 0x3C, "e_shnum");
        if (shoff == 0 || shnum == 0) return notes;
        if (shentsize != SHDR_SIZE) throw new JkvmException("ELF section header size " + shentsize + " is not 64");
        LittleEndian.check(elf, shoff, (long) shnum * SHDR_SIZE, "ELF section header table");
        for (int i = 0; i < shnum; i++) {
            long sh = shoff + (long) i * SHDR_SIZE;
            if (u32(elf, sh + 4, "sh_type") != SHT_NOTE) continue;
            long offset = u64(elf, sh + 24, "sh_offset");
            long size = u64(elf, sh + 32, "sh_size");
            long align = u64(elf, sh + 48, "sh_addralign");
            if (!LittleEndian.inside(elf.length, offset, size)) {
                throw new JkvmException(String.format("ELF note section %d [file 0x%x, +0x%x) lies past the end of the file", i, offset, size));
            }
            notes.add(new long[] {offset, size, align});
        }
        return notes;
    }

    /** Walks the notes: {u32 namesz, u32 descsz, u32 type, name, desc}, name and desc padded to 4 (or 8 if so aligned). */
    private OptionalLong findPvhEntry(List<long[]> areas) {
        for (long[] area : areas) {
            long pad = area[2] == 8 ? 8 : 4;
            long at = area[0];
            long end = area[0] + area[1];
            while (end - at >= 12) {
                long namesz = u32(elf, at, "note namesz");
                long descsz = u32(elf, at + 4, "note descsz");
                long type = u32(elf, at + 8, "note type");
                long name = at + 12;
                long desc = name + BzImage.alignUp(namesz, pad);
                long next = desc + BzImage.alignUp(descsz, pad);
                if (next > end) throw new JkvmException(String.format("corrupt ELF note at file offset 0x%x: it runs past its section", at));
                if (type == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4 && u32(elf, name, "note name") == 0x006e6558L /* "Xen\0" */) {
                    long value;
                    if (descsz == 4) value = u32(elf, desc, "PVH entry");
                    else if (descsz == 8) value = u64(elf, desc, "PVH entry");
                    else throw new JkvmException("the PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY) has " + descsz + " bytes, not 4 or 8");
                    if (value < 0 || value > 0xffff_ffffL) throw new JkvmException(String.format("the PVH entry 0x%x is not a 32-bit address", value));
                    return OptionalLong.of(value);
                }
                at = next;
            }
        }
        return OptionalLong.empty();
    }

    /** The PT_LOAD segments with a non-zero p_memsz, in file order. */
    public List<Segment> segments() { return List.copyOf(segments); }

    /** e_entry as the file has it. */
    public long entryField() { return entryField; }

    /** The physical address of the 64-bit entry point. */
    public long entry() { return entry; }

    /** The PVH entry's physical address, if the kernel has one (Linux with CONFIG_PVH). */
    public OptionalLong pvhEntry() { return pvhEntry; }

    /** Lowest physical address any segment occupies. */
    public long physStart() {
        return segments.stream().mapToLong(Segment::paddr).min().orElseThrow();
    }

    /** End of the highest segment, bss included. */
    public long physEnd() {
        return segments.stream().mapToLong(Segment::paddrEnd).max().orElseThrow();
    }

    /** Copies every PT_LOAD segment to its p_paddr and zeroes its bss, after checking all of them lie in guest RAM. */
    public void load(GuestMemory memory) {
        for (int i = 0; i < segments.size(); i++) {
            Segment s = segments.get(i);
            if (!memory.contains(s.paddr(), s.memsz())) {
                throw new JkvmException(String.format("ELF segment %d [0x%x, 0x%x) lies outside guest RAM (%d MiB): give the guest more memory",
                        i, s.paddr(), s.paddrEnd(), memory.size() >> 20));
            }
        }
        for (Segment s : segments) memory.writeSegment(s.paddr(), elf, (int) s.offset(), (int) s.filesz(), s.memsz());
    }

    @Override
    public String toString() {
        return String.format("ELF64 kernel, %d segments at [0x%x, 0x%x), entry 0x%x%s", segments.size(), physStart(), physEnd(), entry,
                pvhEntry.isPresent() ? String.format(", PVH entry 0x%x", pvhEntry.getAsLong()) : "");
    }
}
