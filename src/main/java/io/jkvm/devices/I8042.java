package io.jkvm.devices;

import io.jkvm.boot.PcPorts;
import io.jkvm.exit.ExitRequester;
import io.jkvm.exit.VmExit;
import io.jkvm.bus.BusDevice;
import io.jkvm.irq.InterruptLine;
import io.jkvm.state.Resettable;
import io.jkvm.state.Stateful;

/**
 * The PC AT keyboard controller (Intel 8042) with a keyboard behind it and no mouse: enough for
 * Linux's probe (drivers/input/serio/i8042.c, drivers/input/keyboard/atkbd.c) and for the
 * reboot path that pulses the reset line (arch/x86/kernel/reboot.c, {@code BOOT_KBD}).
 *
 * <p>The two ports are not adjacent (0x61 between them belongs to {@link SystemControlPortB}), so
 * the controller offers one {@link BusDevice} per port: attach {@link #dataPort()} at
 * {@link PcPorts#I8042_DATA} and {@link #commandPort()} at {@link PcPorts#I8042_COMMAND}, one byte each.
 *
 * <p>Status register, read from 0x64 (IBM PC AT Technical Reference, "Keyboard controller";
 * Linux {@code I8042_STR_*}):
 * <pre>
 * 7 PARITY  6 TIMEOUT  5 AUXDATA  4 KEYLOCK (1 = not inhibited)  3 CMDDAT (last write was to 0x64)
 * 2 SYSFLAG  1 IBF (always 0: every write is taken at once)  0 OBF
 * </pre>
 * Command byte, controller RAM byte 0 (Linux {@code I8042_CTR_*}): 0 KBDINT, 1 AUXINT,
 * 2 SYSFLAG, 3 IGNKEYLOCK, 4 KBDDIS, 5 AUXDIS, 6 XLATE. It starts at 0x45 (keyboard interrupt,
 * POST passed, translation on), what a BIOS leaves; jkvm runs no BIOS.
 *
 * <p>Bytes for the guest wait in three small queues: controller replies first, then the
 * keyboard's (held while KBDDIS), then the aux port's (held while AUXDIS); the head moves into
 * the one-byte output buffer when the guest has read the previous byte. IRQ 1 is high while the
 * output buffer holds a keyboard byte and KBDINT is set; IRQ 12 likewise for an aux byte and
 * AUXINT. Reading port 0x60 lowers the line before the next byte raises it again, so an
 * edge-triggered PIC sees one edge per byte. Reading 0x60 with the buffer empty returns the last
 * byte again.
 *
 * <p>No mouse: a byte sent to the aux device (0xD4) is answered with 0xFE and TIMEOUT set, which
 * makes libps2 abort the command at once ({@code psmouse}: "bad data from KBC - timeout"), while
 * the aux loopback (0xD3) works, as Linux's {@code i8042_check_aux} wants. Keyboard scan codes
 * from the host are not modelled yet; A20 (output port bit 1) is stored but gates nothing, since
 * KVM does not mask A20.
 */
public final class I8042 implements Resettable, Stateful<I8042State> {
    static final int STR_OBF = 0x01;
    static final int STR_SYSFLAG = 0x04;
    static final int STR_CMDDAT = 0x08;
    static final int STR_KEYLOCK = 0x10;
    static final int STR_AUXDATA = 0x20;
    static final int STR_TIMEOUT = 0x40;

    static final int CTR_KBDINT = 0x01;
    static final int CTR_AUXINT = 0x02;
    static final int CTR_SYSFLAG = 0x04;
    static final int CTR_KBDDIS = 0x10;
    static final int CTR_AUXDIS = 0x20;
    static final int CTR_XLATE = 0x40;
    static final int CTR_RESET = CTR_KBDINT | CTR_SYSFLAG | CTR_XLATE;

