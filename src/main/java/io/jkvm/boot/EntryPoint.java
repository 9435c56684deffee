package io.jkvm.boot;

/**
 * Where a vCPU starts. In real mode an entry is a segment and an offset (CS:IP); a plain
 * address below 1 MiB is split into CS = (address >> 4) & 0xF000 and IP = the rest; from
 * 1 MiB up to {@link #REAL_MODE_LIMIT} (the "high memory area", reachable with A20 on) CS is
 * 0xFFFF. In protected and long mode the entry is a linear address (RIP).
 */
public record EntryPoint(long address, int segment, boolean segmented) {
    /** One past the highest real-mode address, 0xFFFF:0xFFFF. */
    public static final long REAL_MODE_LIMIT = 0xFFFF0L + 0x10000L;

    public static EntryPoint linear(long address) { return new EntryPoint(address, 0, false); }

    public static EntryPoint realMode(int segment, int offset) {
        return new EntryPoint(((long) segment << 4) + offset, segment, true);
    }

    /** CS selector in real mode. */
    public int realModeSegment() {
        if (segmented) return segment;
        return address < 0x10_0000 ? (int) ((address >> 4) & 0xF000) : 0xFFFF;
    }

    /** IP in real mode. */
    public long realModeOffset() {
        return address - ((long) realModeSegment() << 4);
    }

    @Override
    public String toString() {
        return segmented ? String.format("%04x:%04x", segment, realModeOffset()) : String.format("0x%x", address);
    }
}
