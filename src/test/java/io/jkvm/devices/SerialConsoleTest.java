package io.jkvm.devices;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SerialConsoleTest {
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private SerialConsole uart;

    @BeforeEach
    void setUp() {
        uart = new SerialConsole(printed::write);
    }

    private String printed() {
        return printed.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    @Test
    void bytesWrittenToThrGoToTheSink() {
        for (byte b : "Hi\n".getBytes()) uart.write(SerialConsole.THR, 1, b);
        uart.write(SerialConsole.THR, 1, 0x1ff); // only the low byte is a character
        assertEquals("Hi\n\u00ff", printed());
    }

    @Test
    void lsrReportsTheTransmitterEmpty() {
        assertEquals(0x60, uart.read(SerialConsole.LSR, 1));
        uart.write(SerialConsole.THR, 1, 'x');
        assertEquals(0x60, uart.read(SerialConsole.LSR, 1), "still empty right after a write");
    }

    @Test
    void iirSaysNoInterruptPending() {
        assertEquals(0x01, uart.read(SerialConsole.IIR, 1));
    }

    @Test
    void divisorLatchIsReachedWithDlabAndNotPrinted() {
        uart.write(SerialConsole.LCR, 1, 0x83); // DLAB on, 8N1
        uart.write(0, 1, 0x01);                 // DLL: 115200 baud
        uart.write(1, 1, 0x02);                 // DLM
        assertEquals(0x01, uart.read(0, 1));
        assertEquals(0x02, uart.read(1, 1));
        assertEquals(0x83, uart.read(SerialConsole.LCR, 1));
        assertEquals("", printed(), "divisor writes are not characters");

        uart.write(SerialConsole.LCR, 1, 0x03); // DLAB off
        assertEquals(0x00, uart.read(0, 1), "RBR: no input");
        assertEquals(0x00, uart.read(1, 1), "IER was never written");
        uart.write(0, 1, 'A');
        assertEquals("A", printed());
        uart.write(1, 1, 0xff);
        assertEquals(0x0f, uart.read(1, 1), "IER keeps its four defined bits");

        uart.write(SerialConsole.LCR, 1, 0x83);
        assertEquals(0x01, uart.read(0, 1), "DLL kept while DLAB was off");
        assertEquals(0x02, uart.read(1, 1), "DLM not overwritten by the IER write");
    }

    @Test
    void scratchRegisterReadsBack() {
        uart.write(SerialConsole.SCR, 1, 0xa5);
        assertEquals(0xa5, uart.read(SerialConsole.SCR, 1));
        uart.write(SerialConsole.SCR, 1, 0x5a);
        assertEquals(0x5a, uart.read(SerialConsole.SCR, 1));
    }

    @Test
    void mcrAndMsr() {
        uart.write(SerialConsole.MCR, 1, 0xff);
        assertEquals(0x1f, uart.read(SerialConsole.MCR, 1));
        assertEquals(0xb0, uart.read(SerialConsole.MSR, 1));
    }

    @Test
    void accessesWiderThanAByteAreIgnored() {
        uart.write(SerialConsole.THR, 2, 'A');
        uart.write(SerialConsole.THR, 4, 'B');
        uart.write(SerialConsole.SCR, 2, 0x12);
        assertEquals("", printed());
        assertEquals(0x00, uart.read(SerialConsole.SCR, 1));
        assertEquals(0xff, uart.read(SerialConsole.LSR, 2));
        assertEquals(0xff, uart.read(SerialConsole.LSR, 4));
    }

    @Test
    void offsetsPastTheRegistersReadAllOnes() {
        assertEquals(0xff, uart.read(8, 1));
        uart.write(8, 1, 'z');
        assertEquals("", printed());
    }
}
