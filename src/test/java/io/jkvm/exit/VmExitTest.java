package io.jkvm.exit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class VmExitTest {

    @Test
    void debugExitStatusIsValueShiftedLeftPlusOne() {
        assertEquals(33, VmExit.debugExit(0x10).status());
        assertEquals(85, VmExit.debugExit(0x2a).status());
        assertEquals(1, VmExit.debugExit(0).status());
        assertEquals(VmExit.Reason.DEBUG_EXIT, VmExit.debugExit(0x10).reason());
        assertEquals("guest wrote 0x10 to the debug-exit port: exit status 33", VmExit.debugExit(0x10).message());
    }

    @Test
    void debugExitStatusIsTruncatedToEightBits() {
        assertEquals(0xff, VmExit.debugExit(0x7f).status());
        assertEquals(1, VmExit.debugExit(0x80).status());
        assertEquals(0xff, VmExit.debugExit(0xff).status());
        assertEquals(1, VmExit.debugExit(0x100).status());
        assertEquals(0xff, VmExit.debugExit(-1L).status());
    }

    @Test
    void statusesOfTheOtherEndings() {
        assertEquals(0, VmExit.halted("h").status());
        assertEquals(0, VmExit.powerOff("p").status());
        assertEquals(0, VmExit.stopped("s").status());
        assertEquals(1, VmExit.hostError("x").status());
        assertEquals(4, VmExit.tripleFault("t").status());
        assertEquals(6, VmExit.guestError("g").status());
        assertEquals(124, VmExit.timeout("t").status());
        assertEquals(130, VmExit.interrupted().status());
        VmExit limit = VmExit.exitLimit(1000);
        assertEquals(new VmExit(VmExit.Reason.EXIT_LIMIT, 0, "stopped after 1000 exits (--exits)"), limit);
    }
}
