package io.jkvm.devices;

import io.jkvm.irq.InterruptLine;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.jkvm.devices.Uart16550.DLL;
import static io.jkvm.devices.Uart16550.DLM;
import static io.jkvm.devices.Uart16550.FCR;
import static io.jkvm.devices.Uart16550.IER;
import static io.jkvm.devices.Uart16550.IIR;
import static io.jkvm.devices.Uart16550.LCR;
import static io.jkvm.devices.Uart16550.LSR;
import static io.jkvm.devices.Uart16550.MCR;
import static io.jkvm.devices.Uart16550.MSR;
import static io.jkvm.devices.Uart16550.RBR;
import static io.jkvm.devices.Uart16550.SCR;
import static io.jkvm.devices.Uart16550.THR;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Register by register, as vm-superio's serial.rs tests do; the line is checked after each step. */
class Uart16550Test {
    /** Records every level the UART drives. */
    static final class RecordingLine implements InterruptLine {
        final List<Boolean> levels = new ArrayList<>();

        @Override
        public synchronized void set(boolean high) {
            levels.add(high);
        }
    }

    // MCR values used below.
    private static final int OUT2 = 0x08;
    private static final int LOOP = 0x10;

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final RecordingLine line = new RecordingLine();
    private Uart16550 uart;

    @BeforeEach
    void setUp() {
        uart = new Uart16550(line, printed::write);
        assertEquals(List.of(false), line.levels, "construction drives the line to its reset level");
        line.levels.clear();
    }

    private int in(int reg) {
        return (int) uart.read(reg, 1);
    }

    private void out(int reg, int value) {
        uart.write(reg, 1, value);
    }

    private String printed() {
        return printed.toString(StandardCharsets.ISO_8859_1);
    }

    private void assertLevels(Boolean... expected) {
        assertEquals(List.of(expected), line.levels, "interrupt line levels driven so far");
    }

    @Test
    void powerOnRegisters() {
        assertEquals(0x00, in(IER));
        assertEquals(0x01, in(IIR), "no interrupt pending, FIFOs off");
        assertEquals(0x00, in(LCR));
        assertEquals(0x00, in(MCR));
        assertEquals(0x60, in(LSR), "THRE and TEMT");
        assertEquals(0xb0, in(MSR), "CTS, DSR, DCD of a connected terminal, no deltas");
        assertEquals(0x00, in(SCR));
        assertEquals(0x00, in(RBR), "nothing received");
        out(LCR, 0x80);
        assertEquals(0x0c, in(DLL), "9600 baud");
        assertEquals(0x00, in(DLM));
        assertEquals(1, uart.rxSpace(), "16450 mode: one byte");
        assertEquals(UartState.powerOn(), withLcr(uart.state(), 0x00));
        assertLevels();
    }

    private static UartState withLcr(UartState s, int lcr) {
        return new UartState(s.dll(), s.dlm(), s.ier(), s.fcr(), lcr, s.mcr(), s.msr(), s.scr(),
                s.overrun(), s.thrInterruptPending(), s.rxFifo());
    }

    @Test
    void thrBytesGoToTheSink() {
        for (byte b : "Hi\n".getBytes(StandardCharsets.US_ASCII)) out(THR, b);
        uart.write(THR, 1, 0x1ff); // only the low byte is a character
        assertEquals("Hi\n\u00ff", printed());
        assertEquals(0x60, in(LSR), "transmission is instantaneous");
        assertLevels();
    }

    @Test
    void divisorLatchIsReachedWithDlabAndNotPrinted() {
        assertTrue(uart.receive('r'));
        out(LCR, 0x83); // DLAB on, 8N1
        out(DLL, 0x01);
        out(DLM, 0x02);
        assertEquals(0x01, in(DLL));
        assertEquals(0x02, in(DLM));
        assertEquals(0x83, in(LCR));
        assertEquals("", printed(), "divisor writes are not characters");
        assertEquals(0x61, in(LSR), "reading DLL did not consume the received byte");

        out(LCR, 0x03); // DLAB off
        assertEquals('r', in(RBR));
        assertEquals(0x00, in(IER), "the DLM write did not reach IER");
        out(THR, 'A');
        assertEquals("A", printed());
        out(IER, 0xff);
        assertEquals(0x0f, in(IER), "IER keeps its four defined bits");

        out(LCR, 0x83);
        assertEquals(0x01, in(DLL), "DLL kept while DLAB was off");
        assertEquals(0x02, in(DLM), "DLM not overwritten by the IER write");
        assertLevels(); // OUT2 never set
    }

