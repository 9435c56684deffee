package io.jkvm.memory;

import io.jkvm.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Guest RAM as a set of non-overlapping {@link MemoryRegion}s. Every access names a
 * guest-physical address and length and is checked to lie inside one region; anything else
 * throws {@link GuestMemoryException}. Accesses never cross from one region into the next.
 * This throwing API is for jkvm's own loaders, which want an error message; devices doing DMA
 * at addresses the guest chose use {@link #dmaRange}, which never throws and may run across
 * contiguous regions.
 *
 * <p>Production RAM is anonymous {@code mmap(MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)}:
 * the kernel hands out zero pages lazily as the guest touches them, so a large RAM costs
 * neither start-up time nor resident memory until used. Tests may use heap-backed memory.
 * Closing unmaps the regions; nothing may use a view of them afterwards.
 */
public final class GuestMemory implements AutoCloseable {
    /** A guest-physical stretch of RAM to create: start and size, both multiples of 4 KiB. */
    public record Range(long start, long size) {}

    private final MemoryRegion[] regions;
    private final boolean mapped;
    private final Arena heapArena;
    private boolean closed;

    /** The regions' guest-physical starts and ends, for {@link #dmaRange}'s lookup (one per request buffer). */
    private final long[] starts, ends;

    private GuestMemory(MemoryRegion[] regions, boolean mapped, Arena heapArena) {
        this.regions = regions;
        this.starts = new long[regions.length];
        this.ends = new long[regions.length];
        for (int i = 0; i < regions.length; i++) {
            starts[i] = regions[i].guestPhysAddr();
            ends[i] = regions[i].end();
        }
        this.mapped = mapped;
        this.heapArena = heapArena;
    }

    /** mmap-backed RAM, one region (and KVM slot, numbered from 0) per range. */
    public static GuestMemory map(List<Range> ranges) {
        checkRanges(ranges);
        List<MemoryRegion> made = new ArrayList<>();
        try {
            for (Range r : ranges) {
                MemorySegment host = Libc.mmap(r.size(), Libc.PROT_READ | Libc.PROT_WRITE,
                        Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_NORESERVE, -1, 0,
                        "guest RAM at 0x" + Long.toHexString(r.start()));
                made.add(new MemoryRegion(made.size(), r.start(), host));
            }
        } catch (RuntimeException e) {
            made.forEach(m -> Libc.munmap(m.host()));
            throw e;
        }
        return new GuestMemory(made.toArray(MemoryRegion[]::new), true, null);
    }

    /** Off-heap memory from a confined-free arena, for tests that need no KVM. */
    public static GuestMemory allocate(List<Range> ranges) {
        checkRanges(ranges);
        Arena arena = Arena.ofShared();
        List<MemoryRegion> made = new ArrayList<>();
        for (Range r : ranges) made.add(new MemoryRegion(made.size(), r.start(), arena.allocate(r.size(), 4096)));
        return new GuestMemory(made.toArray(MemoryRegion[]::new), false, arena);
    }

    private static void checkRanges(List<Range> ranges) {
        List<Range> sorted = new ArrayList<>(ranges);
        sorted.sort(Comparator.comparingLong(Range::start));
        long end = 0;
        for (Range r : sorted) {
            if (r.size() <= 0 || (r.size() & 0xfff) != 0 || (r.start() & 0xfff) != 0) {
                throw new IllegalArgumentException("RAM range must be non-empty and 4 KiB aligned: " + r);
            }
            if (r.start() < end) throw new IllegalArgumentException("RAM ranges overlap: " + ranges);
            if (r.start() + r.size() < 0) throw new IllegalArgumentException("RAM range ends past 2^63: " + r);
            end = r.start() + r.size();
        }
    }

    public List<MemoryRegion> regions() { return List.of(regions); }

    /** Total bytes of RAM. */
    public long size() {
        long total = 0;
        for (MemoryRegion r : regions) total += r.size();
        return total;
    }

    /** The region holding [gpa, gpa + length), or null. */
    public MemoryRegion regionOf(long gpa, long length) {
        for (MemoryRegion r : regions) {
            if (r.contains(gpa, length)) return r;
        }
        return null;
    }

    public boolean contains(long gpa, long length) {
        return regionOf(gpa, length) != null;
    }

    /**
     * A device's view of [gpa, gpa + length) for DMA, checked once here: all of it guest RAM, in
     * one region or in regions that are guest-physically contiguous. Otherwise the answer is an
     * invalid range whose every access fails; nothing throws for any {@code gpa} or
     * {@code length}. See {@link DmaRange}.
     */
    public DmaRange dmaRange(long gpa, long length) {
        return DmaRange.of(regions, starts, ends, gpa, length);
    }

    /** A bounds-checked view of [gpa, gpa + length) inside one region. */
    public MemorySegment slice(long gpa, long length) {
        MemoryRegion r = regionOf(gpa, length);
        if (r == null) {
            throw new GuestMemoryException(String.format("guest-physical [0x%x, 0x%x) is outside guest RAM",
                    gpa, gpa + Math.max(length, 0)));
        }
        return r.host().asSlice(gpa - r.guestPhysAddr(), length);
    }

    public void write(long gpa, byte[] bytes) {
        MemorySegment.copy(bytes, 0, slice(gpa, bytes.length), ValueLayout.JAVA_BYTE, 0, bytes.length);
    }

    /**
     * Loads a program segment (ELF PT_LOAD, or an a.out-kludge image): {@code fileSize} bytes of
     * {@code src} from {@code srcOffset} to {@code gpa}, then zeros up to {@code memSize} (the bss).
     */
    public void writeSegment(long gpa, byte[] src, int srcOffset, int fileSize, long memSize) {
        MemorySegment dst = slice(gpa, memSize);
        MemorySegment.copy(src, srcOffset, dst, ValueLayout.JAVA_BYTE, 0, fileSize);
        dst.asSlice(fileSize).fill((byte) 0);
    }

    public void read(long gpa, byte[] into) {
        MemorySegment.copy(slice(gpa, into.length), ValueLayout.JAVA_BYTE, 0, into, 0, into.length);
    }

    public byte[] read(long gpa, int length) {
        byte[] b = new byte[length];
        read(gpa, b);
        return b;
    }

    public int readByte(long gpa) { return Byte.toUnsignedInt(slice(gpa, 1).get(ValueLayout.JAVA_BYTE, 0)); }

    public int readInt(long gpa) { return slice(gpa, 4).get(ValueLayout.JAVA_INT_UNALIGNED, 0); }

    public long readLong(long gpa) { return slice(gpa, 8).get(ValueLayout.JAVA_LONG_UNALIGNED, 0); }

    public void writeByte(long gpa, int value) { slice(gpa, 1).set(ValueLayout.JAVA_BYTE, 0, (byte) value); }

    public void writeInt(long gpa, int value) { slice(gpa, 4).set(ValueLayout.JAVA_INT_UNALIGNED, 0, value); }

    public void writeLong(long gpa, long value) { slice(gpa, 8).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, value); }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (mapped) {
            for (MemoryRegion r : regions) Libc.munmap(r.host());
        } else {
            heapArena.close();
        }
    }
}
