package io.jkvm.loader.multiboot;

import io.jkvm.boot.Layout;
import io.jkvm.loader.LittleEndian;

import io.jkvm.JkvmException;
import io.jkvm.loader.E820Map;
import io.jkvm.memory.GuestMemory;

import java.util.List;

/**
 * What of a multiboot kernel goes where (Multiboot 0.6.96, 3.1.1 OS image format). With
 * flags[16] set, the header's address fields say (3.1.3 The address fields of Multiboot header),
 * as GRUB and QEMU read them whatever the file's format:
 *
 * <pre>
 *   file offset  = header offset - (header_addr - load_addr)      load_addr &lt;= header_addr
 *   load         [load_addr, load_end_addr) from there             load_end_addr 0: to the end of the file
 *   zero         [load_end_addr, bss_end_addr)                     bss_end_addr 0: no bss
 *   entry        entry_addr
 * </pre>
 *
 * Otherwise the file must be ELF ({@link MultibootElf}). Nothing is checked against guest memory
 * until {@link #check}; {@link #load} writes.
 */
public final class MultibootImage {
    /** How the image says where it loads. */
    public enum Format {
        AOUT_KLUDGE("a.out kludge"),
        ELF32("ELF32"),
        ELF64("ELF64");

        private final String label;

        Format(String label) { this.label = label; }

        @Override
        public String toString() { return label; }
    }

    /** {@code fileSize} bytes from {@code fileOffset} copied to physical {@code addr}, then zeros up to {@code addr + memSize}. */
    public record Segment(long fileOffset, long addr, long fileSize, long memSize) {
        public long end() { return addr + memSize; }
    }

    private final byte[] image;
    private final Format format;
    private final List<Segment> segments;
    private final long entry;

    private MultibootImage(byte[] image, Format format, List<Segment> segments, long entry) {
        this.image = image;
        this.format = format;
        this.segments = List.copyOf(segments);
        this.entry = entry;
    }

    /** The image as {@code header} (found in it) describes it; the array is kept, not copied. */
    public static MultibootImage parse(byte[] image, MultibootHeader header) {
        if (header.addressFields().isPresent()) return aoutKludge(image, header.offset(), header.addressFields().get());
        MultibootElf.Parsed elf = MultibootElf.parse(image);
        return new MultibootImage(image, elf.format(), elf.segments(), elf.entry());
    }

    private static MultibootImage aoutKludge(byte[] image, int headerOffset, MultibootHeader.AddressFields f) {
        if (f.loadAddr() > f.headerAddr()) {
            throw new JkvmException(String.format("the multiboot load_addr 0x%x is above header_addr 0x%x: it must not be (Multiboot 0.6.96, 3.1.3)",
                    f.loadAddr(), f.headerAddr()));
        }
        long fileOffset = headerOffset - (f.headerAddr() - f.loadAddr());
        if (fileOffset < 0) {
            throw new JkvmException(String.format("the multiboot header_addr 0x%x and load_addr 0x%x put the start of the text 0x%x bytes before the start of the file",
                    f.headerAddr(), f.loadAddr(), -fileOffset));
        }
        long loadSize;
        if (f.loadEndAddr() == 0) {
            loadSize = image.length - fileOffset;
        } else {
            if (f.loadEndAddr() < f.loadAddr()) {
                throw new JkvmException(String.format("the multiboot load_end_addr 0x%x is below load_addr 0x%x", f.loadEndAddr(), f.loadAddr()));
            }
            loadSize = f.loadEndAddr() - f.loadAddr();
            if (!LittleEndian.inside(image.length, fileOffset, loadSize)) {
                throw new JkvmException(String.format("the multiboot header loads [0x%x, 0x%x) from file offset 0x%x, past the end of the %d-byte file: the image is truncated",
                        f.loadAddr(), f.loadEndAddr(), fileOffset, image.length));
            }
        }
        long memSize = loadSize;
        if (f.bssEndAddr() != 0) {
            if (f.bssEndAddr() < f.loadAddr() + loadSize) {
                throw new JkvmException(String.format("the multiboot bss_end_addr 0x%x is below the end of the loaded image 0x%x",
                        f.bssEndAddr(), f.loadAddr() + loadSize));
            }
            memSize = f.bssEndAddr() - f.loadAddr();
        }
        if (memSize == 0) throw new JkvmException(String.format("the multiboot header loads nothing (load_addr 0x%x, nothing to its end)", f.loadAddr()));
        if (f.loadAddr() + memSize > Multiboot.ADDRESS_LIMIT) {
            throw new JkvmException(String.format("the multiboot image at 0x%x (%d bytes) reaches past 4 GiB: a multiboot kernel runs in 32-bit mode",
                    f.loadAddr(), memSize));
        }
        if (f.entryAddr() < f.loadAddr() || f.entryAddr() >= f.loadAddr() + loadSize) {
            throw new JkvmException(String.format("the multiboot entry_addr 0x%x lies outside the loaded image [0x%x, 0x%x)",
                    f.entryAddr(), f.loadAddr(), f.loadAddr() + loadSize));
        }
        return new MultibootImage(image, Format.AOUT_KLUDGE, List.of(new Segment(fileOffset, f.loadAddr(), loadSize, memSize)), f.entryAddr());
    }

