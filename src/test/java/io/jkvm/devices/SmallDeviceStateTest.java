package io.jkvm.devices;

import io.jkvm.bus.BusDevice;
import io.jkvm.state.StateAssertions;
import io.jkvm.state.StateAssertions.Access;
import io.jkvm.irq.InterruptLine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static io.jkvm.state.StateAssertions.assertSaveRestoreSave;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Save, restore, save for the POST-code port, port 0x61 and pc-testdev. */
class SmallDeviceStateTest {
    private static String drive(BusDevice device, int length, int[] sizes, Random random, int steps) {
        StringBuilder trace = new StringBuilder();
        for (int i = 0; i < steps; i++) {
            Access a = StateAssertions.randomAccess(random, length, sizes, new int[0]);
            trace.append(Long.toHexString(a.applyTo(device))).append(',');
        }
        return trace.toString();
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void postCodePort(long seed) {
        PostCodePort original = new PostCodePort();
        drive(original, 1, new int[] {1, 2}, new Random(seed), 20);
        PostCodePort restored = new PostCodePort();
        byte[] bytes = assertSaveRestoreSave(original, restored, PostCodeState::readFrom);
        assertEquals(drive(original, 1, new int[] {1, 2, 4}, new Random(~seed), 20), drive(restored, 1, new int[] {1, 2, 4}, new Random(~seed), 20));
        StateAssertions.assertTruncationsRefused(bytes, PostCodeState::readFrom);
        original.reset();
        assertEquals(0xff, original.read(0, 1));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void systemControlPortB(long seed) {
        SystemControlPortB original = new SystemControlPortB();
        drive(original, 1, new int[] {1}, new Random(seed), 25 + (int) seed);
        SystemControlPortB restored = new SystemControlPortB();
        byte[] bytes = assertSaveRestoreSave(original, restored, SystemControlPortBState::readFrom);
        assertEquals(drive(original, 1, new int[] {1}, new Random(~seed), 30), drive(restored, 1, new int[] {1}, new Random(~seed), 30),
                "control bits and both toggles carry over");
        StateAssertions.assertTruncationsRefused(bytes, SystemControlPortBState::readFrom);
        StateAssertions.assertCorruptionsHandled(bytes, SystemControlPortBState::readFrom, new SystemControlPortB());
        original.write(0, 1, 0x0f);
        original.reset();
        assertEquals(new SystemControlPortBState(0, false, false), original.state());
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4})
    void pcTestdev(long seed) {
        PcTestdev original = new PcTestdev(irq -> InterruptLine.NONE);
        Random random = new Random(seed);
        drive(original.portWindow(), PcTestdev.PORT_WINDOW_LENGTH, new int[] {1, 2, 4}, random, 100);
        drive(original.iomem(), 256, new int[] {1, 2, 4, 8}, random, 200); // the first 256 bytes, so reads hit writes
        drive(original.iomem(), PcTestdev.IOMEM_LENGTH, new int[] {1, 2, 4, 8}, random, 200);

        PcTestdev restored = new PcTestdev(irq -> InterruptLine.NONE);
        assertSaveRestoreSave(original, restored, PcTestdevState::readFrom);
        Random a = new Random(~seed), b = new Random(~seed);
        assertEquals(drive(original.portWindow(), PcTestdev.PORT_WINDOW_LENGTH, new int[] {1, 2, 4}, a, 50)
                        + drive(original.iomem(), 256, new int[] {1, 2, 4, 8}, a, 200),
                drive(restored.portWindow(), PcTestdev.PORT_WINDOW_LENGTH, new int[] {1, 2, 4}, b, 50)
                        + drive(restored.iomem(), 256, new int[] {1, 2, 4, 8}, b, 200));
    }

    @Test
    void pcTestdevStateIsRefusedWhenTruncated() {
        PcTestdev device = new PcTestdev(irq -> InterruptLine.NONE);
        device.iomem().write(0xfff8, 8, -1L);
        byte[] bytes = StateAssertions.encode(device.state());
        assertEquals(10 + 4 + PcTestdev.IOMEM_LENGTH, bytes.length);
        for (int n : new int[] {0, 9, 10, 13, 14, bytes.length - 1}) {
            byte[] cut = java.util.Arrays.copyOf(bytes, n);
            org.junit.jupiter.api.Assertions.assertThrows(io.jkvm.state.StateFormatException.class,
                    () -> StateAssertions.decode(cut, PcTestdevState::readFrom));
        }
    }
}
