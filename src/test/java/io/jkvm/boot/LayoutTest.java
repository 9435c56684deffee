package io.jkvm.boot;

import io.jkvm.memory.GuestMemory;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LayoutTest {
    private static final long M = 1L << 20;
    private static final long G = 1L << 30;

    @Test
    void smallRamIsOneRangeFromZero() {
        assertEquals(List.of(new GuestMemory.Range(0, 64 * M)), Layout.ramRanges(64 * M));
        assertEquals(List.of(new GuestMemory.Range(0, 3 * G)), Layout.ramRanges(3 * G), "exactly up to the hole");
    }

    @Test
    void ramPastThreeGigabytesMovesAboveFour() {
        assertEquals(List.of(new GuestMemory.Range(0, 3 * G), new GuestMemory.Range(4 * G, G)), Layout.ramRanges(4 * G));
        assertEquals(List.of(new GuestMemory.Range(0, 3 * G), new GuestMemory.Range(4 * G, 4096)),
                Layout.ramRanges(3 * G + 4096));
    }

    @Test
    void reservedRangesPerMode() {
        assertEquals(0, Layout.reservedFor(CpuMode.REAL).size());

        List<long[]> prot = Layout.reservedFor(CpuMode.PROTECTED);
        assertEquals(1, prot.size());
        assertArrayEquals(new long[] {0x500, 0x1000}, prot.get(0));

        List<long[]> lng = Layout.reservedFor(CpuMode.LONG);
        assertEquals(2, lng.size());
        assertArrayEquals(new long[] {0x500, 0x1000}, lng.get(0));
        assertArrayEquals(new long[] {0x9000, 0xF000}, lng.get(1));
    }

    @Test
    void defaultLoadAddresses() {
        assertEquals(0x1000, Layout.defaultLoadAddress(CpuMode.REAL));
        assertEquals(0x100000, Layout.defaultLoadAddress(CpuMode.PROTECTED));
        assertEquals(0x100000, Layout.defaultLoadAddress(CpuMode.LONG));
    }

    @Test
    void kvmPagesSitInTheMmioHoleBelowFourGigabytes() {
        assertEquals(0xFEFF_C000L, Layout.IDENTITY_MAP_ADDR);
        assertEquals(0xFFFB_D000L, Layout.TSS_ADDR);
        // The TSS takes three pages; it and the identity-map page stay inside the hole and apart.
        assertTrue(Layout.IDENTITY_MAP_ADDR + 0x1000 <= Layout.TSS_ADDR);
        assertTrue(Layout.TSS_ADDR + 3 * 0x1000 <= Layout.HIGH_RAM_START);
        assertTrue(Layout.IDENTITY_MAP_ADDR >= Layout.MMIO_HOLE_START);
    }
}