    @Test
    void scratchAndLineControlReadBack() {
        out(SCR, 0xa5);
        assertEquals(0xa5, in(SCR));
        out(SCR, 0x5a);
        assertEquals(0x5a, in(SCR));
        out(LCR, 0x1b); // 8 bits, even parity
        assertEquals(0x1b, in(LCR));
        assertEquals(0x5a, in(SCR));
    }

    @Test
    void ierMasksEachSource() {
        out(MCR, OUT2);
        assertTrue(uart.receive('a'));
        assertEquals(0x01, in(IIR), "data waiting, but IER is 0");
        assertLevels();

        out(IER, 0xff);
        assertEquals(0x0f, in(IER));
        assertLevels(true);
        assertEquals(0x04, in(IIR), "received data outranks THR empty");
        assertLevels(true);

        out(IER, 0x0e); // received data interrupt off: THR empty is next
        assertLevels(true);
        assertEquals(0x02, in(IIR));
        assertLevels(true, false);
        assertEquals(0x01, in(IIR), "reading IIR cleared THR empty");

        out(IER, 0x0f); // ETBEI stays 1: no new THR empty
        assertLevels(true, false, true);
        assertEquals(0x04, in(IIR));
        assertEquals('a', in(RBR));
        assertLevels(true, false, true, false);
        assertEquals(0x01, in(IIR));
    }

    @Test
    void thrEmptyInterruptRaisedByEtbeiAndClearedByIirReadOrThrWrite() {
        out(MCR, OUT2);
        out(IER, 0x02);
        assertLevels(true);
        assertEquals(0x02, in(IIR));
        assertLevels(true, false);
        assertEquals(0x01, in(IIR));

        out(IER, 0x00);
        out(IER, 0x02); // ETBEI 0 -> 1 with THR empty: pending again
        assertLevels(true, false, true);
        assertEquals(0x02, in(IIR));
        assertLevels(true, false, true, false);

        out(THR, 'x'); // the write completes at once: THR empty again
        assertLevels(true, false, true, false, true);
        out(THR, 'y'); // clears the pending interrupt, then sets it again: a pulse
        assertLevels(true, false, true, false, true, false, true);
        assertEquals("xy", printed());

        out(IER, 0x00);
        assertLevels(true, false, true, false, true, false, true, false);
        assertFalse(uart.state().thrInterruptPending(), "disabling ETBEI drops the condition");
    }

    /** Linux's serial8250_do_startup probes (UART_BUG_THRE, UART_BUG_TXEN) must not fire. */
    @Test
    void linuxStartupThreProbesSeeAWorkingUart() {
        out(FCR, 0x01);
        out(IER, 0x02);
        int iir1 = in(IIR);
        out(IER, 0x00);
        out(IER, 0x02);
        int iir = in(IIR);
        out(IER, 0x00);
        assertEquals(0xc2, iir1);
        assertEquals(0xc2, iir, "THRE reasserted after IER was toggled");

        out(IER, 0x02);
        int lsr = in(LSR);
        iir = in(IIR);
        out(IER, 0x00);
        assertEquals(0x60, lsr);
        assertEquals(0xc2, iir);
        assertLevels(); // OUT2 off the whole time
    }

    @ParameterizedTest(name = "FCR 0x{0} -> trigger level {1}")
    @CsvSource({"01, 1", "41, 4", "81, 8", "c1, 14"})
    void receivedDataInterruptAtTheTriggerLevel(String fcr, int level) {
        out(MCR, OUT2);
        out(FCR, Integer.parseInt(fcr, 16));
        out(IER, 0x01);
        assertEquals(0xc1, in(IIR));
        assertLevels();

        for (int n = 1; n <= Uart16550.FIFO_SIZE; n++) {
            assertTrue(uart.receive('a' + n - 1));
            int expected = n >= level ? 0xc4 : 0xcc; // below the trigger: character timeout
            assertEquals(expected, in(IIR), "after " + n + " bytes");
            assertLevels(true);
        }
        assertEquals(0, uart.rxSpace());
        assertEquals(0x61, in(LSR));

        for (int n = Uart16550.FIFO_SIZE; n > 0; n--) {
            assertEquals(n >= level ? 0xc4 : 0xcc, in(IIR), "with " + n + " bytes left");
            assertEquals('a' + Uart16550.FIFO_SIZE - n, in(RBR));
        }
        assertEquals(0xc1, in(IIR));
        assertEquals(0x60, in(LSR));
        assertLevels(true, false);
    }

