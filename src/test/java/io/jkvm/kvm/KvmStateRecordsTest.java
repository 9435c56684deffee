package io.jkvm.kvm;

import io.jkvm.state.StateAssertions;
import io.jkvm.state.StateFormatException;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The byte form of the in-kernel chips' state records, without KVM. */
class KvmStateRecordsTest {
    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] pit(int count0, int mode0) {
        byte[] b = new byte[PitState.SIZE];
        for (int c = 0; c < 3; c++) {
            int at = c * 24;
            b[at] = (byte) count0;
            b[at + 1] = (byte) (count0 >> 8);
            b[at + 2] = (byte) (count0 >> 16);
            b[at + (int) KvmPitState2.MODE] = (byte) mode0;
            for (int i = 0; i < 8; i++) b[at + 16 + i] = (byte) (0x11 * (i + 1)); // count_load_time
        }
        return b;
    }

    @Test
    void irqchipRoundTrip() {
        IrqchipState s = new IrqchipState(random(16, 1), random(16, 2), random(216, 3));
        byte[] bytes = StateAssertions.encode(s);
        assertEquals(10 + 16 + 16 + 216, bytes.length);
        assertEquals(s, StateAssertions.decode(bytes, IrqchipState::readFrom));
        StateAssertions.assertTruncationsRefused(bytes, IrqchipState::readFrom);
        assertEquals(s.picMaster()[2] & 0xff, s.pic(true, KvmIrqchip.PIC_IMR));
    }

    @Test
    void pitStateDropsTheHostClock() {
        PitState s = new PitState(pit(11932, 2));
        assertEquals(11932, s.count(0));
        assertEquals(2, s.mode(2));
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 8; i++) assertEquals(0, s.pitState2()[c * 24 + 16 + i], "count_load_time of channel " + c);
        }
        byte[] bytes = StateAssertions.encode(s);
        assertEquals(s, StateAssertions.decode(bytes, PitState::readFrom));
        StateAssertions.assertTruncationsRefused(bytes, PitState::readFrom);
        assertArrayEquals(bytes, StateAssertions.encode(new PitState(pit(11932, 2))), "the same PIT at another host time: the same bytes");
    }

    @Test
    void impossiblePitValuesAreRefused() {
        byte[] badMode = StateAssertions.encode(new PitState(pit(5, 0)));
        badMode[10 + (int) KvmPitState2.MODE] = 6;
        StateFormatException e = assertThrows(StateFormatException.class, () -> StateAssertions.decode(badMode, PitState::readFrom));
        assertTrue(e.getMessage().contains("channel 0 mode 6 is not 0-5"), e.getMessage());
        assertEquals(PitState.MODE_UNPROGRAMMED, new PitState(pit(0, 0xff)).mode(1), "KVM's reset value is accepted");
        assertThrows(IllegalArgumentException.class, () -> new PitState(pit(0x10001, 0)));
    }

    @Test
    void lapicRoundTrip() {
        byte[] regs = random(1024, 4);
        LapicState s = new LapicState(regs);
        byte[] bytes = StateAssertions.encode(s);
        assertEquals(s, StateAssertions.decode(bytes, LapicState::readFrom));
        StateAssertions.assertTruncationsRefused(bytes, LapicState::readFrom);
        assertEquals((regs[0xf0] & 0xff) | (regs[0xf1] & 0xff) << 8 | (regs[0xf2] & 0xff) << 16 | (regs[0xf3] & 0xff) << 24,
                s.register(KvmLapicState.APIC_SPIV));
    }
}