    public Format format() { return format; }

    /** What is loaded, in file order (one segment for the a.out kludge). */
    public List<Segment> segments() { return segments; }

    /** The physical entry point. */
    public long entry() { return entry; }

    /** Lowest address the image occupies. */
    public long start() { return segments.stream().mapToLong(Segment::addr).min().orElseThrow(); }

    /** End of the image, bss included. */
    public long end() { return segments.stream().mapToLong(Segment::end).max().orElseThrow(); }

    /**
     * Checks that every segment lies in guest RAM, clear of jkvm's GDT page
     * ({@link Layout#GDT_RESERVED_END}), of {@code occupied} (what jkvm has already
     * written, e.g. the ACPI tables) and of the areas {@code memoryMap} does not call RAM (the KVM
     * pages), except the legacy BIOS area below 1 MiB ({@link Layout#BIOS_END}):
     * QEMU loads segments there (a plain {@code ld -Ttext 0x100000} kernel's ELF headers at
     * 0xff000), and jkvm does too.
     */
    public void check(GuestMemory memory, List<E820Map.Entry> memoryMap, List<MultibootLoader.Occupied> occupied) {
        for (Segment s : segments) {
            if (s.addr() < Layout.GDT_RESERVED_END) {
                throw new JkvmException(String.format("multiboot kernel segment [0x%x, 0x%x) overlaps [0x0, 0x%x), where jkvm keeps the real-mode IVT and its GDT: link the kernel higher (1 MiB is usual)",
                        s.addr(), s.end(), Layout.GDT_RESERVED_END));
            }
            if (!memory.contains(s.addr(), s.memSize())) {
                throw new JkvmException(String.format("multiboot kernel segment [0x%x, 0x%x) lies outside guest RAM (%d MiB): give the guest more memory",
                        s.addr(), s.end(), memory.size() >> 20));
            }
            for (MultibootLoader.Occupied o : occupied) {
                if (s.addr() < o.range().end() && o.range().start() < s.end()) {
                    throw new JkvmException(String.format("multiboot kernel segment [0x%x, 0x%x) overlaps %s at %s: link the kernel elsewhere (1 MiB is usual)",
                            s.addr(), s.end(), o.what(), o.range()));
                }
            }
            for (E820Map.Entry e : memoryMap) {
                if (e.type() != E820Map.E820_RAM && s.addr() < e.end() && e.addr() < s.end() && !inBiosArea(Math.max(s.addr(), e.addr()), Math.min(s.end(), e.end()))) {
                    throw new JkvmException(String.format("multiboot kernel segment [0x%x, 0x%x) overlaps %s in the memory map: link the kernel elsewhere (1 MiB is usual)",
                            s.addr(), s.end(), e));
                }
            }
        }
    }

    /** True if [start, end) lies inside the legacy BIOS area, where segments may load (see {@link Layout#BIOS_END}). */
    private static boolean inBiosArea(long start, long end) {
        return start >= Layout.EBDA_START && end <= Layout.BIOS_END;
    }

    /** Copies every segment and zeroes its bss; {@link #check} first. */
    public void load(GuestMemory memory) {
        for (Segment s : segments) memory.writeSegment(s.addr(), image, (int) s.fileOffset(), (int) s.fileSize(), s.memSize());
    }

    @Override
    public String toString() {
        return String.format("multiboot kernel (%s), %d segment%s at [0x%x, 0x%x), entry 0x%x", format, segments.size(),
                segments.size() == 1 ? "" : "s", start(), end(), entry);
    }
}
