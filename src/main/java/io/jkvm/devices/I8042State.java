package io.jkvm.devices;

import io.jkvm.state.SavedState;
import io.jkvm.state.StateReader;
import io.jkvm.state.StateWriter;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * The saved state of an {@link I8042} and the keyboard behind it. The status register and the
 * IRQ 1 / IRQ 12 levels are derived from these. A queue entry and the output buffer hold a byte
 * in bits 0-7, bit 8 set for a byte from the aux port and bit 9 for one with TIMEOUT.
 *
 * @param ram                 the controller's 32 RAM bytes; byte 0 is the command byte
 * @param controllerQueue     controller replies not yet in the output buffer, oldest first
 * @param keyboardQueue       keyboard bytes waiting (held while KBDDIS)
 * @param auxQueue            aux bytes waiting (held while AUXDIS)
 * @param outputFull          OBF: the output buffer holds {@code output}
 * @param output              the output buffer's entry
 * @param lastRead            the byte port 0x60 returns again when the buffer is empty
 * @param sysFlag             status bit 2 (POST passed)
 * @param lastWriteWasCommand status bit 3 (CMDDAT)
 * @param outputPort          the output port: bit 0 reset line, bit 1 A20
 * @param pendingCommand      a controller command waiting for its byte on 0x60 (0x60-0x7f, 0xd1-0xd4), or 0
 * @param keyboardPending     a keyboard command waiting for its parameter (0xed, 0xf0, 0xf3), or 0
 * @param scanning            the keyboard is enabled (0xF4) rather than disabled (0xF5)
 * @param leds                the keyboard LEDs (bits 0-2)
 * @param scanCodeSet         the keyboard's scan code set, 1-3
 */
