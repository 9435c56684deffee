package io.jkvm.devices;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SystemControlPortBTest {
    @Test
    void byDefaultRefreshAndOut2ToggleOnEachRead() {
        SystemControlPortB port = new SystemControlPortB();
        assertEquals(0x30, port.read(0, 1));
        assertEquals(0x00, port.read(0, 1));
        assertEquals(0x30, port.read(0, 1));
    }

    @Test
    void lowFourBitsReadBackAndTheRestIsReadOnly() {
        SystemControlPortB port = new SystemControlPortB(() -> false);
        port.write(0, 1, 0xff);
        assertEquals(0x1f, port.read(0, 1));
        assertEquals(0x0f, port.read(0, 1));
        port.write(0, 1, 0x03);
        assertTrue(port.gate2());
        assertTrue(port.speakerEnabled());
        assertEquals(0x13, port.read(0, 1));
        port.write(0, 1, 0x0c); // Linux's NMI handler acknowledges by writing bits 3-2
        assertFalse(port.gate2());
        assertFalse(port.speakerEnabled());
        assertEquals(0x0c, port.read(0, 1));
    }

    @Test
    void bit5IsTheSuppliedTimer2Output() {
        AtomicBoolean out2 = new AtomicBoolean();
        SystemControlPortB port = new SystemControlPortB(out2::get);
        port.write(0, 1, 0x01);
        assertEquals(0x11, port.read(0, 1));
        out2.set(true);
        assertEquals(0x21, port.read(0, 1));
        assertEquals(0x31, port.read(0, 1));
    }

    @Test
    void noNmiReasonIsEverReported() {
        SystemControlPortB port = new SystemControlPortB(() -> true);
        for (int i = 0; i < 4; i++) assertEquals(0, port.read(0, 1) & 0xc0);
    }

    @Test
    void linuxPitCalibrationLoopEnds() {
        // arch/x86/kernel/tsc.c pit_calibrate_tsc: gate on, speaker off, then poll bit 5.
        SystemControlPortB port = new SystemControlPortB();
        port.write(0, 1, (port.read(0, 1) & ~0x02) | 0x01);
        int polls = 0;
        while ((port.read(0, 1) & 0x20) == 0) polls++;
        assertTrue(polls < 2);
    }
}