    @Test
    void receivedDataInterruptAtOneByteWithFifosOff() {
        out(MCR, OUT2);
        out(IER, 0x01);
        assertTrue(uart.receive('q'));
        assertLevels(true);
        assertFalse(uart.receive('r'), "the RBR is full");
        assertEquals(0, uart.rxSpace());
        assertEquals(0x04, in(IIR), "no FIFO bits, no timeout indication in 16450 mode");
        assertEquals(0x61, in(LSR), "refused host input is not an overrun");
        assertEquals('q', in(RBR));
        assertLevels(true, false);
        assertEquals(0x01, in(IIR));
        assertEquals(0x60, in(LSR));
        assertEquals(1, uart.rxSpace());
        assertEquals(0x00, in(RBR), "empty RBR reads 0");
    }

    @Test
    void characterTimeoutIsEnabledByErbfi() {
        out(MCR, OUT2);
        out(FCR, 0xc1); // trigger 14
        assertEquals(3, uart.receive(new byte[] {1, 2, 3}, 0, 3));
        assertEquals(0xc1, in(IIR), "ERBFI off");
        assertLevels();
        out(IER, 0x01);
        assertEquals(0xcc, in(IIR));
        assertLevels(true);
        assertEquals(1, in(RBR));
        assertEquals(0xcc, in(IIR), "still data below the trigger level");
        assertEquals(2, in(RBR));
        assertEquals(3, in(RBR));
        assertEquals(0xc1, in(IIR));
        assertLevels(true, false);
    }

    @Test
    void hostInputIsRefusedWhenTheFifoIsFullWithoutOverrun() {
        out(FCR, 0x01);
        byte[] input = new byte[20];
        for (int i = 0; i < input.length; i++) input[i] = (byte) (0x80 + i);
        assertEquals(16, uart.receive(input, 0, input.length));
        assertEquals(0, uart.rxSpace());
        assertFalse(uart.receive(0x41));
        assertEquals(0, uart.receive(input, 16, 4));
        assertEquals(0x61, in(LSR), "DR, no OE");
        for (int i = 0; i < 16; i++) assertEquals(0x80 + i, in(RBR));
        assertEquals(0x60, in(LSR));
        assertEquals(16, uart.rxSpace());

        assertEquals(3, uart.receive(input, 17, 3));
        assertEquals(0x91, in(RBR));
        assertEquals(0x92, in(RBR));
        assertEquals(0x93, in(RBR));
        assertThrows(IndexOutOfBoundsException.class, () -> uart.receive(input, 18, 3));
    }

    @Test
    void rxReadyIsCalledWhenSpaceReturns() {
        int[] calls = {0};
        uart = new Uart16550(line, printed::write, () -> calls[0]++);
        assertTrue(uart.receive('a'));
        assertEquals(0x61, in(LSR));
        assertEquals(0, calls[0]);
        assertEquals('a', in(RBR));
        assertEquals(1, calls[0], "space went from 0 to 1");
        assertEquals(0, in(RBR));
        assertEquals(1, calls[0], "space was already there");

        out(MCR, LOOP);
        assertEquals(0, uart.rxSpace(), "loopback disconnects the host input");
        assertFalse(uart.receive('b'));
        out(MCR, 0);
        assertEquals(2, calls[0], "leaving loopback reconnects it");
        assertTrue(uart.receive('c'));
        out(FCR, 0x01); // mode change clears the receiver
        assertEquals(3, calls[0]);
        assertEquals(16, uart.rxSpace());
    }

