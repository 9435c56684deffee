package io.jkvm.devices;

import io.jkvm.exit.VmExit;
import io.jkvm.state.StateAssertions;
import io.jkvm.state.StateAssertions.Access;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.jkvm.state.StateAssertions.assertSaveRestoreSave;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class I8042StateTest {
    /** Controller commands (RAM, enable/disable, tests, output port, aux loop, A20), keyboard commands and parameters; no reset pulse. */
    private static final int[] VALUES = {0x20, 0x21, 0x60, 0x61, 0x7f, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xad, 0xae, 0xc0, 0xd0,
        0xd1, 0xd2, 0xd3, 0xd4, 0xdd, 0xdf, 0xff, 0xf2, 0xf4, 0xf5, 0xf6, 0xed, 0xee, 0xf0, 0xf3, 0x00, 0x01, 0x02, 0x03,
        0x07, 0x45, 0x47, 0x65, 0xcf, 0x03};

    private static final class Kbc {
        final List<VmExit> exits = new ArrayList<>();
        final List<Boolean> irq1 = new ArrayList<>();
        final List<Boolean> irq12 = new ArrayList<>();
        final I8042 kbc = new I8042(exits::add, irq1::add, irq12::add);
    }

    private static boolean last(List<Boolean> levels) {
        return !levels.isEmpty() && levels.getLast();
    }

    private static String drive(Kbc k, Random random, int steps) {
        StringBuilder trace = new StringBuilder();
        for (int i = 0; i < steps; i++) {
            Access a = StateAssertions.randomAccess(random, 1, new int[] {1, 1, 1, 1, 2}, VALUES);
            long value = a.applyTo(random.nextBoolean() ? k.kbc.dataPort() : k.kbc.commandPort());
            trace.append(Long.toHexString(value)).append(',');
        }
        return trace.append(last(k.irq1)).append(last(k.irq12)).append(k.exits.size()).toString();
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
    void randomAccessesSurviveARestore(long seed) {
        Kbc original = new Kbc();
        drive(original, new Random(seed), 300);
        original.exits.clear();

        Kbc restored = new Kbc();
        assertSaveRestoreSave(original.kbc, restored.kbc, I8042State::readFrom);
        assertEquals(last(original.irq1), restored.irq1.getLast());
        assertEquals(last(original.irq12), restored.irq12.getLast());

        assertEquals(drive(original, new Random(~seed), 300), drive(restored, new Random(~seed), 300));
        assertEquals(original.kbc.state(), restored.kbc.state());
    }

    @Test
    void aQueuedReplyAndAPendingCommandSurvive() {
        Kbc original = new Kbc();
        original.kbc.writeData(0xf2);       // keyboard GET ID: ACK, 0xAB, 0x41 queued
        original.kbc.writeCommand(0xd1);    // write output port: waits for its byte
        Kbc restored = new Kbc();
        restored.kbc.restore(original.kbc.state());
        assertEquals(true, restored.irq1.getLast(), "the ACK in the output buffer raises IRQ 1");
        restored.kbc.writeData(0xcd);       // A20 off
        assertEquals(false, restored.kbc.a20Enabled());
        assertEquals(0xfa, restored.kbc.readData());
        assertEquals(0xab, restored.kbc.readData());
        assertEquals(0x41, restored.kbc.readData());
    }

    @Test
    void aKeyboardCommandWaitingForItsParameterSurvives() {
        Kbc original = new Kbc();
        original.kbc.writeData(0xed);       // SET LEDS: the LED byte follows
        Kbc restored = new Kbc();
        assertSaveRestoreSave(original.kbc, restored.kbc, I8042State::readFrom);
        restored.kbc.readData();            // the ACK
        restored.kbc.writeData(0x05);
        assertEquals(0x05, restored.kbc.keyboardLeds());
    }

    @Test
    void resetIsPowerOn() {
        Kbc k = new Kbc();
        assertEquals(I8042State.powerOn(), k.kbc.state(), "a new controller is in its power-on state");
        drive(k, new Random(3), 200);
        k.kbc.writeData(0xee);
        k.kbc.reset();
        assertEquals(I8042State.powerOn(), k.kbc.state());
        assertEquals(false, k.irq1.getLast());
        assertArrayEquals(StateAssertions.encode(new Kbc().kbc.state()), StateAssertions.encode(k.kbc.state()));
    }

    @Test
    void corruptOrTruncatedStateIsRefused() {
        Kbc k = new Kbc();
        drive(k, new Random(11), 200);
        k.kbc.writeData(0xf2);
        byte[] bytes = StateAssertions.encode(k.kbc.state());
        StateAssertions.assertTruncationsRefused(bytes, I8042State::readFrom);
        StateAssertions.assertCorruptionsHandled(bytes, I8042State::readFrom, new Kbc().kbc);
    }
}