    // Controller commands, written to 0x64 (Linux I8042_CMD_*, low byte).
    static final int CMD_READ_RAM = 0x20;      // 0x20-0x3f: read RAM byte (0x20: command byte)
    static final int CMD_WRITE_RAM = 0x60;     // 0x60-0x7f: write RAM byte, value follows on 0x60
    static final int CMD_AUX_DISABLE = 0xa7;
    static final int CMD_AUX_ENABLE = 0xa8;
    static final int CMD_AUX_TEST = 0xa9;
    static final int CMD_SELF_TEST = 0xaa;
    static final int CMD_KBD_TEST = 0xab;
    static final int CMD_KBD_DISABLE = 0xad;
    static final int CMD_KBD_ENABLE = 0xae;
    static final int CMD_READ_INPUT = 0xc0;
    static final int CMD_READ_OUTPUT = 0xd0;
    static final int CMD_WRITE_OUTPUT = 0xd1;
    static final int CMD_WRITE_KBD_OUTBUF = 0xd2;
    static final int CMD_WRITE_AUX_OUTBUF = 0xd3; // Linux I8042_CMD_AUX_LOOP
    static final int CMD_WRITE_AUX = 0xd4;        // Linux I8042_CMD_AUX_SEND
    static final int CMD_DISABLE_A20 = 0xdd;
    static final int CMD_ENABLE_A20 = 0xdf;
    static final int CMD_PULSE = 0xf0;            // 0xf0-0xff: pulse output port bits 3-0 where 0
    static final int CMD_RESET = 0xfe;

    static final int SELF_TEST_OK = 0x55;
    static final int INTERFACE_OK = 0x00;
    /** Input port: bit 7 = keyboard not inhibited. */
    static final int INPUT_PORT = 0x80;

    // Output port (IBM PC AT Technical Reference): bit 0 resets the CPU while 0, bit 1 is A20.
    static final int OUT_RESET = 0x01;
    static final int OUT_A20 = 0x02;
    static final int OUT_KBD_OBF = 0x10;
    static final int OUT_AUX_OBF = 0x20;
    static final int OUT_INIT = 0xcf; // as QEMU's hw/input/pckbd.c: not in reset, A20 on, unused bits 1

    // Keyboard commands (atkbd.c ATKBD_CMD_*) and replies (ATKBD_RET_*).
    static final int KBD_SETLEDS = 0xed;
    static final int KBD_ECHO = 0xee;
    static final int KBD_SSCANSET = 0xf0;
    static final int KBD_GETID = 0xf2;
    static final int KBD_SETREP = 0xf3;
    static final int KBD_ENABLE = 0xf4;
    static final int KBD_RESET_DIS = 0xf5;
    static final int KBD_RESET_DEF = 0xf6;
    static final int KBD_RESET_BAT = 0xff;
    static final int KBD_ACK = 0xfa;
    static final int KBD_BAT_OK = 0xaa;
    static final int KBD_ID = 0xab;
    static final int KBD_ID_MF2 = 0x83;
    /** The second ID byte as the controller translates it (XLATE); atkbd accepts both. */
    static final int KBD_ID_MF2_XLATED = 0x41;
    static final int RESEND = 0xfe;

    /** Queue entry bits above the data byte. */
    private static final int FROM_AUX = 0x100;
    private static final int WITH_TIMEOUT = 0x200;

    private final ExitRequester exits;
    private final InterruptLine irq1;
    private final InterruptLine irq12;
    private final BusDevice dataPort = new Port(true);
    private final BusDevice commandPort = new Port(false);

    /** Controller RAM; byte 0 is the command byte. */
    private final int[] ram = new int[32];
    private final ByteQueue controllerQueue = new ByteQueue();
    private final ByteQueue keyboardQueue = new ByteQueue();
    private final ByteQueue auxQueue = new ByteQueue();
    private boolean outputFull;
    private int output;          // entry: byte | FROM_AUX | WITH_TIMEOUT
    private int lastRead;
    private boolean sysFlag = true;
    private boolean lastWriteWasCommand;
    private int outputPort = OUT_INIT;
    /** A controller command waiting for its byte on port 0x60, or 0. */
    private int pendingCommand;
    /** A keyboard command waiting for its parameter byte, or 0. */
    private int keyboardPending;
    private boolean scanning = true;
    private int leds;
    private int scanCodeSet = 2;
    private boolean irq1Level;
    private boolean irq12Level;

    /** A controller whose interrupt lines are connected to nothing. */
    public I8042(ExitRequester exits) {
        this(exits, InterruptLine.NONE, InterruptLine.NONE);
    }

