package io.jkvm.devices;

import io.jkvm.state.SavedState;
import io.jkvm.state.StateReader;
import io.jkvm.state.StateWriter;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * The saved state of a {@link Uart16550}: every register the guest can program, the receive
 * FIFO's contents and the two latched conditions that no register shows directly. Everything
 * else (LSR's DR/THRE/TEMT, the IIR value, the interrupt line level) is derived from these.
 *
 * @param dll                 divisor latch, low byte
 * @param dlm                 divisor latch, high byte
 * @param ier                 interrupt enable register (bits 0-3)
 * @param fcr                 the programmed FCR bits: FIFO enable (0), DMA mode (3), RX trigger
 *                            (6-7); the self-clearing bits 1-2 are never kept
 * @param lcr                 line control register
 * @param mcr                 modem control register (bits 0-4)
 * @param msr                 modem status register: lines (bits 4-7) and deltas (bits 0-3)
 * @param scr                 scratch register
 * @param overrun             LSR.OE latched, not yet read by the guest
 * @param thrInterruptPending the THR-empty interrupt condition (set by a THR write completing or
 *                            by IER.ETBEI rising, cleared by reading it from IIR or writing THR)
 * @param rxFifo              unread received bytes, oldest first (at most 16, or 1 with FIFOs off)
 */
public record UartState(int dll, int dlm, int ier, int fcr, int lcr, int mcr, int msr, int scr,
                        boolean overrun, boolean thrInterruptPending, byte[] rxFifo) implements SavedState {
    /** Section tag and encoding version. */
    public static final String TAG = "UART";
    public static final int VERSION = 1;

    public UartState {
        check("dll", dll, 0xff);
        check("dlm", dlm, 0xff);
        check("ier", ier, Uart16550.IER_MASK);
        check("fcr", fcr, Uart16550.FCR_STORED);
        check("lcr", lcr, 0xff);
        check("mcr", mcr, Uart16550.MCR_MASK);
        check("msr", msr, 0xff);
        check("scr", scr, 0xff);
        int capacity = (fcr & Uart16550.FCR_FIFO_ENABLE) != 0 ? Uart16550.FIFO_SIZE : 1;
        if (rxFifo.length > capacity) {
            throw new IllegalArgumentException(
                    "rxFifo holds " + rxFifo.length + " bytes, more than the " + capacity + " the FCR allows");
        }
        rxFifo = rxFifo.clone();
    }

    /**
     * The state after a master reset (PC16550D datasheet, table 1 "UART Reset Configuration"):
     * IER, FCR, LCR, MCR zero; MSR deltas zero and its lines those of a connected terminal
     * (CTS, DSR, DCD). The divisor latch is not reset by the chip; jkvm starts it at 12, the
     * 9600-baud divisor for the PC's 1.8432 MHz clock.
     */
    public static UartState powerOn() {
        return new UartState(0x0c, 0x00, 0, 0, 0, 0, Uart16550.MSR_CONNECTED, 0,
                false, false, new byte[0]);
    }

    /**
     * Section {@value #TAG} version 1: dll, dlm, ier, fcr, lcr, mcr, msr, scr (u8 each),
     * overrun, thrInterruptPending (bool), rxFifo (bytes, at most 16).
     */
    @Override
    public void writeTo(StateWriter out) {
        out.beginSection(TAG, VERSION)
                .u8(dll).u8(dlm).u8(ier).u8(fcr).u8(lcr).u8(mcr).u8(msr).u8(scr)
                .bool(overrun).bool(thrInterruptPending).bytes(rxFifo)
                .endSection();
    }

    public static UartState readFrom(StateReader in) {
        in.beginSection(TAG, VERSION);
        int dll = in.u8("dll"), dlm = in.u8("dlm"), ier = in.u8("ier"), fcr = in.u8("fcr");
        int lcr = in.u8("lcr"), mcr = in.u8("mcr"), msr = in.u8("msr"), scr = in.u8("scr");
        boolean overrun = in.bool("overrun");
        boolean thri = in.bool("thrInterruptPending");
        byte[] fifo = in.bytes("rxFifo", Uart16550.FIFO_SIZE);
        UartState state = in.build(() -> new UartState(dll, dlm, ier, fcr, lcr, mcr, msr, scr, overrun, thri, fifo));
        in.endSection();
        return state;
    }

    /** A copy: the record stays immutable. */
    @Override
    public byte[] rxFifo() {
        return rxFifo.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UartState s
                && dll == s.dll && dlm == s.dlm && ier == s.ier && fcr == s.fcr && lcr == s.lcr
                && mcr == s.mcr && msr == s.msr && scr == s.scr && overrun == s.overrun
                && thrInterruptPending == s.thrInterruptPending && Arrays.equals(rxFifo, s.rxFifo);
    }

    @Override
    public int hashCode() {
        int h = 1;
        for (int v : new int[] {dll, dlm, ier, fcr, lcr, mcr, msr, scr}) h = 31 * h + v;
        h = 31 * h + Boolean.hashCode(overrun);
        h = 31 * h + Boolean.hashCode(thrInterruptPending);
        return 31 * h + Arrays.hashCode(rxFifo);
    }

    @Override
    public String toString() {
        return String.format(
                "UartState[dll=%02x, dlm=%02x, ier=%02x, fcr=%02x, lcr=%02x, mcr=%02x, msr=%02x, scr=%02x,"
                        + " overrun=%b, thrInterruptPending=%b, rxFifo=%s]",
                dll, dlm, ier, fcr, lcr, mcr, msr, scr, overrun, thrInterruptPending,
                HexFormat.of().formatHex(rxFifo));
    }

    private static void check(String name, int value, int allowedBits) {
        if ((value & ~allowedBits) != 0) {
            throw new IllegalArgumentException(String.format(
                    "%s = 0x%x has bits outside 0x%02x", name, value, allowedBits));
        }
    }
}
