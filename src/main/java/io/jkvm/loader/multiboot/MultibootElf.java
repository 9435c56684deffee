package io.jkvm.loader.multiboot;

import io.jkvm.loader.LittleEndian;

import io.jkvm.JkvmException;

import java.util.ArrayList;
import java.util.List;

import static io.jkvm.loader.LittleEndian.u16;
import static io.jkvm.loader.LittleEndian.u32;
import static io.jkvm.loader.LittleEndian.u64;
import static io.jkvm.loader.LittleEndian.u8;

/**
 * The program headers of a multiboot kernel in ELF (Multiboot 0.6.96, 3.1.1 OS image format: a
 * boot loader loads an ELF image by its own headers when flags[16] is clear). ELF32 i386 or
 * ELF64 x86-64, little-endian, ET_EXEC (System V gABI):
 *
 * <pre>
 *          e_type e_machine e_entry e_phoff e_phentsize e_phnum   program header
 * ELF32    0x10   0x12 (3)  0x18 u32 0x1C u32  0x2A (32)   0x2C   type 0, offset 4, vaddr 8, paddr 12, filesz 16, memsz 20, flags 24
 * ELF64    0x10   0x12 (62) 0x18 u64 0x20 u64  0x36 (56)   0x38   type 0, flags 4, offset 8, vaddr 16, paddr 24, filesz 32, memsz 40
 * </pre>
 *
 * PT_LOAD segments load at p_paddr, their p_memsz beyond p_filesz zeroed, all below 4 GiB. The
 * entry is e_entry made physical as GRUB does (grub-core/loader/multiboot_elfxx.c): if it lies
 * in a segment's [p_vaddr, p_vaddr + p_memsz) it becomes e_entry - p_vaddr + p_paddr (QEMU's
 * load_elf does the same for the executable segment); an e_entry already inside a segment's
 * physical range is kept.
 */
final class MultibootElf {
    static final int PT_LOAD = 1;
    static final int ET_EXEC = 2;
    static final int EM_386 = 3;
    static final int EM_X86_64 = 62;
    static final int CLASS_32 = 1;
    static final int CLASS_64 = 2;

    record Parsed(MultibootImage.Format format, List<MultibootImage.Segment> segments, long entry) {}

    private MultibootElf() {}

    static boolean isElf(byte[] b) {
        return b.length >= 4 && (b[0] & 0xff) == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F';
    }