    public I8042(ExitRequester exits, InterruptLine irq1, InterruptLine irq12) {
        this.exits = exits;
        this.irq1 = irq1;
        this.irq12 = irq12;
        ram[0] = CTR_RESET;
    }

    /** Port 0x60: output buffer (read), data or parameter (write). */
    public BusDevice dataPort() { return dataPort; }

    /** Port 0x64: status (read), controller command (write). */
    public BusDevice commandPort() { return commandPort; }

    public synchronized int commandByte() { return ram[0]; }

    public synchronized int outputPort() { return outputPort; }

    /** Output port bit 1; informational, KVM has no A20 gate. */
    public synchronized boolean a20Enabled() { return (outputPort & OUT_A20) != 0; }

    /** The keyboard's LED byte (bit 0 scroll, 1 num, 2 caps lock), as the guest last set it. */
    public synchronized int keyboardLeds() { return leds; }

    /** Power-on ({@link I8042State#powerOn()}): QEMU resets the controller with the machine (pckbd.c kbd_reset). */
    @Override
    public synchronized void reset() {
        restore(I8042State.powerOn());
    }

    @Override
    public synchronized I8042State state() {
        byte[] bytes = new byte[ram.length];
        for (int i = 0; i < ram.length; i++) bytes[i] = (byte) ram[i];
        return new I8042State(bytes, controllerQueue.toArray(), keyboardQueue.toArray(), auxQueue.toArray(),
                outputFull, output, lastRead, sysFlag, lastWriteWasCommand, outputPort, pendingCommand,
                keyboardPending, scanning, leds, scanCodeSet);
    }

    /** Loads {@code state} and drives IRQ 1 and 12 to the levels its output buffer implies. */
    @Override
    public synchronized void restore(I8042State state) {
        byte[] bytes = state.ram();
        for (int i = 0; i < ram.length; i++) ram[i] = bytes[i] & 0xff;
        controllerQueue.load(state.controllerQueue());
        keyboardQueue.load(state.keyboardQueue());
        auxQueue.load(state.auxQueue());
        outputFull = state.outputFull();
        output = state.output();
        lastRead = state.lastRead();
        sysFlag = state.sysFlag();
        lastWriteWasCommand = state.lastWriteWasCommand();
        outputPort = state.outputPort();
        pendingCommand = state.pendingCommand();
        keyboardPending = state.keyboardPending();
        scanning = state.scanning();
        leds = state.leds();
        scanCodeSet = state.scanCodeSet();
        boolean aux = (output & FROM_AUX) != 0;
        irq1Level = outputFull && !aux && (ram[0] & CTR_KBDINT) != 0;
        irq12Level = outputFull && aux && (ram[0] & CTR_AUXINT) != 0;
        irq1.set(irq1Level);
        irq12.set(irq12Level);
    }

    private final class Port implements BusDevice {
        private final boolean data;

        Port(boolean data) { this.data = data; }

        @Override
        public long read(long offset, int size) {
            if (offset != 0 || size != 1) return size >= 8 ? -1L : (1L << (8 * size)) - 1; // byte-wide ports
            return data ? readData() : readStatus();
        }

        @Override
        public void write(long offset, int size, long value) {
            if (offset != 0 || size != 1) return;
            if (data) writeData((int) value & 0xff); else writeCommand((int) value & 0xff);
        }
    }

    synchronized int readStatus() {
        int status = STR_KEYLOCK;
        if (outputFull) {
            status |= STR_OBF;
            if ((output & FROM_AUX) != 0) status |= STR_AUXDATA;
            if ((output & WITH_TIMEOUT) != 0) status |= STR_TIMEOUT;
        }
        if (sysFlag) status |= STR_SYSFLAG;
        if (lastWriteWasCommand) status |= STR_CMDDAT;
        return status;
    }

    synchronized int readData() {
        if (outputFull) {
            outputFull = false;
            lastRead = output & 0xff;
            setLines(false, false); // a falling edge before the next byte's rising one
        }
        settle();
        return lastRead;
    }

