package io.jkvm.pci;

import io.jkvm.bus.BusDevice;
import io.jkvm.state.StateAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static io.jkvm.state.StateAssertions.assertSaveRestoreSave;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PciConfigStateTest {
    private static final BusDevice NOWHERE = new BusDevice() {
        @Override public long read(long offset, int size) { return 0; }
        @Override public void write(long offset, int size, long value) { }
    };

    private int decodeChanges;

    private PciConfigSpace device() {
        PciConfigSpace c = new PciConfigSpace(0x8086, 0x100e, 0x03, 0x020000);
        c.addMemoryBar(0, 0x2_0000, NOWHERE);
        c.addIoBar(1, 0x40, NOWHERE);
        c.setInterruptPin(1);
        c.setDecodeListener(() -> decodeChanges++);
        return c;
    }

    /** Header offsets a driver programs, with values that enable decoding and probe BAR sizes. */
    private static final int[] OFFSETS = {0x04, 0x06, 0x0c, 0x10, 0x14, 0x18, 0x3c, 0x40, 0x44, 0x80, 0xfc, 0x00, 0x08, 0x2c};
    private static final int[] VALUES = {0x0003, 0x0007, 0xffff_ffff, 0xfebc_0000, 0xc001, 0x0000, 0xf900, 0x0b, 0x0400};

    private static String drive(PciConfigSpace c, Random random, int steps) {
        StringBuilder trace = new StringBuilder();
        for (int i = 0; i < steps; i++) {
            int size = new int[] {1, 2, 4}[random.nextInt(3)];
            int offset = random.nextInt(4) == 0 ? random.nextInt(PciConfigSpace.SIZE - size + 1) : OFFSETS[random.nextInt(OFFSETS.length)];
            if (random.nextBoolean()) {
                c.write(offset, size, random.nextBoolean() ? VALUES[random.nextInt(VALUES.length)] : random.nextInt());
            } else {
                trace.append(Integer.toHexString(c.read(offset, size))).append(',');
            }
        }
        return trace.append(c.decodedAddress(0)).append(',').append(c.decodedAddress(1)).toString();
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void randomAccessesSurviveARestore(long seed) {
        PciConfigSpace original = device();
        drive(original, new Random(seed), 200);
        PciConfigSpace restored = device();
        assertSaveRestoreSave(original, restored, PciConfigState::readFrom);
        assertEquals(original.decodedAddress(0), restored.decodedAddress(0), "BAR 0 decodes where it did");
        assertEquals(original.decodedAddress(1), restored.decodedAddress(1), "BAR 1 decodes where it did");
        assertEquals(drive(original, new Random(~seed), 200), drive(restored, new Random(~seed), 200));
    }

    @Test
    void restoreMovesTheBarsAndTellsTheBus() {
        PciConfigSpace original = device();
        original.write(PciConfigSpace.BASE_ADDRESS_0, 4, 0xfebc_0000);
        original.write(PciConfigSpace.BASE_ADDRESS_0 + 4, 4, 0xc000);
        original.write(PciConfigSpace.COMMAND, 2, PciConfigSpace.COMMAND_IO | PciConfigSpace.COMMAND_MEMORY);
        PciConfigSpace restored = device();
        decodeChanges = 0;
        restored.restore(original.state());
        assertEquals(1, decodeChanges);
        assertEquals(0xfebc_0000L, restored.decodedAddress(0));
        assertEquals(0xc000L, restored.decodedAddress(1));
    }

    @Test
    void resetClearsWhatTheGuestProgrammed() {
        PciConfigSpace c = device();
        PciConfigState powerOn = c.state();
        drive(c, new Random(9), 300);
        c.write(PciConfigSpace.BASE_ADDRESS_0, 4, 0xfebc_0000);
        c.write(PciConfigSpace.COMMAND, 2, PciConfigSpace.COMMAND_MEMORY);
        assertEquals(0xfebc_0000L, c.decodedAddress(0));
        decodeChanges = 0;
        c.reset();
        assertEquals(powerOn, c.state(), "every writable bit starts at 0");
        assertEquals(PciConfigSpace.UNMAPPED, c.decodedAddress(0));
        assertEquals(1, decodeChanges);
        assertEquals(0x100e_8086, c.read(0, 4), "IDs kept");
        assertEquals(1, c.read(PciConfigSpace.INTERRUPT_PIN, 1), "pin kept");
    }

    @Test
    void aStateFromAnotherDeviceIsRefused() {
        PciConfigSpace other = new PciConfigSpace(0x1af4, 0x1000, 0, 0x020000);
        PciConfigSpace c = device();
        c.write(PciConfigSpace.INTERRUPT_LINE, 1, 11);
        PciConfigState before = c.state();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.restore(other.state()));
        assertTrue(e.getMessage().contains("PCI config byte 0x00 is 0xf4 in the saved state"), e.getMessage());
        assertEquals(before, c.state());
        PciConfigSpace smallerBar = new PciConfigSpace(0x8086, 0x100e, 0x03, 0x020000);
        smallerBar.addMemoryBar(0, 0x1000, NOWHERE);
        smallerBar.addIoBar(1, 0x40, NOWHERE);
        smallerBar.setInterruptPin(1);
        smallerBar.write(PciConfigSpace.BASE_ADDRESS_0, 4, 0xfebc_1000);
        assertThrows(IllegalArgumentException.class, () -> c.restore(smallerBar.state()), "BAR 0's size bits differ");
    }

    @Test
    void corruptOrTruncatedStateIsRefused() {
        PciConfigSpace c = device();
        drive(c, new Random(4), 100);
        byte[] bytes = StateAssertions.encode(c.state());
        StateAssertions.assertTruncationsRefused(bytes, PciConfigState::readFrom);
        StateAssertions.assertCorruptionsHandled(bytes, PciConfigState::readFrom, device());
    }
}
