package io.jkvm.loader;

import io.jkvm.boot.CpuMode;
import io.jkvm.boot.Layout;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinuxLayoutTest {
    private static boolean overlaps(long a, long aEnd, long b, long bEnd) {
        return a < bEnd && b < aEnd;
    }

    /** The zero page and command line stay clear of the GDT and long-mode page tables, and of each other, below the EBDA. */
    @Test
    void lowStructuresDoNotCollide() {
        long zp = LinuxLayout.ZERO_PAGE_ADDR, zpEnd = zp + ZeroPage.SIZE;
        long cl = LinuxLayout.CMDLINE_ADDR, clEnd = cl + LinuxLayout.CMDLINE_MAX;
        for (long[] r : Layout.reservedFor(CpuMode.LONG)) {
            assertFalse(overlaps(zp, zpEnd, r[0], r[1]), "zero page vs " + Long.toHexString(r[0]));
            assertFalse(overlaps(cl, clEnd, r[0], r[1]), "command line vs " + Long.toHexString(r[0]));
        }
        assertFalse(overlaps(zp, zpEnd, cl, clEnd));
        assertTrue(clEnd <= LinuxLayout.EBDA_START);
        assertEquals(0, zp % LinuxLayout.PAGE_SIZE);
    }
}
