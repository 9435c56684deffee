package io.jkvm.acpi;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ChecksumTest {
    @Test
    void sumIsModulo256() {
        assertEquals(0x2f2 & 0xff, Checksum.sum(TableAssertions.hex("47 01 F8 03 F8 03 01 08 22 10 00 79"), 0, 12));
        assertEquals(0, Checksum.sum(new byte[] {(byte) 0x80, (byte) 0x80}, 0, 2));
    }

    @Test
    void setMakesTheCoveredBytesSumToZeroAndLeavesTheRestAlone() {
        byte[] b = {1, 2, 3, 99, 5, 7};
        Checksum.set(b, 3, 0, 5);
        assertEquals((byte) -11, b[3]);
        assertEquals(0, Checksum.sum(b, 0, 5));
        assertEquals(7, b[5]);
    }

    @Test
    void setIgnoresTheOldChecksumByte() {
        byte[] a = {10, 20, 0};
        byte[] b = {10, 20, 55};
        Checksum.set(a, 2, 0, 3);
        Checksum.set(b, 2, 0, 3);
        assertEquals(a[2], b[2]);
    }

    @Test
    void theChecksumByteMustBeCovered() {
        assertThrows(IllegalArgumentException.class, () -> Checksum.set(new byte[10], 9, 0, 9));
    }
}
