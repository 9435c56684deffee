package io.jkvm;

import io.jkvm.JkvmException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SizesTest {

    @Test
    void sizesWithSuffixes() {
        assertEquals(64L << 20, Sizes.parseSize("64M"));
        assertEquals(1L << 30, Sizes.parseSize("1G"));
        assertEquals(1L << 30, Sizes.parseSize("1g"));
        assertEquals(512L << 10, Sizes.parseSize("512K"));
        assertEquals(2L << 40, Sizes.parseSize("2T"));
        assertEquals(64L << 20, Sizes.parseSize("64MB"));
        assertEquals(64L << 20, Sizes.parseSize(" 64M "));
    }

    @Test
    void plainNumbersAreBytes() {
        assertEquals(4096, Sizes.parseSize("4096"));
        assertEquals(4096, Sizes.parseSize("0x1000"));
        assertEquals(0x1b, Sizes.parseSize("0x1B"), "B is a hex digit after 0x, not 'bytes'");
        assertEquals(16L << 20, Sizes.parseSize("0x10M"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "abc", "M", "12Q", "1.5G", "-1M", "-4096", "0x", "99999999999G"})
    void badSizesAreRejected(String text) {
        assertThrows(JkvmException.class, () -> Sizes.parseSize(text));
    }

    @Test
    void badSizeMessageShowsAnExample() {
        JkvmException e = assertThrows(JkvmException.class, () -> Sizes.parseSize("lots"));
        assertEquals("cannot read size 'lots': give a number with an optional K, M or G suffix, e.g. 64M", e.getMessage());
    }

    @Test
    void numbers() {
        assertEquals(4096, Sizes.parseNumber("4096"));
        assertEquals(0x1000, Sizes.parseNumber("0x1000"));
        assertEquals(0xABCD, Sizes.parseNumber("0XabCD"));
        assertEquals(5, Sizes.parseNumber("0b101"));
        assertEquals(0x1000_0000, Sizes.parseNumber("0x1000_0000"));
        assertEquals(-1L, Sizes.parseNumber("0xffffffffffffffff"), "unsigned 64-bit");
        assertThrows(JkvmException.class, () -> Sizes.parseNumber("12abc"));
        assertThrows(JkvmException.class, () -> Sizes.parseNumber("0x10000000000000000"));
    }

    @Test
    void durations() {
        assertEquals(Duration.ofMillis(500), Sizes.parseDuration("500ms"));
        assertEquals(Duration.ofSeconds(10), Sizes.parseDuration("10s"));
        assertEquals(Duration.ofMinutes(2), Sizes.parseDuration("2m"));
        assertEquals(Duration.ofMillis(1500), Sizes.parseDuration("1.5s"));
        assertEquals(Duration.ofHours(1), Sizes.parseDuration("1h"));
        assertEquals(Duration.ofSeconds(3), Sizes.parseDuration("3"), "a bare number is seconds");
        assertEquals(Duration.ofSeconds(10), Sizes.parseDuration("10S"));
        assertEquals(Duration.ofSeconds(90), Sizes.parseDuration("1.5m"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-5s", "0", "0ms"})
    void durationsMustBePositive(String text) {
        JkvmException e = assertThrows(JkvmException.class, () -> Sizes.parseDuration(text));
        assertEquals("duration '" + text + "' must be positive, e.g. 500ms or 10s", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abc", "ms", "s", "5 minutes", "1.5q", "10x"})
    void badDurationsAreRejected(String text) {
        JkvmException e = assertThrows(JkvmException.class, () -> Sizes.parseDuration(text));
        assertEquals("cannot read duration '" + text + "': give e.g. 500ms, 10s or 2m", e.getMessage());
    }

    @Test
    void formatWholeSizes() {
        assertEquals("24 GiB", Sizes.format(24L << 30));
        assertEquals("512 bytes", Sizes.format(512));
        assertEquals("unknown", Sizes.format(Long.MAX_VALUE));
    }
}
