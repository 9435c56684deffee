package io.jkvm.memory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two regions, [0, 0x10000) and [0x100000, 0x110000), with a gap between them. */
class GuestMemoryTest {
    private static final long LOW_END = 0x10000;
    private static final long HIGH = 0x100000;
    private static final long HIGH_END = 0x110000;

    private final GuestMemory memory = GuestMemory.allocate(List.of(
            new GuestMemory.Range(0, 0x10000), new GuestMemory.Range(HIGH, 0x10000)));

    @AfterEach
    void close() {
        memory.close();
    }

    @Test
    void roundTripsInBothRegions() {
        memory.writeByte(0, 0xab);
        memory.writeInt(0x1001, 0x1234_5678);               // unaligned
        memory.writeLong(LOW_END - 8, 0x0102_0304_0506_0708L); // last 8 bytes of the low region
        memory.writeLong(HIGH, -2L);
        memory.write(HIGH_END - 3, new byte[] {7, 8, 9});

        assertEquals(0xab, memory.readByte(0));
        assertEquals(0x1234_5678, memory.readInt(0x1001));
        assertEquals(0x78, memory.readByte(0x1001), "little-endian");
        assertEquals(0x0102_0304_0506_0708L, memory.readLong(LOW_END - 8));
        assertEquals(-2L, memory.readLong(HIGH));
        assertArrayEquals(new byte[] {7, 8, 9}, memory.read(HIGH_END - 3, 3));
        byte[] into = new byte[2];
        memory.read(HIGH_END - 2, into);
        assertArrayEquals(new byte[] {8, 9}, into);
        assertEquals(0, memory.readInt(0x2000), "fresh memory is zero");
    }

    @Test
    void everyOutOfBoundsAccessThrows() {
        assertOutside(() -> memory.readByte(LOW_END), "just past the low region");
        assertOutside(() -> memory.readByte(HIGH - 1), "just below the high region");
        assertOutside(() -> memory.readByte(HIGH_END), "just past the high region");
        assertOutside(() -> memory.readInt(LOW_END - 2), "straddling the low region's end");
        assertOutside(() -> memory.readLong(HIGH_END - 7), "straddling the high region's end");
        assertOutside(() -> memory.writeLong(HIGH - 4, 0), "straddling the high region's start");
        assertOutside(() -> memory.read(LOW_END - 0x10, (int) (HIGH - LOW_END + 0x20)), "spanning the gap");
        assertOutside(() -> memory.write(0, new byte[(int) LOW_END + 1]), "longer than the region");
        assertOutside(() -> memory.readByte(-1), "negative address");
        assertOutside(() -> memory.readInt(Long.MIN_VALUE), "most negative address");
        assertOutside(() -> memory.readLong(Long.MAX_VALUE - 3), "gpa + len overflows");
        assertOutside(() -> memory.slice(Long.MAX_VALUE, Long.MAX_VALUE), "huge address and length");
        assertOutside(() -> memory.slice(HIGH, Long.MAX_VALUE), "length that overflows the region's end");
        assertOutside(() -> memory.slice(0x100, -1), "negative length");
        assertOutside(() -> memory.slice(HIGH + 0x10, -0x10), "negative length reaching back into RAM");
        assertEquals(0, memory.readByte(LOW_END - 1), "the last byte itself is fine");
    }

    private static void assertOutside(Executable access, String what) {
        GuestMemoryException e = assertThrows(GuestMemoryException.class, access, what);
        assertTrue(e.getMessage().contains("outside guest RAM"), e.getMessage());
    }

    @Test
    void exceptionMessageNamesTheRange() {
        GuestMemoryException e = assertThrows(GuestMemoryException.class, () -> memory.readInt(0xfffe));
        assertEquals("guest-physical [0xfffe, 0x10002) is outside guest RAM", e.getMessage());
    }

    @Test
    void regionOfFindsTheHoldingRegion() {
        MemoryRegion low = memory.regionOf(0x10, 4);
        assertEquals(0, low.slot());
        assertEquals(0, low.guestPhysAddr());
        assertEquals(LOW_END, low.end());
        MemoryRegion high = memory.regionOf(HIGH_END - 8, 8);
        assertEquals(1, high.slot());
        assertEquals(HIGH, high.guestPhysAddr());
        assertEquals(0x10000, high.size());
        assertNull(memory.regionOf(LOW_END - 4, 8));
        assertNull(memory.regionOf(0x20000, 1));
        assertTrue(memory.contains(HIGH, 0x10000));
        assertFalse(memory.contains(HIGH, 0x10001));
        assertEquals(List.of(low, high), memory.regions());
    }

    @Test
    void sizeIsTheSumOfTheRegions() {
        assertEquals(0x20000, memory.size());
    }

    @Test
    void slicesAreViewsOfTheSameMemory() {
        memory.slice(HIGH + 0x100, 4).set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, 0, 0xcafe);
        assertEquals(0xcafe, memory.readInt(HIGH + 0x100));
        assertEquals(4, memory.slice(HIGH + 0x100, 4).byteSize());
    }

    @Test
    void rejectsBadRanges() {
        assertThrows(IllegalArgumentException.class,
                () -> GuestMemory.allocate(List.of(new GuestMemory.Range(0x800, 0x1000))), "unaligned start");
        assertThrows(IllegalArgumentException.class,
                () -> GuestMemory.allocate(List.of(new GuestMemory.Range(0, 0x1800))), "unaligned size");
        assertThrows(IllegalArgumentException.class,
                () -> GuestMemory.allocate(List.of(new GuestMemory.Range(0, 0))), "empty");
        assertThrows(IllegalArgumentException.class,
                () -> GuestMemory.allocate(List.of(new GuestMemory.Range(0, -0x1000))), "negative size");
        assertThrows(IllegalArgumentException.class, () -> GuestMemory.allocate(List.of(
                new GuestMemory.Range(0x2000, 0x2000), new GuestMemory.Range(0, 0x3000))), "overlapping, unsorted");
        assertThrows(IllegalArgumentException.class, () -> GuestMemory.allocate(List.of(
                new GuestMemory.Range(0, 0x2000), new GuestMemory.Range(0x1000, 0x1000))), "one inside the other");
        try (GuestMemory adjacent = GuestMemory.allocate(List.of(
                new GuestMemory.Range(0, 0x1000), new GuestMemory.Range(0x1000, 0x1000)))) {
            assertEquals(0x2000, adjacent.size());
            assertNull(adjacent.regionOf(0xffc, 8), "accesses never cross from one region into the next");
        }
    }
}