    @Test
    void loopbackOverrunInFifoModeKeepsTheFifoAndLsrReadClearsOe() {
        out(MCR, LOOP | OUT2);
        out(FCR, 0x01);
        out(IER, 0x05); // received data, line status
        assertLevels();
        for (char c = 'a'; c <= 'p'; c++) out(THR, c);
        assertEquals(0xc4, in(IIR));
        assertLevels(true);
        out(THR, 'q'); // the FIFO is full
        assertEquals(0xc6, in(IIR), "receiver line status outranks received data");
        assertEquals(0x63, in(LSR), "DR, OE, THRE, TEMT");
        assertEquals(0x61, in(LSR), "reading LSR cleared OE");
        assertEquals(0xc4, in(IIR));
        StringBuilder got = new StringBuilder();
        for (int i = 0; i < 16; i++) got.append((char) in(RBR));
        assertEquals("abcdefghijklmnop", got.toString(), "the overrunning byte was lost");
        assertEquals(0x60, in(LSR));
        assertEquals(0xc1, in(IIR));
        assertEquals("", printed(), "loopback sends nothing out");
        assertLevels(true, false);
    }

    @Test
    void loopbackOverrunIn16450ModeOverwritesRbr() {
        out(MCR, LOOP);
        out(THR, 'a');
        assertEquals(0x61, in(LSR));
        out(THR, 'b');
        out(THR, 'c');
        assertEquals(0x63, in(LSR));
        assertEquals(0x61, in(LSR));
        assertEquals('c', in(RBR));
        assertEquals(0x60, in(LSR));
    }

    @Test
    void fcrClearsFifosAndSetsTheTrigger() {
        out(FCR, 0x01);
        assertEquals(5, uart.receive("hello".getBytes(StandardCharsets.US_ASCII), 0, 5));
        out(FCR, 0x05); // clear TX only
        assertEquals(11, uart.rxSpace(), "RX kept");
        out(FCR, 0x03); // clear RX
        assertEquals(16, uart.rxSpace());
        assertEquals(0x60, in(LSR));
        assertEquals(0x00, in(RBR));

        out(FCR, 0xcb); // trigger 14, DMA mode, clear RX and TX
        assertEquals(0xc9, uart.state().fcr(), "the self-clearing bits are not kept");
        out(IER, 0x01);
        for (int i = 0; i < 13; i++) assertTrue(uart.receive(i));
        assertEquals(0xcc, in(IIR));
        assertTrue(uart.receive(13));
        assertEquals(0xc4, in(IIR));

        out(FCR, 0x00); // FIFOs off: both cleared
        assertEquals(0x01, in(IIR));
        assertEquals(0x60, in(LSR));
        assertEquals(1, uart.rxSpace());
        out(FCR, 0xc6); // FCR0 = 0: nothing is programmed
        assertEquals(0, uart.state().fcr());

        assertTrue(uart.receive('z'));
        out(FCR, 0x41); // FIFOs on: the mode change clears the RBR
        assertEquals(0x60, in(LSR));
        assertEquals(0x41, uart.state().fcr());
    }

    @Test
    void iirReportsFifosEnabled() {
        assertEquals(0x01, in(IIR));
        out(FCR, 0x01);
        assertEquals(0xc1, in(IIR));
        out(IER, 0x02);
        assertEquals(0xc2, in(IIR));
        assertEquals(0xc1, in(IIR));
        out(FCR, 0x00);
        assertEquals(0x01, in(IIR));
    }

    /** The probes of Linux's 8250 autoconfig() and autoconfig_16550a(), in order. */
    @Test
    void linuxAutoconfigFindsA16550A() {
        out(IER, 0x00);
        assertEquals(0x00, in(IER) & 0x0f);
        out(IER, 0x0f);
        assertEquals(0x0f, in(IER) & 0x0f);
        out(IER, 0x00);

        out(MCR, LOOP | 0x0a); // loopback, RTS, OUT2
        assertEquals(0x90, in(MSR) & 0xf0, "CTS from RTS, DCD from OUT2");
        out(MCR, 0x00);

        out(LCR, 0xbf);
        out(2, 0x00);  // EFR on a 16650: FCR here, FIFOs already off
        out(LCR, 0x00);
        out(FCR, 0x01);
        assertEquals(3, in(IIR) >> 6, "FIFOs enabled: 16550A");

        out(LCR, 0x80);
        assertNotEquals(0, in(2), "no EFR at offset 2 with LCR 0x80 (ST16C650V1)");
        out(LCR, 0xbf);
        assertNotEquals(0, in(2), "no EFR with LCR 0xbf (16650)");
        out(LCR, 0x00);
        out(FCR, 0x21); // 64-byte FIFO request of the 16750
        assertEquals(0xc0, in(IIR) & 0xe0, "no 64-byte FIFO");
        out(IER, 0x40); // UUE bit of the XScale
        assertEquals(0x00, in(IER) & 0x40);
    }

