package io.jkvm.devices;

import io.jkvm.boot.PcPorts;
import io.jkvm.bus.BusDevice;
import io.jkvm.irq.InterruptLine;
import io.jkvm.state.Resettable;
import io.jkvm.state.Stateful;

import java.util.Objects;

/**
 * A 16550A UART (COM1 on a PC, {@link PcPorts#COM1}): the register model of the National PC16550D
 * datasheet (June 1995), enough for Linux's 8250 driver and for test kernels that poll or take
 * interrupts. A pure device: no threads, no host I/O. Bytes the guest transmits go to a
 * {@link ByteSink}; bytes for the guest are pushed with {@link #receive(int)}; the interrupt
 * leaves through an {@link InterruptLine}; the state is a {@link UartState} record.
 *
 * <p>Registers (offset from the base; datasheet table 2 "Summary of Registers"),
 * DLAB = LCR bit 7:
 * <pre>
 * 0 RBR (read) / THR (write)    DLL with DLAB=1     4 MCR  modem control
 * 1 IER  interrupt enable       DLM with DLAB=1     5 LSR  line status (read-only)
 * 2 IIR (read) / FCR (write)                        6 MSR  modem status (read-only)
 * 3 LCR  line control                               7 SCR  scratch
 * </pre>
 * Only 1-byte accesses reach the registers; other sizes read 0xff and writes are ignored.
 *
 * <h2>Interrupts (datasheet section 8.6, table 4 "Interrupt Control Functions")</h2>
 * Highest priority first, each only when its IER bit is set:
 * <pre>
 * IIR  source                     set by                            cleared by
 * 0x06 receiver line status       LSR.OE                            reading LSR
 * 0x04 received data available    RX FIFO at/over the trigger level RX FIFO below it
 * 0x0C character timeout          data in the RX FIFO (FIFO mode)   reading RBR until empty
 * 0x02 THR empty                  THR write completing, ETBEI 0->1  reading IIR (when reported), writing THR
 * 0x00 modem status               MSR delta bits                    reading MSR
 * </pre>
 * With FIFOs on, IIR bits 6-7 read 1 (0xC0). The line to the interrupt controller is high while
 * an enabled interrupt is pending and MCR.OUT2 is set: on the PC, OUT2 gates the UART's INTR
 * pin onto the ISA IRQ. It is re-evaluated after every register access and every input, and
 * set only when its level changes.
 *
 * <h2>Simplifications (no baud-rate timing)</h2>
 * <ul>
 * <li>Transmission is instantaneous: a THR byte reaches the sink (or, in loopback, the receive
 *     FIFO) during the write, so LSR.THRE and LSR.TEMT always read 1 and the transmit FIFO is
 *     always empty. A THR write still lowers the THRE interrupt before raising it again, so the
 *     line pulses as on real hardware (an edge-triggered PIC sees each byte's interrupt).</li>
 * <li>Character timeout: the chip reports it after four character times without RX FIFO
 *     activity. With no clock, jkvm reports it at once whenever FIFOs are on and the RX FIFO
 *     holds fewer bytes than the trigger level. Linux drains the whole FIFO on either
 *     indication, so it sees input immediately rather than after a delay.</li>
 * <li>No parity, framing or break errors (the host sends whole bytes): LSR bits 2-4 and 7 read
 *     0. LCR (word length, parity, stop bits, break) is stored and read back but changes
 *     nothing; bytes are never masked to the word length, since many test kernels never
 *     program LCR and its reset value means 5-bit words.</li>
 * <li>Reading RBR with the FIFO empty returns 0 (the chip returns the last byte again).</li>
 * <li>FCR's DMA mode bit (3) is stored but there is no DMA; the TX FIFO clear (bit 2) has
 *     nothing to clear.</li>
 * <li>Host input never overruns: {@link #receive(int)} refuses bytes when the FIFO is full,
 *     so the host side holds them back. Overrun (LSR.OE) happens only in loopback, when the
 *     guest transmits into a full receiver.</li>
 * <li>Loopback (MCR bit 4, datasheet section 8.8): THR bytes come back into the receiver, the
 *     host input is disconnected ({@link #rxSpace()} is 0), and MSR's CTS/DSR/RI/DCD follow
 *     MCR's RTS/DTR/OUT1/OUT2, with delta bits and modem-status interrupts. The chip also
 *     forces its OUT2 pin inactive, which on a PC would cut the IRQ; jkvm gates on the MCR.OUT2
 *     bit alone, as QEMU (which never gates) would deliver the interrupt, so interrupt-driven
 *     loopback self-tests work.</li>
 * <li>Without loopback the modem inputs are those of a connected terminal: CTS, DSR and DCD
 *     set, RI clear (MSR 0xB0).</li>
 * </ul>
 *
 * <p>All methods are synchronized: vCPU threads and the host input thread call in. The
 * {@link InterruptLine}, {@link ByteSink} and {@code rxReady} callback run while the lock is
 * held; they must not block nor call back into the UART.
 */
