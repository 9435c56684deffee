package io.jkvm.acpi;

import org.junit.jupiter.api.Test;

import static io.jkvm.acpi.TableAssertions.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** ACPI 6.5 20.2.4: the encoded length counts the PkgLength bytes themselves. */
class PkgLengthTest {
    @Test
    void oneByteUpTo63() {
        assertArrayEquals(hex("01"), PkgLength.of(0));
        assertArrayEquals(hex("0B"), PkgLength.of(10));
        assertArrayEquals(hex("3F"), PkgLength.of(62));
    }

    @Test
    void twoBytesFrom64To4095() {
        // 63 + 1 = 64 does not fit one byte; with two bytes the length is 65 = 0x041: nibble 1, then 0x04.
        assertArrayEquals(hex("41 04"), PkgLength.of(63));
        assertArrayEquals(hex("4F FF"), PkgLength.of(0xfff - 2));
    }

    @Test
    void threeBytesUpTo2To20() {
        // 4094 + 3 = 4097 = 0x1001
        assertArrayEquals(hex("81 00 01"), PkgLength.of(0xfff - 1));
        assertArrayEquals(hex("8F FF FF"), PkgLength.of(0xf_ffff - 3));
    }

    @Test
    void fourBytesUpTo2To28() {
        // 2^20 + 4 = 0x100004
        assertArrayEquals(hex("C4 00 00 01"), PkgLength.of(0x10_0000));
        assertArrayEquals(hex("CF FF FF FF"), PkgLength.of(0xfff_ffff - 4));
    }

    @Test
    void longerPackagesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> PkgLength.of(0xfff_ffff - 3));
        assertThrows(IllegalArgumentException.class, () -> PkgLength.of(-1));
    }

    @Test
    void wrapPrefixesTheBody() {
        assertArrayEquals(hex("03 AA BB"), PkgLength.wrap(hex("AA BB")));
    }
}