    @Test
    void loopbackEchoesAndMsrMirrorsMcr() {
        out(MCR, LOOP);
        assertEquals(0x0b, in(MSR), "CTS, DSR, DCD dropped: their deltas");
        assertEquals(0x00, in(MSR), "reading MSR cleared the deltas");
        out(MCR, LOOP | 0x01); // DTR -> DSR
        assertEquals(0x22, in(MSR));
        out(MCR, LOOP | 0x02); // RTS -> CTS
        assertEquals(0x13, in(MSR));
        out(MCR, LOOP | 0x04); // OUT1 -> RI: rising RI sets no delta
        assertEquals(0x41, in(MSR));
        out(MCR, LOOP | 0x08); // OUT2 -> DCD; RI fell: TERI
        assertEquals(0x8c, in(MSR));
        out(MCR, 0xff);
        assertEquals(0x1f, in(MCR));
        assertEquals(0xf3, in(MSR));

        out(THR, 'e');
        assertEquals(0x61, in(LSR));
        assertEquals('e', in(RBR));
        assertEquals("", printed());

        out(MCR, 0x00);
        assertEquals(0xb4, in(MSR), "back to a connected terminal; RI fell");
        out(THR, 'z');
        assertEquals("z", printed());
        assertEquals(0x60, in(LSR));
    }

    @Test
    void modemStatusInterrupt() {
        out(MCR, OUT2);
        out(IER, 0x08);
        assertEquals(0x01, in(IIR));
        assertLevels();
        out(MCR, LOOP | OUT2); // CTS and DSR drop, DCD stays (OUT2)
        assertLevels(true);
        assertEquals(0x00, in(IIR));
        assertEquals(0x00, in(IIR), "reading IIR does not clear modem status");
        assertEquals(0x83, in(MSR));
        assertLevels(true, false);
        assertEquals(0x01, in(IIR));
    }

    @Test
    void out2GatesTheInterruptLine() {
        out(IER, 0x02);
        assertLevels();
        assertTrue(uart.state().thrInterruptPending());
        out(MCR, OUT2);
        assertLevels(true);
        out(MCR, 0x07); // DTR, RTS, OUT1: not OUT2
        assertLevels(true, false);
        out(MCR, OUT2);
        assertLevels(true, false, true);
        assertEquals(0x02, in(IIR));
        assertLevels(true, false, true, false);
        out(MCR, 0x00);
        out(MCR, OUT2);
        assertLevels(true, false, true, false);
    }

    @Test
    void interruptPriorities() {
        out(MCR, LOOP | OUT2); // deltas DCTS, DDSR
        out(IER, 0x0f);       // THR empty pending from ETBEI rising
        assertLevels(true);
        out(THR, 'a');
        out(THR, 'b'); // 16450 mode: overrun
        assertEquals(0x06, in(IIR));
        assertEquals(0x63, in(LSR));
        assertEquals(0x04, in(IIR));
        assertEquals('b', in(RBR));
        assertEquals(0x02, in(IIR));
        assertEquals(0x00, in(IIR));
        assertEquals(0x83, in(MSR));
        assertEquals(0x01, in(IIR));
        assertLevels(true, false);
    }

