package io.jkvm.devices;

import io.jkvm.exit.VmExit;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DebugExitTest {
    private final List<VmExit> requested = new ArrayList<>();
    private final DebugExit device = new DebugExit(requested::add);

    @Test
    void aWriteOfEachSizeRequestsAnExitWithQemuStatus() {
        device.write(0, 1, 0x10);
        device.write(0, 2, 0x2a);
        device.write(0, 4, 0x00);
        assertEquals(List.of(
                new VmExit(VmExit.Reason.DEBUG_EXIT, 0x21, "guest wrote 0x10 to the debug-exit port: exit status 33"),
                new VmExit(VmExit.Reason.DEBUG_EXIT, 0x55, "guest wrote 0x2a to the debug-exit port: exit status 85"),
                new VmExit(VmExit.Reason.DEBUG_EXIT, 0x01, "guest wrote 0x0 to the debug-exit port: exit status 1")),
                requested);
    }

    @Test
    void theValueIsMaskedToTheAccessSize() {
        device.write(0, 1, 0x1_0203_0405L);
        device.write(0, 2, 0x1_0203_0405L);
        device.write(0, 4, 0x1_0203_0405L);
        assertEquals("guest wrote 0x5 to the debug-exit port: exit status 11", requested.get(0).message());
        assertEquals("guest wrote 0x405 to the debug-exit port: exit status 11", requested.get(1).message());
        assertEquals("guest wrote 0x2030405 to the debug-exit port: exit status 11", requested.get(2).message());
    }

    @Test
    void statusIsTruncatedToEightBits() {
        device.write(0, 4, 0x80);
        device.write(0, 4, 0xff);
        assertEquals(1, requested.get(0).status());
        assertEquals(0xff, requested.get(1).status());
    }

    @Test
    void readsReturnZeroAndRequestNothing() {
        assertEquals(0, device.read(0, 4));
        assertEquals(0, device.read(2, 1));
        assertEquals(List.of(), requested);
    }
}
