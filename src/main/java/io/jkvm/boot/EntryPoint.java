package io.jkvm.boot;

/**
 * Where a vCPU starts. In real mode an entry is a segment and an offset (CS:IP); a plain
 * address is split into CS = (address >> 4) & 0xF000 and IP = the rest, so that any address
 * below 1 MiB is reachable. In protected and long mode the entry is a linear address (RIP).
 */
public record EntryPoint(long address, int segment, boolean segmented) {
    public static EntryPoint linear(long address) { return new EntryPoint(address, 0, false); }

    public static EntryPoint realMode(int segment, int offset) {
        return new EntryPoint(((long) segment << 4) + offset, segment, true);
    }

    /** CS selector in real mode. */
    public int realModeSegment() {
        return segmented ? segment : (int) ((address >> 4) & 0xF000);
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
