package io.jkvm.qemu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** qemu_strtosz sizes and strtoull base-0 integers. */
class QemuNumbersTest {
    @Test
    void sizesWithSuffixes() {
        assertEquals(4096, QemuNumbers.size("4096", 1));
        assertEquals(1, QemuNumbers.size("1B", 1));
        assertEquals(2048, QemuNumbers.size("2k", 1));
        assertEquals(2048, QemuNumbers.size("2K", 1));
        assertEquals(64L << 20, QemuNumbers.size("64M", 1));
        assertEquals(64L << 20, QemuNumbers.size("64m", 1));
        assertEquals(3L << 30, QemuNumbers.size("3G", 1));
        assertEquals(1L << 40, QemuNumbers.size("1T", 1));
        assertEquals(1L << 50, QemuNumbers.size("1P", 1));
        assertEquals(7L << 60, QemuNumbers.size("7E", 1));
        assertEquals(10, QemuNumbers.size("010", 1), "sizes are decimal: a leading 0 is not octal");
    }

    @Test
    void defaultUnitAppliesWithoutASuffix() {
        assertEquals(256L << 20, QemuNumbers.size("256", 1L << 20));
        assertEquals(256, QemuNumbers.size("256B", 1L << 20));
        assertEquals(1L << 30, QemuNumbers.size("1G", 1L << 20));
    }

    @Test
    void fractionsNeedAUnitAndRoundToTheNearestByte() {
        assertEquals(1536, QemuNumbers.size("1.5k", 1));
        assertEquals(1024, QemuNumbers.size("1.k", 1));
        assertEquals(524288, QemuNumbers.size("0.5M", 1));
        assertEquals(1610612736L, QemuNumbers.size("1.5G", 1));
        assertEquals(12944671, QemuNumbers.size("12.345M", 1));  // QEMU: (uint64_t)(12.345 * MiB + 0.5)
        assertEquals(1, QemuNumbers.size("1.0", 1), "a zero fraction needs no unit");
        assertEquals(3L << 19, QemuNumbers.size("1.5", 1L << 20));
    }

    @Test
    void hexSizes() {
        assertEquals(30, QemuNumbers.size("0x1E", 1), "E is a hex digit here, not exbibytes");
        assertEquals(0x100L << 20, QemuNumbers.size("0x100", 1L << 20));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-1", "-0", " 1", "1 ", "+1", "1.5", "1.5B", "0x", "0x1.8", "0x10M", "12Q", "1e3",
            "1.5e3", "64MB", "M", "abc", "1,5"})
    void notSizes(String text) {
        assertThrows(NumberFormatException.class, () -> QemuNumbers.size(text, 1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"8E", "16E", "18446744073709551615", "9223372036854775808", "99999999999999999999999"})
    void sizesOutOfRange(String text) {
        assertThrows(ArithmeticException.class, () -> QemuNumbers.size(text, 1));
    }

    @Test
    void unsignedIsBaseZero() {
        assertEquals(0, QemuNumbers.unsigned("0"));
        assertEquals(10, QemuNumbers.unsigned("10"));
        assertEquals(8, QemuNumbers.unsigned("010"));
        assertEquals(31, QemuNumbers.unsigned("0x1f"));
        assertEquals(31, QemuNumbers.unsigned("0X1F"));
        assertEquals(0xf4, QemuNumbers.unsigned("0xf4"));
        assertEquals(Long.MAX_VALUE, QemuNumbers.unsigned("9223372036854775807"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "08", "0x", "-1", "+1", "1a", "0xg", "1.0", " 1", "\u0661"})
    void notUnsigned(String text) {
        assertThrows(NumberFormatException.class, () -> QemuNumbers.unsigned(text));
    }

    @Test
    void unsignedOutOfRange() {
        assertThrows(ArithmeticException.class, () -> QemuNumbers.unsigned("9223372036854775808"));
        assertThrows(ArithmeticException.class, () -> QemuNumbers.unsigned("0xffffffffffffffff"));
    }
}