public final class Uart16550 implements BusDevice, Resettable, Stateful<UartState>, InputReceiver {
    public static final int REGISTER_COUNT = 8;
    /** Receive FIFO depth in FIFO mode (1 in 16450 mode). */
    public static final int FIFO_SIZE = 16;

    // Register offsets (table 2).
    public static final int RBR = 0, THR = 0, DLL = 0;
    public static final int IER = 1, DLM = 1;
    public static final int IIR = 2, FCR = 2;
    public static final int LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7;

    // IER (section 8.7).
    static final int IER_ERBFI = 0x01; // received data available (and character timeout)
    static final int IER_ETBEI = 0x02; // THR empty
    static final int IER_ELSI = 0x04;  // receiver line status
    static final int IER_EDSSI = 0x08; // modem status
    static final int IER_MASK = 0x0f;  // bits 4-7 are always 0

    // IIR (section 8.6, table 4).
    static final int IIR_NO_INT = 0x01;
    static final int IIR_MSI = 0x00;
    static final int IIR_THRI = 0x02;
    static final int IIR_RDI = 0x04;
    static final int IIR_RLSI = 0x06;
    static final int IIR_CTI = 0x0c;
    static final int IIR_FIFOS_ENABLED = 0xc0;

    // FCR (section 8.5).
    static final int FCR_FIFO_ENABLE = 0x01;
    static final int FCR_CLEAR_RX = 0x02;
    static final int FCR_CLEAR_TX = 0x04;
    static final int FCR_DMA_MODE = 0x08;
    static final int FCR_TRIGGER = 0xc0;
    static final int FCR_STORED = FCR_FIFO_ENABLE | FCR_DMA_MODE | FCR_TRIGGER;
    /** RX trigger levels for FCR bits 7-6 = 00, 01, 10, 11 (section 8.5). */
    private static final int[] TRIGGER_LEVELS = {1, 4, 8, 14};

    // LCR (section 8.1).
    static final int LCR_DLAB = 0x80;

    // MCR (section 8.8).
    static final int MCR_DTR = 0x01;
    static final int MCR_RTS = 0x02;
    static final int MCR_OUT1 = 0x04;
    static final int MCR_OUT2 = 0x08;
    static final int MCR_LOOP = 0x10;
    static final int MCR_MASK = 0x1f; // bits 5-7 are always 0

    // LSR (section 8.4).
    static final int LSR_DR = 0x01;
    static final int LSR_OE = 0x02;
    static final int LSR_THRE = 0x20;
    static final int LSR_TEMT = 0x40;

