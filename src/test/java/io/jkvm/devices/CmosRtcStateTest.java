package io.jkvm.devices;

import io.jkvm.state.StateAssertions;
import io.jkvm.state.StateAssertions.Access;
import io.jkvm.state.StateFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.jkvm.state.StateAssertions.assertSaveRestoreSave;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CmosRtcStateTest {
    private static final String START = "2024-03-15T13:45:30.500Z";
    /** Indexes of the registers, RAM bytes and the NMI bit; B values with SET, the enables and the modes. */
    private static final int[] VALUES = {0x00, 0x01, 0x02, 0x04, 0x05, 0x07, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x32, 0x8c, 0x40,
        0x26, 0x2f, 0x82, 0x86, 0x72, 0x76, 0x12, 0x02, 0x06, 0xc0, 0x59, 0x23};

    private static final class Rtc {
        final CmosRtcTest.MutableClock clock = new CmosRtcTest.MutableClock(START);
        final List<Boolean> irq = new ArrayList<>();
        final CmosRtc rtc = new CmosRtc(clock, irq::add);
    }

    private static String drive(Rtc r, Random random, int steps) {
        StringBuilder trace = new StringBuilder();
        for (int i = 0; i < steps; i++) {
            switch (random.nextInt(6)) {
                case 0 -> r.clock.advance(Duration.ofMillis(random.nextInt(3000)));
                case 1 -> r.rtc.tick();
                default -> {
                    Access a = StateAssertions.randomAccess(random, CmosRtc.PORT_COUNT, new int[] {1, 1, 2}, VALUES);
                    trace.append(Long.toHexString(a.applyTo(r.rtc))).append(',');
                }
            }
        }
        return trace.append(level(r)).toString();
    }

    private static boolean level(Rtc r) {
        return !r.irq.isEmpty() && r.irq.getLast();
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
    void randomAccessesSurviveARestore(long seed) {
        Rtc original = new Rtc();
        drive(original, new Random(seed), 400);

        Rtc restored = new Rtc();
        restored.clock.set(original.clock.instant().toString());
        assertSaveRestoreSave(original.rtc, restored.rtc, CmosRtcState::readFrom);
        assertEquals(level(original), restored.irq.getLast());

        assertEquals(drive(original, new Random(~seed), 400), drive(restored, new Random(~seed), 400),
                "the same accesses at the same times read the same values");
        assertEquals(original.rtc.state(), restored.rtc.state());
    }

    @Test
    void aRestoredClockHasRunOnMeanwhile() {
        Rtc original = new Rtc();
        original.rtc.write(0, 1, CmosRtc.HOURS);
        assertEquals(0x13, original.rtc.read(1, 1));
        Rtc later = new Rtc();
        later.clock.advance(Duration.ofHours(2));
        later.rtc.restore(original.rtc.state());
        assertEquals(0x15, later.rtc.read(1, 1), "index restored, and the RTC follows the host clock plus its offset");
    }

    @Test
    void resetKeepsTimeAndRamButClearsInterrupts() {
        Rtc r = new Rtc();
        r.rtc.setRam(0x40, 0x5a);
        r.rtc.write(0, 2, CmosRtc.REG_B | 0x7200); // B = PIE | AIE | UIE | 24h, BCD
        r.clock.advance(Duration.ofSeconds(2));
        r.rtc.tick();
        assertEquals(true, r.irq.getLast());
        r.rtc.reset();
        assertEquals(false, r.irq.getLast());
        CmosRtcState s = r.rtc.state();
        assertEquals(0x02, s.regB(), "PIE, AIE, UIE, SQWE cleared; data mode kept");
        assertEquals(0, s.regC());
        assertEquals(0x5a, r.rtc.ram(0x40));
        r.rtc.write(0, 1, CmosRtc.SECONDS);
        assertEquals(0x32, r.rtc.read(1, 1), "the clock runs on: 13:45:32");
    }

    @Test
    void corruptOrTruncatedStateIsRefused() {
        Rtc r = new Rtc();
        drive(r, new Random(7), 300);
        byte[] bytes = StateAssertions.encode(r.rtc.state());
        StateAssertions.assertTruncationsRefused(bytes, CmosRtcState::readFrom);
        StateAssertions.assertCorruptionsHandled(bytes, CmosRtcState::readFrom, new Rtc().rtc);
        byte[] farFuture = bytes.clone();
        farFuture[10 + 128 + 5 + 7] = 0x7f; // offset seconds, top byte
        StateFormatException e = assertThrows(StateFormatException.class, () -> StateAssertions.decode(farFuture, CmosRtcState::readFrom));
        assertTrue(e.getMessage().contains("beyond the RTC's years"), e.getMessage());
    }
}