    synchronized void writeCommand(int command) {
        lastWriteWasCommand = true;
        pendingCommand = 0; // a new command abandons one still waiting for its byte
        if (command >= CMD_READ_RAM && command < CMD_READ_RAM + ram.length) {
            reply(ram[command - CMD_READ_RAM]);
        } else if (command >= CMD_WRITE_RAM && command < CMD_WRITE_RAM + ram.length) {
            pendingCommand = command;
        } else if (command >= CMD_PULSE) {
            // Bits 3-0 that are 0 are pulsed low; bit 0 is the CPU reset line (QEMU's pckbd.c
            // treats every 0xf0-0xff with bit 0 clear as 0xFE). Linux's reboot writes 0xFE.
            if ((command & OUT_RESET) == 0) {
                exits.requestExit(VmExit.reset(String.format("guest reset through the i8042 (0x%02X to port 0x64)", command)));
            }
        } else {
            switch (command) {
                case CMD_AUX_DISABLE -> ram[0] |= CTR_AUXDIS;
                case CMD_AUX_ENABLE -> ram[0] &= ~CTR_AUXDIS;
                case CMD_AUX_TEST, CMD_KBD_TEST -> reply(INTERFACE_OK);
                case CMD_SELF_TEST -> {
                    sysFlag = true;
                    reply(SELF_TEST_OK);
                }
                case CMD_KBD_DISABLE -> ram[0] |= CTR_KBDDIS;
                case CMD_KBD_ENABLE -> ram[0] &= ~CTR_KBDDIS;
                case CMD_READ_INPUT -> reply(INPUT_PORT);
                case CMD_READ_OUTPUT -> reply(outputPortWithBufferBits());
                case CMD_WRITE_OUTPUT, CMD_WRITE_KBD_OUTBUF, CMD_WRITE_AUX_OUTBUF, CMD_WRITE_AUX -> pendingCommand = command;
                case CMD_DISABLE_A20 -> outputPort &= ~OUT_A20;
                case CMD_ENABLE_A20 -> outputPort |= OUT_A20;
                default -> { } // other vendor commands (0xa1 version, 0xa4 password, ...): ignored
            }
        }
        settle();
    }

    synchronized void writeData(int value) {
        lastWriteWasCommand = false;
        int command = pendingCommand;
        pendingCommand = 0;
        if (command >= CMD_WRITE_RAM && command < CMD_WRITE_RAM + ram.length) {
            ram[command - CMD_WRITE_RAM] = value;
            if (command == CMD_WRITE_RAM) sysFlag = (value & CTR_SYSFLAG) != 0;
        } else if (command == CMD_WRITE_OUTPUT) {
            outputPort = value;
            if ((value & OUT_RESET) == 0) {
                exits.requestExit(VmExit.reset(String.format(
                        "guest reset through the i8042 (output port write 0x%02X, bit 0 clear)", value)));
            }
        } else if (command == CMD_WRITE_KBD_OUTBUF) {
            controllerQueue.add(value);
        } else if (command == CMD_WRITE_AUX_OUTBUF) {
            controllerQueue.add(value | FROM_AUX);
        } else if (command == CMD_WRITE_AUX) {
            ram[0] &= ~CTR_AUXDIS; // talking to the device enables its interface, as for the keyboard
            auxQueue.add(RESEND | FROM_AUX | WITH_TIMEOUT); // no mouse answers
        } else {
            keyboardCommand(value);
        }
        settle();
    }

    private int outputPortWithBufferBits() {
        int bits = outputPort & ~(OUT_KBD_OBF | OUT_AUX_OBF);
        if (outputFull) bits |= (output & FROM_AUX) != 0 ? OUT_AUX_OBF : OUT_KBD_OBF;
        return bits;
    }