    // MSR (section 8.9).
    static final int MSR_DCTS = 0x01;
    static final int MSR_DDSR = 0x02;
    static final int MSR_TERI = 0x04; // trailing edge of RI (RI went 1 -> 0)
    static final int MSR_DDCD = 0x08;
    static final int MSR_DELTAS = 0x0f;
    static final int MSR_CTS = 0x10;
    static final int MSR_DSR = 0x20;
    static final int MSR_RI = 0x40;
    static final int MSR_DCD = 0x80;
    static final int MSR_LINES = 0xf0;
    /** The modem inputs of a connected terminal, outside loopback. */
    static final int MSR_CONNECTED = MSR_CTS | MSR_DSR | MSR_DCD;

    private final InterruptLine irq;
    private final ByteSink out;
    private final Runnable rxReady;

    private int dll;
    private int dlm;
    private int ier;
    private int fcr;
    private int lcr;
    private int mcr;
    private int msr;
    private int scr;
    private boolean overrun;
    private boolean thrInterruptPending;
    /** Receive FIFO: a ring of {@code rxCount} bytes from {@code rxHead}. */
    private final byte[] rx = new byte[FIFO_SIZE];
    private int rxHead;
    private int rxCount;
    /** The level last driven on {@link #irq}. */
    private boolean lineHigh;

    /** A UART in its power-on state; {@code irq} is IRQ 4 for COM1. */
    public Uart16550(InterruptLine irq, ByteSink out) {
        this(irq, out, () -> { });
    }

    /**
     * @param rxReady called when {@link #rxSpace()} rises from 0 because of a guest access
     *                (the guest read RBR, cleared the FIFO, left loopback): the host input
     *                adapter may push again. It runs under the UART's lock, so it should only
     *                wake the adapter's thread.
     */
    public Uart16550(InterruptLine irq, ByteSink out, Runnable rxReady) {
        this(irq, out, rxReady, UartState.powerOn());
    }

    /** A UART restored from a snapshot; the interrupt line is driven to the restored level. */
    public Uart16550(InterruptLine irq, ByteSink out, Runnable rxReady, UartState state) {
        this.irq = irq;
        this.out = out;
        this.rxReady = rxReady;
        restore(state);
    }

    @Override
    public synchronized long read(long offset, int size) {
        if (size != 1 || offset < 0 || offset >= REGISTER_COUNT) return 0xff;
        int spaceBefore = rxSpace();
        boolean dlab = (lcr & LCR_DLAB) != 0;
        int value = switch ((int) offset) {
            case RBR -> dlab ? dll : readRbr();
            case IER -> dlab ? dlm : ier;
            case IIR -> readIir();
            case LCR -> lcr;
            case MCR -> mcr;
            case LSR -> readLsr();
            case MSR -> readMsr();
            default -> scr;
        };
        afterAccess(spaceBefore);
        return value;
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        if (size != 1 || offset < 0 || offset >= REGISTER_COUNT) return;
        int spaceBefore = rxSpace();
        int v = (int) (value & 0xff);
        boolean dlab = (lcr & LCR_DLAB) != 0;
        switch ((int) offset) {
            case THR -> {
                if (dlab) dll = v; else writeThr(v);
            }
            case IER -> {
                if (dlab) dlm = v; else writeIer(v);
            }
            case FCR -> writeFcr(v);
            case LCR -> lcr = v;
            case MCR -> writeMcr(v);
            case SCR -> scr = v;
            default -> { } // LSR, MSR: read-only (section 8.4: LSR writes are for factory test)
        }
        afterAccess(spaceBefore);
    }

    /**
     * The host side offers one byte to the guest. Refused ({@code false}) when the receive FIFO
     * is full (16 bytes, or 1 with FIFOs off) or the UART is in loopback: hold it back and try
     * again when {@link #rxSpace()} is positive. Never sets LSR.OE.
     */
    public synchronized boolean receive(int b) {
        if (rxSpace() == 0) return false;
        push(b);
        updateInterrupt();
        return true;
    }

