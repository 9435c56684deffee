package io.jkvm.devices;

import io.jkvm.state.StateAssertions;
import io.jkvm.state.StateAssertions.Access;
import io.jkvm.state.StateFormatException;
import io.jkvm.state.StateWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.Random;

import static io.jkvm.state.StateAssertions.assertSaveRestoreSave;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Save, restore, save: the UART's state bytes survive a restore, and so does its behaviour. */
class UartStateTest {
    /** Register values that reach the interesting paths: DLAB, FIFO on with clears, loopback, OUT2, all IER bits. */
    private static final int[] VALUES = {0x80, 0x03, 0x01, 0x07, 0xc7, 0x41, 0x10, 0x18, 0x1f, 0x08, 0x0b, 0x0f, 0x00, 0xff};

    private static final class Uart {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final Uart16550Test.RecordingLine line = new Uart16550Test.RecordingLine();
        final Uart16550 uart = new Uart16550(line, out::write);
    }

    private static void drive(Uart u, Random random, int steps, StringBuilder trace) {
        for (int i = 0; i < steps; i++) {
            if (random.nextInt(8) == 0) {
                trace.append(u.uart.receive(random.nextInt(256))).append(',');
            } else {
                Access a = StateAssertions.randomAccess(random, Uart16550.REGISTER_COUNT, new int[] {1, 1, 1, 2}, VALUES);
                trace.append(a.applyTo(u.uart)).append(',');
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
    void randomAccessesSurviveARestore(long seed) {
        Uart original = new Uart();
        drive(original, new Random(seed), 300, new StringBuilder());

        Uart restored = new Uart();
        assertSaveRestoreSave(original.uart, restored.uart, UartState::readFrom);
        assertEquals(original.line.levels.getLast(), restored.line.levels.getLast(), "the line is driven to the saved level");

        original.out.reset();
        StringBuilder a = new StringBuilder(), b = new StringBuilder();
        drive(original, new Random(~seed), 300, a);
        drive(restored, new Random(~seed), 300, b);
        assertEquals(a.toString(), b.toString(), "the same accesses read the same values");
        assertEquals(original.uart.state(), restored.uart.state());
        assertArrayEquals(original.out.toByteArray(), restored.out.toByteArray(), "the same bytes transmitted");
        assertEquals(original.line.levels.getLast(), restored.line.levels.getLast());
    }

    @Test
    void resetIsThePowerOnState() {
        Uart u = new Uart();
        u.uart.write(Uart16550.MCR, 1, 0x08);
        u.uart.write(Uart16550.IER, 1, 0x01);
        u.uart.receive('x');
        assertEquals(true, u.line.levels.getLast());
        u.uart.reset();
        assertEquals(UartState.powerOn(), u.uart.state());
        assertEquals(false, u.line.levels.getLast());
        assertArrayEquals(StateAssertions.encode(new Uart().uart.state()), StateAssertions.encode(u.uart.state()));
    }

    @Test
    void corruptOrTruncatedStateIsRefused() {
        Uart u = new Uart();
        drive(u, new Random(42), 200, new StringBuilder());
        u.uart.write(Uart16550.FCR, 1, 0x01);
        u.uart.receive(new byte[] {1, 2, 3}, 0, 3);
        byte[] bytes = StateAssertions.encode(u.uart.state());
        StateAssertions.assertTruncationsRefused(bytes, UartState::readFrom);
        StateAssertions.assertCorruptionsHandled(bytes, UartState::readFrom, new Uart().uart);

        byte[] badIer = new StateWriter().beginSection("UART", 1).u8(12).u8(0).u8(0x10).u8(0).u8(0).u8(0).u8(0xb0).u8(0)
                .bool(false).bool(false).bytes(new byte[0]).endSection().toByteArray();
        StateFormatException e = assertThrows(StateFormatException.class, () -> StateAssertions.decode(badIer, UartState::readFrom));
        assertTrue(e.getMessage().contains("'UART'") && e.getMessage().contains("ier = 0x10"), e.getMessage());
    }
}
