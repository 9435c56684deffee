package io.jkvm.boot;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EntryPointTest {

    @Test
    void linearAddressBelow64KiBHasCsZero() {
        EntryPoint e = EntryPoint.linear(0x1000);
        assertEquals(0, e.realModeSegment());
        assertEquals(0x1000, e.realModeOffset());
        assertEquals("0x1000", e.toString());
    }

    @Test
    void linearAddressIsSplitIntoA64KiBAlignedSegment() {
        EntryPoint e = EntryPoint.linear(0x12345);
        assertEquals(0x1000, e.realModeSegment());
        assertEquals(0x2345, e.realModeOffset());
        EntryPoint top = EntryPoint.linear(0xfffff);
        assertEquals(0xf000, top.realModeSegment());
        assertEquals(0xffff, top.realModeOffset());
    }

    @Test
    void segmentAndOffsetAreKeptAsGiven() {
        EntryPoint e = EntryPoint.realMode(0x1000, 0x10);
        assertEquals(0x10010, e.address());
        assertEquals(0x1000, e.realModeSegment());
        assertEquals(0x10, e.realModeOffset());
        assertEquals("1000:0010", e.toString());

        EntryPoint reset = EntryPoint.realMode(0xf000, 0xfff0);
        assertEquals(0xffff0, reset.address());
        assertEquals(0xf000, reset.realModeSegment());
        assertEquals(0xfff0, reset.realModeOffset());
    }

    @Test
    void highMemoryAreaIsReachedThroughSegmentFfff() {
        EntryPoint e = EntryPoint.linear(0x100000);
        assertEquals(0xffff, e.realModeSegment());
        assertEquals(0x10, e.realModeOffset());
        EntryPoint last = EntryPoint.linear(EntryPoint.REAL_MODE_LIMIT - 1);
        assertEquals(0xffff, last.realModeSegment());
        assertEquals(0xffff, last.realModeOffset());
    }
}
