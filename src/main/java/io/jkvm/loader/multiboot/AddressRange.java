package io.jkvm.loader.multiboot;

/** Guest-physical [start, end). */
public record AddressRange(long start, long end) {
    public AddressRange {
        if (start < 0 || end < start) throw new IllegalArgumentException(String.format("bad range [0x%x, 0x%x)", start, end));
    }

    public long size() { return end - start; }

    /** True if the two share a byte. */
    public boolean overlaps(AddressRange other) {
        return start < other.end && other.start < end;
    }

    @Override
    public String toString() { return String.format("[0x%x, 0x%x)", start, end); }
}