    @Test
    void stateRoundTrip() {
        out(LCR, 0x80);
        out(DLL, 0x01);
        out(DLM, 0x02);
        out(LCR, 0x1b);
        out(SCR, 0x5a);
        out(FCR, 0x81);
        out(IER, 0x07);
        out(MCR, LOOP | OUT2 | 0x01); // DSR, DCD: CTS dropped
        for (char c = 'a'; c <= 'q'; c++) out(THR, c); // 16 in the FIFO, then an overrun
        out(MCR, OUT2 | 0x03);
        assertEquals('a', in(RBR));
        assertEquals('b', in(RBR));
        assertTrue(uart.receive('X'));
        assertTrue(uart.receive('Y')); // the ring wraps
        assertLevels(true, false, true); // THR empty; the first THR write's pulse; then data

        UartState saved = uart.state();
        assertEquals(new UartState(0x01, 0x02, 0x07, 0x81, 0x1b, 0x0b, 0xb1, 0x5a, true, true,
                "cdefghijklmnopXY".getBytes(StandardCharsets.US_ASCII)), saved);

        RecordingLine line2 = new RecordingLine();
        ByteArrayOutputStream printed2 = new ByteArrayOutputStream();
        Uart16550 copy = new Uart16550(line2, printed2::write, () -> { }, saved);
        assertEquals(List.of(true), line2.levels, "the restored interrupt is driven at once");
        assertEquals(saved, copy.state());
        for (int reg : new int[] {IIR, LSR, IIR, MSR, MSR, IER, LCR, MCR, SCR}) {
            assertEquals(uart.read(reg, 1), copy.read(reg, 1), "register " + reg);
        }
        for (int i = 0; i < 16; i++) assertEquals(uart.read(RBR, 1), copy.read(RBR, 1));
        copy.write(THR, 1, 'Z');
        assertEquals("Z", printed2.toString(StandardCharsets.ISO_8859_1));

        uart.restore(UartState.powerOn());
        assertEquals(UartState.powerOn(), uart.state());
        assertEquals(0x01, in(IIR));
        assertLevels(true, false, true, false); // the reset drives the line low
    }

    @Test
    void stateRecordIsCheckedAndImmutable() {
        assertThrows(IllegalArgumentException.class, () ->
                new UartState(0x0c, 0, 0, 0x00, 0, 0, 0xb0, 0, false, false, new byte[2]));
        assertThrows(IllegalArgumentException.class, () ->
                new UartState(0x0c, 0, 0, 0x01, 0, 0, 0xb0, 0, false, false, new byte[17]));
        assertThrows(IllegalArgumentException.class, () ->
                new UartState(0x0c, 0, 0x10, 0, 0, 0, 0xb0, 0, false, false, new byte[0]));
        assertThrows(IllegalArgumentException.class, () ->
                new UartState(0x0c, 0, 0, 0x02, 0, 0, 0xb0, 0, false, false, new byte[0]));
        assertThrows(IllegalArgumentException.class, () ->
                new UartState(0x0c, 0, 0, 0, 0, 0x20, 0xb0, 0, false, false, new byte[0]));
        assertThrows(IllegalArgumentException.class, () ->
                new UartState(0x100, 0, 0, 0, 0, 0, 0xb0, 0, false, false, new byte[0]));

        byte[] fifo = {1, 2};
        UartState s = new UartState(0x0c, 0, 0, 0x01, 0, 0, 0xb0, 0, false, false, fifo);
        fifo[0] = 9;
        s.rxFifo()[1] = 9;
        assertArrayEquals(new byte[] {1, 2}, s.rxFifo());
        UartState same = new UartState(0x0c, 0, 0, 0x01, 0, 0, 0xb0, 0, false, false, new byte[] {1, 2});
        assertEquals(same, s);
        assertEquals(same.hashCode(), s.hashCode());
        assertEquals("UartState[dll=0c, dlm=00, ier=00, fcr=01, lcr=00, mcr=00, msr=b0, scr=00,"
                + " overrun=false, thrInterruptPending=false, rxFifo=0102]", s.toString());
    }

    @Test
    void accessesWiderThanAByteAreIgnored() {
        uart.write(THR, 2, 'A');
        uart.write(THR, 4, 'B');
        uart.write(SCR, 2, 0x12);
        uart.write(IER, 4, 0x0f);
        assertEquals("", printed());
        assertEquals(0x00, in(SCR));
        assertEquals(0x00, in(IER));
        assertTrue(uart.receive('k'));
        assertEquals(0xff, uart.read(RBR, 2));
        assertEquals(0xff, uart.read(LSR, 4));
        assertEquals(0x61, in(LSR), "the wide read consumed nothing");
    }

    @Test
    void offsetsPastTheRegistersReadAllOnes() {
        assertEquals(0xff, uart.read(8, 1));
        assertEquals(0xff, uart.read(-1, 1));
        uart.write(8, 1, 'z');
        uart.write(-1, 1, 'z');
        assertEquals("", printed());
    }

    @Test
    void lsrAndMsrWritesAreIgnored() {
        out(LSR, 0x00);
        out(MSR, 0x0f);
        assertEquals(0x60, in(LSR));
        assertEquals(0xb0, in(MSR));
    }
}
