package io.jkvm.devices;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CmosRtcTest {
    /** A clock the test moves by hand. */
    static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(String instant) { this.now = Instant.parse(instant); }

        void advance(Duration d) { now = now.plus(d); }

        void set(String instant) { now = Instant.parse(instant); }

        @Override public ZoneId getZone() { return ZoneOffset.UTC; }

        @Override public Clock withZone(ZoneId zone) { return this; }

        @Override public Instant instant() { return now; }
    }

    // Friday 15 March 2024, 13:45:30.5 UTC
    private final MutableClock clock = new MutableClock("2024-03-15T13:45:30.500Z");
    private final List<Boolean> irq = new ArrayList<>();
    private final CmosRtc rtc = new CmosRtc(clock, irq::add);

    private int cmos(int index) {
        rtc.write(0, 1, index);
        return (int) rtc.read(1, 1);
    }

    private void cmos(int index, int value) {
        rtc.write(0, 1, index);
        rtc.write(1, 1, value);
    }

    private int[] time() {
        return new int[] {cmos(0x00), cmos(0x02), cmos(0x04), cmos(0x06), cmos(0x07), cmos(0x08), cmos(0x09), cmos(0x32)};
    }

    private static int[] bytes(int... b) { return b; }

    @Test
    void registersStartAtTheirResetValues() {
        assertEquals(0x26, cmos(0x0a));
        assertEquals(0x02, cmos(0x0b));
        assertEquals(0x00, cmos(0x0c));
        assertEquals(0x80, cmos(0x0d));
    }

    @Test
    void timeReadsInBcdAnd24HoursByDefault() {
        // sec, min, hour, day of week (Friday = 6), day, month, year, century
        assertArrayEquals(bytes(0x30, 0x45, 0x13, 0x06, 0x15, 0x03, 0x24, 0x20), time());
    }

    @Test
    void timeReadsInBinaryWhenDmIsSet() {
        cmos(0x0b, 0x06);
        assertArrayEquals(bytes(30, 45, 13, 6, 15, 3, 24, 20), time());
    }

    @Test
    void twelveHourModeSetsThePmBit() {
        cmos(0x0b, 0x00); // 12-hour BCD
        assertEquals(0x81, cmos(0x04)); // 1 PM
        clock.set("2024-03-15T00:10:00Z");
        assertEquals(0x12, cmos(0x04)); // midnight is 12 AM
        clock.set("2024-03-15T12:10:00Z");
        assertEquals(0x92, cmos(0x04)); // noon is 12 PM
        clock.set("2024-03-15T23:10:00Z");
        assertEquals(0x91, cmos(0x04));
        cmos(0x0b, 0x04); // 12-hour binary
        assertEquals(0x8b, cmos(0x04));
        clock.set("2024-03-15T12:10:00Z");
        assertEquals(0x8c, cmos(0x04));
        clock.set("2024-03-15T09:10:00Z");
        assertEquals(0x09, cmos(0x04));
    }

    @Test
    void timeFollowsTheClock() {
        clock.advance(Duration.ofSeconds(5));
        assertEquals(0x35, cmos(0x00));
        clock.set("2099-12-31T23:59:59Z");
        assertArrayEquals(bytes(0x59, 0x59, 0x23, 0x05, 0x31, 0x12, 0x99, 0x20), time()); // a Thursday
        clock.advance(Duration.ofSeconds(1));
        assertArrayEquals(bytes(0x00, 0x00, 0x00, 0x06, 0x01, 0x01, 0x00, 0x21), time());
    }

    @Test
    void indexBit7IsTheNmiDisableBitAndIsMaskedOff() {
        rtc.write(0, 1, 0x80 | 0x0a);
        assertTrue(rtc.nmiDisabled());
        assertEquals(0x26, rtc.read(1, 1));
        rtc.write(0, 1, 0x0d);
        assertFalse(rtc.nmiDisabled());
        assertEquals(0x80, rtc.read(1, 1));
        rtc.write(0, 1, 0x80 | 0x40);
        rtc.write(1, 1, 0x5a);
        assertEquals(0x5a, cmos(0x40));
    }

    @Test
    void theIndexPortReadsAllOnes() {
        assertEquals(0xff, rtc.read(0, 1));
    }

    @Test
    void aWordWriteAtTheIndexPortSetsIndexThenData() {
        rtc.write(0, 2, 0x06_0b); // index 0x0b, then 0x06 to register B
        assertEquals(0x06, cmos(0x0b));
        rtc.write(0, 1, 0x0b);
        assertEquals(0x06_ff, rtc.read(0, 2));
    }

    @Test
    void timeSetWithSetBitPersistsRelativeToTheClock() {
        // The sequence of Linux's mc146818_set_time.
        cmos(0x0b, 0x82);
        cmos(0x0a, 0x26 | 0x70);
        cmos(0x09, 0x99);
        cmos(0x08, 0x12);
        cmos(0x07, 0x31);
        cmos(0x04, 0x08);
        cmos(0x02, 0x00);
        cmos(0x00, 0x00);
        cmos(0x32, 0x19);
        clock.advance(Duration.ofSeconds(3)); // frozen while SET = 1
        assertEquals(0x00, cmos(0x00));
        assertEquals(0x00, cmos(0x0a) & 0x80);
        cmos(0x0b, 0x02);
        cmos(0x0a, 0x26);
        assertArrayEquals(bytes(0x00, 0x00, 0x08, 0x06, 0x31, 0x12, 0x99, 0x19), time()); // 31 Dec 1999 was a Friday
        clock.advance(Duration.ofSeconds(61));
        assertArrayEquals(bytes(0x01, 0x01, 0x08, 0x06, 0x31, 0x12, 0x99, 0x19), time());
    }

    @Test
    void settingTheSetBitClearsUie() {
        cmos(0x0b, 0x92);
        assertEquals(0x82, cmos(0x0b));
    }

    @Test
    void aTimeWriteWithSetClearTakesEffectAtOnce() {
        cmos(0x02, 0x10);
        assertEquals(0x10, cmos(0x02));
        assertEquals(0x30, cmos(0x00));
        assertEquals(0x13, cmos(0x04));
        clock.advance(Duration.ofSeconds(2));
        assertEquals(0x32, cmos(0x00));
    }

    @Test
    void garbageTimeIsClampedNotThrown() {
        cmos(0x0b, 0x82);
        cmos(0x08, 0x99);
        cmos(0x07, 0x45);
        cmos(0x04, 0xff);
        cmos(0x0b, 0x02);
        assertEquals(0x12, cmos(0x08));
        assertEquals(0x31, cmos(0x07));
        assertEquals(0x23, cmos(0x04));
    }

    @Test
    void uipIsSetOnlyInTheLast244MicrosecondsOfASecond() {
        assertEquals(0x26, cmos(0x0a));
        clock.set("2024-03-15T13:45:30.999755Z");
        assertEquals(0x26, cmos(0x0a));
        clock.set("2024-03-15T13:45:30.999756Z");
        assertEquals(0xa6, cmos(0x0a));
        cmos(0x0b, 0x82);
        assertEquals(0x26, cmos(0x0a)); // no updates while SET = 1
    }

    @Test
    void registerAKeepsDividerAndRateButNotUip() {
        cmos(0x0a, 0xff);
        assertEquals(0x7f, cmos(0x0a));
    }

    @Test
    void registersCAndDAreReadOnly() {
        cmos(0x0c, 0xff);
        cmos(0x0d, 0x00);
        assertEquals(0x00, cmos(0x0c));
        assertEquals(0x80, cmos(0x0d));
    }

    @Test
    void updateFlagIsSetEachSecondAndClearedByReadingC() {
        cmos(0x0a, 0x20); // rate 0: no PF to hide UF
        assertEquals(0x00, cmos(0x0c));
        clock.advance(Duration.ofMillis(400));
        assertEquals(0x00, cmos(0x0c));
        clock.advance(Duration.ofMillis(200));
        assertEquals(0x10, cmos(0x0c)); // UF, no IRQF: UIE is clear
        assertEquals(0x00, cmos(0x0c));
        assertEquals(List.of(), irq);
    }

    @Test
    void updateInterruptRaisesIrq8UntilCIsRead() {
        cmos(0x0a, 0x20);
        cmos(0x0b, 0x12);
        clock.advance(Duration.ofSeconds(1));
        assertEquals(List.of(), irq); // nothing runs until the VM ticks or the guest reads C
        rtc.tick();
        assertEquals(List.of(true), irq);
        assertEquals(0x90, cmos(0x0c));
        assertEquals(List.of(true, false), irq);
    }

    @Test
    void periodicFlagFollowsTheRate() {
        cmos(0x0b, 0x42); // PIE, 1024 Hz from reset value of A
        assertEquals(Instant.parse("2024-03-15T13:45:30.500976563Z"), rtc.nextEvent());
        clock.advance(Duration.ofNanos(976_000));
        rtc.tick();
        assertEquals(List.of(), irq);
        clock.advance(Duration.ofNanos(1_000));
        rtc.tick();
        assertEquals(List.of(true), irq);
        assertEquals(0xc0, cmos(0x0c));
        cmos(0x0a, 0x2f); // 2 Hz
        assertEquals(Instant.parse("2024-03-15T13:45:31Z"), rtc.nextEvent());
        cmos(0x0a, 0x20); // rate 0: no periodic interrupt
        assertNull(rtc.nextEvent());
    }

    @Test
    void periodicFlagIsSetAtTheResetRateEvenWithPieClear() {
        clock.advance(Duration.ofMillis(1));
        assertEquals(0x40, cmos(0x0c)); // PF without IRQF
        assertEquals(List.of(), irq);
    }

    @Test
    void enablingPieWithPfSetRaisesTheLine() {
        clock.advance(Duration.ofMillis(2));
        rtc.tick(); // PF set, PIE clear
        assertEquals(List.of(), irq);
        cmos(0x0b, 0x42);
        assertEquals(List.of(true), irq);
    }

    @Test
    void alarmFiresWhenAnUpdateMatches() {
        cmos(0x0a, 0x20);
        cmos(0x01, 0x35);
        cmos(0x03, 0x45);
        cmos(0x05, 0x13);
        cmos(0x0b, 0x22); // AIE
        assertEquals(Instant.parse("2024-03-15T13:45:35Z"), rtc.nextEvent());
        clock.set("2024-03-15T13:45:34.900Z");
        assertEquals(0x10, cmos(0x0c)); // updates, no alarm yet
        clock.set("2024-03-15T13:45:35.100Z");
        assertEquals(0xb0, cmos(0x0c)); // IRQF | AF | UF
        assertEquals(List.of(true, false), irq);
    }

    @Test
    void alarmDontCareBytesMatchEveryValue() {
        cmos(0x0a, 0x20);
        cmos(0x01, 0x00);
        cmos(0x03, 0xc0);
        cmos(0x05, 0xff);
        cmos(0x0b, 0x22);
        assertEquals(Instant.parse("2024-03-15T13:46:00Z"), rtc.nextEvent());
        clock.set("2024-03-15T13:47:00.001Z");
        assertEquals(0xb0, cmos(0x0c));
    }

    @Test
    void alarmIn12HourBinaryMode() {
        cmos(0x0b, 0x24); // AIE, binary, 12-hour
        cmos(0x01, 0);
        cmos(0x03, 0);
        cmos(0x05, 0x82); // 2 PM
        assertEquals(Instant.parse("2024-03-15T14:00:00Z"), rtc.nextEvent());
    }

    @Test
    void nextEventFollowsAGuestSetTime() {
        cmos(0x0b, 0x82);
        cmos(0x00, 0x00);
        cmos(0x02, 0x00);
        cmos(0x04, 0x00);
        cmos(0x0b, 0x12); // SET off, UIE on: RTC reads 00:00:00 now
        assertEquals(Instant.parse("2024-03-15T13:45:31.500Z"), rtc.nextEvent());
    }

    @Test
    void cmosRamRoundTrips() {
        for (int i = 0x0e; i < 0x80; i++) {
            if (i == 0x32) continue; // century: a time register
            cmos(i, i ^ 0xa5);
        }
        for (int i = 0x0e; i < 0x80; i++) {
            if (i == 0x32) continue;
            assertEquals(i ^ 0xa5, cmos(i), "CMOS byte 0x" + Integer.toHexString(i));
        }
        cmos(0x01, 0x59); // alarm bytes are plain storage too
        assertEquals(0x59, cmos(0x01));
        rtc.setRam(0x5f, 3);
        assertEquals(3, cmos(0x5f));
        assertEquals(3, rtc.ram(0x5f));
    }

    @Test
    void memorySizesAreStoredAsQemuStoresThem() {
        rtc.setMemorySize(512L << 20, 0);
        assertArrayEquals(bytes(0x80, 0x02, 0xff, 0xff), bytes(cmos(0x15), cmos(0x16), cmos(0x17), cmos(0x18)));
        assertArrayEquals(bytes(0xff, 0xff, 0x00, 0x1f), bytes(cmos(0x30), cmos(0x31), cmos(0x34), cmos(0x35)));
        assertArrayEquals(bytes(0, 0, 0), bytes(cmos(0x5b), cmos(0x5c), cmos(0x5d)));

        rtc.setMemorySize(3L << 30, 5L << 30);
        assertArrayEquals(bytes(0x00, 0xbf), bytes(cmos(0x34), cmos(0x35))); // (3 GiB - 16 MiB) / 64 KiB = 0xbf00
        assertArrayEquals(bytes(0x00, 0x40, 0x01), bytes(cmos(0x5b), cmos(0x5c), cmos(0x5d))); // 5 GiB / 64 KiB = 0x14000

        rtc.setMemorySize(8L << 20, 0);
        assertArrayEquals(bytes(0x00, 0x1c, 0x00, 0x1c), bytes(cmos(0x17), cmos(0x18), cmos(0x30), cmos(0x31))); // 7168 KiB
        assertArrayEquals(bytes(0, 0), bytes(cmos(0x34), cmos(0x35)));
    }

    private static void assertArrayEquals(int[] expected, int[] actual) {
        org.junit.jupiter.api.Assertions.assertEquals(hex(expected), hex(actual));
    }

    private static String hex(int[] values) {
        StringBuilder s = new StringBuilder();
        for (int v : values) s.append(String.format("%02x ", v));
        return s.toString().trim();
    }
}