public record I8042State(byte[] ram, int[] controllerQueue, int[] keyboardQueue, int[] auxQueue,
                         boolean outputFull, int output, int lastRead, boolean sysFlag, boolean lastWriteWasCommand,
                         int outputPort, int pendingCommand, int keyboardPending, boolean scanning, int leds,
                         int scanCodeSet) implements SavedState {
    public static final String TAG = "8042";
    public static final int VERSION = 1;
    static final int RAM_SIZE = 32;
    /** Byte, aux and timeout bits of a queue entry. */
    static final int ENTRY_MASK = 0x3ff;

    public I8042State {
        if (ram.length != RAM_SIZE) throw new IllegalArgumentException("controller RAM is " + RAM_SIZE + " bytes, not " + ram.length);
        checkQueue("controllerQueue", controllerQueue);
        checkQueue("keyboardQueue", keyboardQueue);
        checkQueue("auxQueue", auxQueue);
        check("output", output, ENTRY_MASK);
        check("lastRead", lastRead, 0xff);
        check("outputPort", outputPort, 0xff);
        check("leds", leds, 0x07);
        boolean controllerCommand = pendingCommand == 0
                || (pendingCommand >= I8042.CMD_WRITE_RAM && pendingCommand < I8042.CMD_WRITE_RAM + RAM_SIZE)
                || (pendingCommand >= I8042.CMD_WRITE_OUTPUT && pendingCommand <= I8042.CMD_WRITE_AUX);
        if (!controllerCommand) throw new IllegalArgumentException(String.format("pendingCommand 0x%x takes no data byte", pendingCommand));
        if (keyboardPending != 0 && keyboardPending != I8042.KBD_SETLEDS && keyboardPending != I8042.KBD_SSCANSET
                && keyboardPending != I8042.KBD_SETREP) {
            throw new IllegalArgumentException(String.format("keyboardPending 0x%x takes no parameter", keyboardPending));
        }
        if (scanCodeSet < 1 || scanCodeSet > 3) throw new IllegalArgumentException("scan code set " + scanCodeSet + " is not 1-3");
        ram = ram.clone();
        controllerQueue = controllerQueue.clone();
        keyboardQueue = keyboardQueue.clone();
        auxQueue = auxQueue.clone();
    }

    /** Power-on: command byte 0x45, output port 0xcf (A20 on), nothing queued, keyboard scanning set 2. */
    public static I8042State powerOn() {
        byte[] ram = new byte[RAM_SIZE];
        ram[0] = I8042.CTR_RESET;
        return new I8042State(ram, new int[0], new int[0], new int[0], false, 0, 0, true, false,
                I8042.OUT_INIT, 0, 0, true, 0, 2);
    }

    @Override public byte[] ram() { return ram.clone(); }
    @Override public int[] controllerQueue() { return controllerQueue.clone(); }
    @Override public int[] keyboardQueue() { return keyboardQueue.clone(); }
    @Override public int[] auxQueue() { return auxQueue.clone(); }

    /**
     * Section {@value #TAG} version 1: ram (32 raw bytes); the controller, keyboard and aux
     * queues, each a count (u8, at most 16) and its entries (u16); outputFull (bool), output
     * (u16), lastRead (u8), sysFlag, lastWriteWasCommand (bool), outputPort, pendingCommand,
     * keyboardPending (u8), scanning (bool), leds, scanCodeSet (u8).
     */
    @Override
    public void writeTo(StateWriter out) {
        out.beginSection(TAG, VERSION).raw(ram);
        for (int[] q : new int[][] {controllerQueue, keyboardQueue, auxQueue}) {
            out.u8(q.length);
            for (int e : q) out.u16(e);
        }
        out.bool(outputFull).u16(output).u8(lastRead).bool(sysFlag).bool(lastWriteWasCommand)
                .u8(outputPort).u8(pendingCommand).u8(keyboardPending).bool(scanning).u8(leds).u8(scanCodeSet)
                .endSection();
    }

    public static I8042State readFrom(StateReader in) {
        in.beginSection(TAG, VERSION);
        byte[] ram = in.raw("ram", RAM_SIZE);
        int[] controller = queue(in, "controllerQueue");
        int[] keyboard = queue(in, "keyboardQueue");
        int[] aux = queue(in, "auxQueue");
        boolean full = in.bool("outputFull");
        int output = in.u16("output");
        int lastRead = in.u8("lastRead");
        boolean sys = in.bool("sysFlag");
        boolean cmd = in.bool("lastWriteWasCommand");
        int port = in.u8("outputPort"), pending = in.u8("pendingCommand"), kbdPending = in.u8("keyboardPending");
        boolean scanning = in.bool("scanning");
        int leds = in.u8("leds"), set = in.u8("scanCodeSet");
        I8042State state = in.build(() -> new I8042State(ram, controller, keyboard, aux, full, output, lastRead, sys, cmd,
                port, pending, kbdPending, scanning, leds, set));
        in.endSection();
        return state;
    }

    private static int[] queue(StateReader in, String name) {
        int n = in.u8(name + " count");
        if (n > I8042.ByteQueue.CAPACITY) throw in.corrupt(name + " holds " + n + " entries, more than " + I8042.ByteQueue.CAPACITY);
        int[] q = new int[n];
        for (int i = 0; i < n; i++) q[i] = in.u16(name + " entry");
        return q;
    }

    private static void checkQueue(String name, int[] q) {
        if (q.length > I8042.ByteQueue.CAPACITY) throw new IllegalArgumentException(name + " holds " + q.length + " entries, more than " + I8042.ByteQueue.CAPACITY);
        for (int e : q) check(name + " entry", e, ENTRY_MASK);
    }

    private static void check(String name, int value, int allowedBits) {
        if ((value & ~allowedBits) != 0) throw new IllegalArgumentException(String.format("%s = 0x%x has bits outside 0x%x", name, value, allowedBits));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof I8042State s && Arrays.equals(ram, s.ram) && Arrays.equals(controllerQueue, s.controllerQueue)
                && Arrays.equals(keyboardQueue, s.keyboardQueue) && Arrays.equals(auxQueue, s.auxQueue)
                && outputFull == s.outputFull && output == s.output && lastRead == s.lastRead && sysFlag == s.sysFlag
                && lastWriteWasCommand == s.lastWriteWasCommand && outputPort == s.outputPort
                && pendingCommand == s.pendingCommand && keyboardPending == s.keyboardPending && scanning == s.scanning
                && leds == s.leds && scanCodeSet == s.scanCodeSet;
    }

    @Override
    public int hashCode() {
        int h = Arrays.hashCode(ram);
        h = 31 * h + Arrays.hashCode(controllerQueue);
        h = 31 * h + Arrays.hashCode(keyboardQueue);
        h = 31 * h + Arrays.hashCode(auxQueue);
        for (int v : new int[] {Boolean.hashCode(outputFull), output, lastRead, Boolean.hashCode(sysFlag),
            Boolean.hashCode(lastWriteWasCommand), outputPort, pendingCommand, keyboardPending, Boolean.hashCode(scanning),
            leds, scanCodeSet}) {
            h = 31 * h + v;
        }
        return h;
    }

    @Override
    public String toString() {
        return String.format("I8042State[ram=%s, controllerQueue=%s, keyboardQueue=%s, auxQueue=%s, outputFull=%b, output=%03x,"
                        + " lastRead=%02x, sysFlag=%b, lastWriteWasCommand=%b, outputPort=%02x, pendingCommand=%02x,"
                        + " keyboardPending=%02x, scanning=%b, leds=%d, scanCodeSet=%d]",
                HexFormat.of().formatHex(ram), Arrays.toString(controllerQueue), Arrays.toString(keyboardQueue),
                Arrays.toString(auxQueue), outputFull, output, lastRead, sysFlag, lastWriteWasCommand, outputPort,
                pendingCommand, keyboardPending, scanning, leds, scanCodeSet);
    }
}