    /** A byte to the keyboard (PS/2 keyboard commands; IBM PC AT Technical Reference, "Keyboard"). */
    private void keyboardCommand(int value) {
        ram[0] &= ~CTR_KBDDIS; // sending data to the keyboard re-enables its interface (QEMU pckbd.c)
        int pending = keyboardPending;
        keyboardPending = 0;
        if (pending != 0) {
            switch (pending) {
                case KBD_SETLEDS -> leds = value & 0x07;
                case KBD_SSCANSET -> {
                    if (value == 0) {
                        keyboardQueue.add(KBD_ACK);
                        keyboardQueue.add(scanCodeSetReply());
                        return;
                    }
                    if (value <= 3) scanCodeSet = value;
                }
                default -> { } // KBD_SETREP: the typematic rate means nothing without keys
            }
            keyboardQueue.add(KBD_ACK);
            return;
        }
        switch (value) {
            case KBD_RESET_BAT -> {
                keyboardQueue.clear();
                resetKeyboard();
                keyboardQueue.add(KBD_ACK);
                keyboardQueue.add(KBD_BAT_OK);
            }
            case KBD_GETID -> {
                keyboardQueue.add(KBD_ACK);
                keyboardQueue.add(KBD_ID);
                keyboardQueue.add((ram[0] & CTR_XLATE) != 0 ? KBD_ID_MF2_XLATED : KBD_ID_MF2);
            }
            case KBD_ENABLE -> {
                scanning = true;
                keyboardQueue.add(KBD_ACK);
            }
            case KBD_RESET_DIS -> {
                resetKeyboard();
                scanning = false;
                keyboardQueue.add(KBD_ACK);
            }
            case KBD_RESET_DEF -> {
                resetKeyboard();
                keyboardQueue.add(KBD_ACK);
            }
            case KBD_SETLEDS, KBD_SETREP, KBD_SSCANSET -> {
                keyboardPending = value;
                keyboardQueue.add(KBD_ACK);
            }
            case KBD_ECHO -> keyboardQueue.add(KBD_ECHO);
            default -> keyboardQueue.add(KBD_ACK);
        }
    }

    private void resetKeyboard() {
        scanning = true;
        leds = 0;
        scanCodeSet = 2;
    }

    /** Scan code set as reported, translated by the controller when XLATE is on (QEMU ps2.c). */
    private int scanCodeSetReply() {
        if ((ram[0] & CTR_XLATE) == 0) return scanCodeSet;
        return switch (scanCodeSet) {
            case 1 -> 0x43;
            case 3 -> 0x3f;
            default -> 0x41;
        };
    }

    /** Whether the keyboard would send scan codes (0xF4 / 0xF5); there are none yet. */
    synchronized boolean scanning() { return scanning; }

    private void reply(int value) {
        controllerQueue.add(value);
    }

    /** Loads the output buffer if it is empty and drives IRQ 1 and 12 from it. */
    private void settle() {
        if (!outputFull) {
            if (!controllerQueue.isEmpty()) {
                load(controllerQueue.remove());
            } else if ((ram[0] & CTR_KBDDIS) == 0 && !keyboardQueue.isEmpty()) {
                load(keyboardQueue.remove());
            } else if ((ram[0] & CTR_AUXDIS) == 0 && !auxQueue.isEmpty()) {
                load(auxQueue.remove());
            }
        }
        boolean aux = (output & FROM_AUX) != 0;
        setLines(outputFull && !aux && (ram[0] & CTR_KBDINT) != 0,
                outputFull && aux && (ram[0] & CTR_AUXINT) != 0);
    }

    private void load(int entry) {
        output = entry;
        outputFull = true;
    }

    private void setLines(boolean kbd, boolean aux) {
        if (kbd != irq1Level) {
            irq1Level = kbd;
            irq1.set(kbd);
        }
        if (aux != irq12Level) {
            irq12Level = aux;
            irq12.set(aux);
        }
    }

    /** A 16-entry FIFO of ints, the size of a PS/2 device's buffer; bytes past it are dropped. */
    static final class ByteQueue {
        static final int CAPACITY = 16;
        private final int[] entries = new int[CAPACITY];
        private int head;
        private int size;

        void add(int entry) {
            if (size == CAPACITY) return;
            entries[(head + size) % CAPACITY] = entry;
            size++;
        }

        int remove() {
            int e = entries[head];
            head = (head + 1) % CAPACITY;
            size--;
            return e;
        }

        boolean isEmpty() { return size == 0; }

        void clear() {
            head = 0;
            size = 0;
        }

        /** The entries, oldest first. */
        int[] toArray() {
            int[] a = new int[size];
            for (int i = 0; i < size; i++) a[i] = entries[(head + i) % CAPACITY];
            return a;
        }

        /** Replaces the contents with {@code a} (at most {@link #CAPACITY} entries). */
        void load(int[] a) {
            System.arraycopy(a, 0, entries, 0, a.length);
            head = 0;
            size = a.length;
        }
    }
}