    /** Offers {@code len} bytes; returns how many were accepted, from the front. */
    @Override
    public synchronized int receive(byte[] buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.length);
        int n = Math.min(len, rxSpace());
        for (int i = 0; i < n; i++) push(buf[off + i]);
        if (n > 0) updateInterrupt();
        return n;
    }

    /** How many bytes {@link #receive} would accept now (0 in loopback). */
    public synchronized int rxSpace() {
        return (mcr & MCR_LOOP) != 0 ? 0 : rxCapacity() - rxCount;
    }

    /** {@link #rxSpace()}, for {@link InputReceiver}. */
    @Override
    public int space() {
        return rxSpace();
    }

    @Override
    public synchronized UartState state() {
        byte[] fifo = new byte[rxCount];
        for (int i = 0; i < rxCount; i++) fifo[i] = rx[(rxHead + i) % FIFO_SIZE];
        return new UartState(dll, dlm, ier, fcr, lcr, mcr, msr, scr, overrun, thrInterruptPending, fifo);
    }

    /** Loads {@code state} (a snapshot, or {@link UartState#powerOn()} for a reset) and drives the line. */
    @Override
    public synchronized void restore(UartState state) {
        dll = state.dll();
        dlm = state.dlm();
        ier = state.ier();
        fcr = state.fcr();
        lcr = state.lcr();
        mcr = state.mcr();
        msr = state.msr();
        scr = state.scr();
        overrun = state.overrun();
        thrInterruptPending = state.thrInterruptPending();
        byte[] fifo = state.rxFifo();
        System.arraycopy(fifo, 0, rx, 0, fifo.length);
        rxHead = 0;
        rxCount = fifo.length;
        lineHigh = lineLevel();
        irq.set(lineHigh);
    }

    /**
     * Master reset (datasheet table 1, "UART Reset Configuration"): {@link UartState#powerOn()};
     * the receive FIFO is emptied and the line lowered. The host input may push again.
     */
    @Override
    public synchronized void reset() {
        int spaceBefore = rxSpace();
        restore(UartState.powerOn());
        if (spaceBefore == 0 && rxSpace() > 0) rxReady.run();
    }

    // --- registers --------------------------------------------------------------------------

    private int readRbr() {
        if (rxCount == 0) return 0;
        int b = rx[rxHead] & 0xff;
        rxHead = (rxHead + 1) % FIFO_SIZE;
        rxCount--;
        return b;
    }

    /** Section 8.6: reading IIR clears the THRE interrupt when that is the source it reports. */
    private int readIir() {
        int id = interruptId();
        if (id == IIR_THRI) thrInterruptPending = false;
        return id | (fifoEnabled() ? IIR_FIFOS_ENABLED : 0);
    }

    /** Section 8.4: reading LSR clears the error bits (OE here). */
    private int readLsr() {
        int v = LSR_THRE | LSR_TEMT;
        if (rxCount > 0) v |= LSR_DR;
        if (overrun) v |= LSR_OE;
        overrun = false;
        return v;
    }

    /** Section 8.9: reading MSR clears the delta bits. */
    private int readMsr() {
        int v = msr;
        msr &= MSR_LINES;
        return v;
    }

    private void writeThr(int v) {
        // Writing THR clears the THRE interrupt; the byte leaves at once and THR is empty again.
        thrInterruptPending = false;
        updateInterrupt();
        if ((mcr & MCR_LOOP) != 0) loopbackReceive(v); else out.write(v);
        thrInterruptPending = true;
    }

    private void writeIer(int v) {
        int old = ier;
        ier = v & IER_MASK;
        // THR is always empty, so enabling ETBEI raises the THRE interrupt (Linux's and
        // Windows' THRE tests toggle IER to see it again). Disabling it drops the condition.
        if ((ier & IER_ETBEI) == 0) {
            thrInterruptPending = false;
        } else if ((old & IER_ETBEI) == 0) {
            thrInterruptPending = true;
        }
    }

    /**
     * Section 8.5: FCR0 enables both FIFOs and must be 1 for the other bits to be programmed;
     * changing FCR0 clears the FIFOs; FCR1 clears the RX FIFO (the shift register and LSR.OE are
     * kept); FCR2 clears the TX FIFO (always empty here); FCR7-6 select the RX trigger level.
     */
    private void writeFcr(int v) {
        boolean enable = (v & FCR_FIFO_ENABLE) != 0;
        if (enable != fifoEnabled()) clearRx();
        fcr = enable ? v & FCR_STORED : 0; // with FCR0 = 0 nothing else is programmed
        if (enable && (v & FCR_CLEAR_RX) != 0) clearRx();
    }

    /**
     * Section 8.8 (MCR) and 8.9 (MSR): in loopback the modem inputs are wired to the MCR
     * outputs, RTS to CTS, DTR to DSR, OUT1 to RI, OUT2 to DCD. A change of an input sets its
     * delta bit (RI: only its trailing edge, 1 to 0).
     */
    private void writeMcr(int v) {
        mcr = v & MCR_MASK;
        int lines = MSR_CONNECTED;
        if ((mcr & MCR_LOOP) != 0) {
            lines = (mcr & MCR_RTS) << 3 | (mcr & MCR_DTR) << 5 | (mcr & (MCR_OUT1 | MCR_OUT2)) << 4;
        }
        int old = msr & MSR_LINES;
        int changed = old ^ lines;
        int deltas = msr & MSR_DELTAS;
        if ((changed & MSR_CTS) != 0) deltas |= MSR_DCTS;
        if ((changed & MSR_DSR) != 0) deltas |= MSR_DDSR;
        if ((old & MSR_RI) != 0 && (lines & MSR_RI) == 0) deltas |= MSR_TERI;
        if ((changed & MSR_DCD) != 0) deltas |= MSR_DDCD;
        msr = lines | deltas;
    }

    // --- receiver ---------------------------------------------------------------------------

    private boolean fifoEnabled() {
        return (fcr & FCR_FIFO_ENABLE) != 0;
    }

    private int rxCapacity() {
        return fifoEnabled() ? FIFO_SIZE : 1;
    }

    private int triggerLevel() {
        return TRIGGER_LEVELS[(fcr & FCR_TRIGGER) >> 6];
    }

    private void push(int b) {
        rx[(rxHead + rxCount) % FIFO_SIZE] = (byte) b;
        rxCount++;
    }

    private void clearRx() {
        rxHead = 0;
        rxCount = 0;
    }

    /**
     * A byte transmitted in loopback arrives at the receiver. Into a full receiver it is an
     * overrun (section 8.4, LSR bit 1): in FIFO mode the new byte is lost and the FIFO kept; in
     * 16450 mode it overwrites the unread RBR.
     */
    private void loopbackReceive(int b) {
        if (rxCount < rxCapacity()) {
            push(b);
            return;
        }
        overrun = true;
        if (!fifoEnabled()) rx[rxHead] = (byte) b;
    }

    // --- interrupts -------------------------------------------------------------------------

    /** The IIR identification bits (0-3) of the highest-priority enabled pending interrupt. */
    private int interruptId() {
        if ((ier & IER_ELSI) != 0 && overrun) return IIR_RLSI;
        if ((ier & IER_ERBFI) != 0 && rxCount > 0) {
            return !fifoEnabled() || rxCount >= triggerLevel() ? IIR_RDI : IIR_CTI;
        }
        if ((ier & IER_ETBEI) != 0 && thrInterruptPending) return IIR_THRI;
        if ((ier & IER_EDSSI) != 0 && (msr & MSR_DELTAS) != 0) return IIR_MSI;
        return IIR_NO_INT;
    }

    private boolean lineLevel() {
        return (mcr & MCR_OUT2) != 0 && interruptId() != IIR_NO_INT;
    }

    private void updateInterrupt() {
        boolean high = lineLevel();
        if (high != lineHigh) {
            lineHigh = high;
            irq.set(high);
        }
    }

    private void afterAccess(int spaceBefore) {
        updateInterrupt();
        if (spaceBefore == 0 && rxSpace() > 0) rxReady.run();
    }
}
