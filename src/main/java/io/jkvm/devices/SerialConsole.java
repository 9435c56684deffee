package io.jkvm.devices;

import io.jkvm.bus.BusDevice;

/**
 * The transmit side of a 16550-compatible UART (COM1, {@link io.jkvm.boot.PcPorts#COM1}), enough for guests that print:
 * a byte written to THR goes to the sink, and LSR always reports the transmitter empty, since
 * guests poll it before writing. The full 16550A (FIFOs, interrupts, input) comes later.
 *
 * <p>Registers (offset from the base; PC16550D datasheet, table 2), DLAB = LCR bit 7:
 * <pre>
 * 0 RBR (read) / THR (write) / DLL (DLAB=1)   1 IER / DLM (DLAB=1)
 * 2 IIR (read) / FCR (write)                  3 LCR
 * 4 MCR   5 LSR   6 MSR   7 SCR
 * </pre>
 */
public final class SerialConsole implements BusDevice {
    public static final int REGISTER_COUNT = 8;

    static final int THR = 0;
    static final int IER = 1;
    static final int IIR = 2;
    static final int LCR = 3;
    static final int MCR = 4;
    static final int LSR = 5;
    static final int MSR = 6;
    static final int SCR = 7;

    static final int LCR_DLAB = 0x80;
    /** LSR: THR empty (bit 5) and transmitter empty (bit 6). */
    static final int LSR_TX_EMPTY = 0x60;
    /** IIR: no interrupt pending. */
    static final int IIR_NONE = 0x01;
    /** MSR: carrier detect, data set ready, clear to send. */
    static final int MSR_CONNECTED = 0xb0;

    private final ByteSink sink;
    private int ier;
    private int lcr;
    private int mcr;
    private int scr;
    private int dll = 0x0c; // 9600 baud at 1.8432 MHz, the power-on divisor most BIOSes leave
    private int dlm;

    public SerialConsole(ByteSink sink) {
        this.sink = sink;
    }

    @Override
    public synchronized long read(long offset, int size) {
        if (size != 1) return 0xff; // UART registers are 8 bits wide
        boolean dlab = (lcr & LCR_DLAB) != 0;
        return switch ((int) offset) {
            case THR -> dlab ? dll : 0; // no input yet: RBR reads 0
            case IER -> dlab ? dlm : ier;
            case IIR -> IIR_NONE;
            case LCR -> lcr;
            case MCR -> mcr;
            case LSR -> LSR_TX_EMPTY;
            case MSR -> MSR_CONNECTED;
            case SCR -> scr;
            default -> 0xff;
        };
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        if (size != 1) return;
        int v = (int) (value & 0xff);
        boolean dlab = (lcr & LCR_DLAB) != 0;
        switch ((int) offset) {
            case THR -> {
                if (dlab) dll = v; else sink.write(v);
            }
            case IER -> {
                if (dlab) dlm = v; else ier = v & 0x0f;
            }
            case LCR -> lcr = v;
            case MCR -> mcr = v & 0x1f;
            case SCR -> scr = v;
            default -> { } // FCR, LSR, MSR: nothing to do without FIFOs or a modem
        }
    }
}