    static Parsed parse(byte[] elf) {
        if (!isElf(elf)) {
            throw new JkvmException("the multiboot header has no address fields (flag 16) and the file is not ELF: jkvm cannot tell where to load it");
        }
        int cls = u8(elf, 4, "EI_CLASS");
        if (cls != CLASS_32 && cls != CLASS_64) throw new JkvmException("ELF class " + cls + " is neither 32-bit (1) nor 64-bit (2)");
        boolean is64 = cls == CLASS_64;
        if (u8(elf, 5, "EI_DATA") != 1) throw new JkvmException("a big-endian ELF file: a multiboot kernel is little-endian x86");
        if (u8(elf, 6, "EI_VERSION") != 1) throw new JkvmException("ELF version " + u8(elf, 6, "EI_VERSION") + " is not 1");
        LittleEndian.check(elf, 0, is64 ? 64 : 52, "ELF header");
        int type = u16(elf, 0x10, "e_type");
        if (type != ET_EXEC) throw new JkvmException("ELF type " + type + " is not an executable (ET_EXEC): not a kernel image");
        int machine = u16(elf, 0x12, "e_machine");
        int wantMachine = is64 ? EM_X86_64 : EM_386;
        if (machine != wantMachine) {
            throw new JkvmException(is64 ? "ELF64 machine " + machine + " is not x86-64 (62)" : "ELF32 machine " + machine + " is not i386 (3)");
        }
        long entryField = is64 ? u64(elf, 0x18, "e_entry") : u32(elf, 0x18, "e_entry");
        long phoff = is64 ? u64(elf, 0x20, "e_phoff") : u32(elf, 0x1C, "e_phoff");
        int phentsize = u16(elf, is64 ? 0x36 : 0x2A, "e_phentsize");
        int phnum = u16(elf, is64 ? 0x38 : 0x2C, "e_phnum");
        int wantSize = is64 ? 56 : 32;
        if (phentsize != wantSize) throw new JkvmException("ELF program header size " + phentsize + " is not " + wantSize);
        if (phnum == 0 || phnum == 0xffff) throw new JkvmException("ELF file has " + (phnum == 0 ? "no" : "an extended count of") + " program headers");
        LittleEndian.check(elf, phoff, (long) phnum * phentsize, "ELF program header table");

        List<MultibootImage.Segment> segments = new ArrayList<>();
        List<Long> vaddrs = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            long ph = phoff + (long) i * phentsize;
            if (u32(elf, ph, "p_type") != PT_LOAD) continue;
            long offset = is64 ? u64(elf, ph + 8, "p_offset") : u32(elf, ph + 4, "p_offset");
            long vaddr = is64 ? u64(elf, ph + 16, "p_vaddr") : u32(elf, ph + 8, "p_vaddr");
            long paddr = is64 ? u64(elf, ph + 24, "p_paddr") : u32(elf, ph + 12, "p_paddr");
            long filesz = is64 ? u64(elf, ph + 32, "p_filesz") : u32(elf, ph + 16, "p_filesz");
            long memsz = is64 ? u64(elf, ph + 40, "p_memsz") : u32(elf, ph + 20, "p_memsz");
            if (!LittleEndian.inside(elf.length, offset, filesz)) {
                throw new JkvmException(String.format("ELF segment %d [file 0x%x, +0x%x) lies past the end of the %d-byte file: the image is truncated",
                        i, offset, filesz, elf.length));
            }
            if (memsz < filesz || memsz < 0) {
                throw new JkvmException(String.format("ELF segment %d has p_memsz 0x%x smaller than p_filesz 0x%x", i, memsz, filesz));
            }
            if (paddr < 0 || paddr >= Multiboot.ADDRESS_LIMIT || memsz > Multiboot.ADDRESS_LIMIT - paddr) {
                throw new JkvmException(String.format("ELF segment %d at physical 0x%x +0x%x reaches past 4 GiB: a multiboot kernel runs in 32-bit mode",
                        i, paddr, memsz));
            }
            if (memsz == 0) continue;
            segments.add(new MultibootImage.Segment(offset, paddr, filesz, memsz));
            vaddrs.add(vaddr);
        }
        if (segments.isEmpty()) throw new JkvmException("ELF file has no loadable (PT_LOAD) segment");
        checkNoOverlap(segments);
        return new Parsed(is64 ? MultibootImage.Format.ELF64 : MultibootImage.Format.ELF32, segments,
                physicalEntry(entryField, segments, vaddrs));
    }

    private static void checkNoOverlap(List<MultibootImage.Segment> segments) {
        for (int i = 0; i < segments.size(); i++) {
            for (int j = i + 1; j < segments.size(); j++) {
                MultibootImage.Segment a = segments.get(i), b = segments.get(j);
                if (a.addr() < b.end() && b.addr() < a.end()) {
                    throw new JkvmException(String.format("ELF segments overlap in physical memory: [0x%x, 0x%x) and [0x%x, 0x%x)",
                            a.addr(), a.end(), b.addr(), b.end()));
                }
            }
        }
    }

    private static long physicalEntry(long entryField, List<MultibootImage.Segment> segments, List<Long> vaddrs) {
        for (int i = 0; i < segments.size(); i++) {
            MultibootImage.Segment s = segments.get(i);
            if (Long.compareUnsigned(entryField - vaddrs.get(i), s.memSize()) < 0) return entryField - vaddrs.get(i) + s.addr();
        }
        for (MultibootImage.Segment s : segments) {
            if (Long.compareUnsigned(entryField - s.addr(), s.memSize()) < 0) return entryField;
        }
        throw new JkvmException(String.format("ELF entry point 0x%x lies in no loadable segment", entryField));
    }
}
