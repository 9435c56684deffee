package io.jkvm.devices;

import io.jkvm.exit.VmExit;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class I8042Test {
    private final List<VmExit> exits = new ArrayList<>();
    private final List<Boolean> irq1 = new ArrayList<>();
    private final List<Boolean> irq12 = new ArrayList<>();
    private final I8042 kbc = new I8042(exits::add, irq1::add, irq12::add);

    private int status() { return (int) kbc.commandPort().read(0, 1); }

    private int data() { return (int) kbc.dataPort().read(0, 1); }

    private void command(int c) { kbc.commandPort().write(0, 1, c); }

    private void data(int d) { kbc.dataPort().write(0, 1, d); }

    /** Reads every byte waiting, as Linux's i8042_flush does. */
    private List<Integer> drain() {
        List<Integer> bytes = new ArrayList<>();
        while ((status() & 0x01) != 0) bytes.add(data());
        return bytes;
    }

    @Test
    void statusStartsWithSystemFlagAndKeyboardUnlocked() {
        assertEquals(0x14, status());
        assertEquals(0x45, kbc.commandByte());
    }

    @Test
    void readCommandByte() {
        command(0x20);
        assertEquals(0x1d, status()); // OBF | SYSFLAG | CMDDAT | KEYLOCK
        assertEquals(0x45, data());
        assertEquals(0x1c, status());
    }

    @Test
    void commandByteRoundTrip() {
        command(0x60);
        data(0x47);
        assertEquals(0x14, status()); // CMDDAT clear after the data write
        command(0x20);
        assertEquals(0x47, data());
        assertEquals(0x47, kbc.commandByte());
    }

    @Test
    void commandByteBit2DrivesTheSystemFlagUntilSelfTest() {
        command(0x60);
        data(0x41);
        assertEquals(0x10, status());
        command(0xaa);
        assertEquals(0x1d, status());
        assertEquals(0x55, data());
    }

    @Test
    void selfAndInterfaceTests() {
        command(0xaa);
        assertEquals(List.of(0x55), drain());
        command(0xab);
        assertEquals(List.of(0x00), drain());
        command(0xa9);
        assertEquals(List.of(0x00), drain());
    }

    @Test
    void enableAndDisableCommandsSetCommandByteBits() {
        command(0xa7);
        assertEquals(0x65, kbc.commandByte());
        command(0xad);
        assertEquals(0x75, kbc.commandByte());
        command(0xa8);
        assertEquals(0x55, kbc.commandByte());
        command(0xae);
        assertEquals(0x45, kbc.commandByte());
    }

    @Test
    void extraRamBytesRoundTrip() {
        command(0x7f);
        data(0x3c);
        command(0x3f);
        assertEquals(List.of(0x3c), drain());
        command(0xc0);
        assertEquals(List.of(0x80), drain());
    }

    @Test
    void pulseResetLineRequestsAReset() {
        command(0xfe);
        assertEquals(List.of(VmExit.reset("guest reset through the i8042 (0xFE to port 0x64)")), exits);
        command(0xff); // pulses nothing
        command(0xfc); // pulses bit 0 too
        assertEquals(2, exits.size());
        assertEquals("guest reset through the i8042 (0xFC to port 0x64)", exits.get(1).message());
        assertEquals(VmExit.Reason.RESET, exits.get(1).reason());
    }

    @Test
    void outputPortRoundTripAndResetBit() {
        command(0xd0);
        assertEquals(List.of(0xcf), drain());
        command(0xd1);
        data(0xcd); // A20 off, reset line high
        assertEquals(List.of(), exits);
        assertFalse(kbc.a20Enabled());
        command(0xd0);
        assertEquals(List.of(0xcd), drain());
        command(0xdf);
        assertTrue(kbc.a20Enabled());
        command(0xdd);
        assertFalse(kbc.a20Enabled());
        command(0xd1);
        data(0xfe);
        assertEquals(List.of(VmExit.reset("guest reset through the i8042 (output port write 0xFE, bit 0 clear)")), exits);
    }

    @Test
    void outputPortShowsTheBufferBits() {
        command(0xd2);
        data(0x11); // a keyboard byte in the output buffer
        command(0xd0);
        assertEquals(List.of(0x11, 0xdf), drain());
    }

    @Test
    void keyboardResetRepliesAckThenSelfTestPassed() {
        data(0xff);
        assertEquals(0x15, status()); // OBF, not CMDDAT
        assertEquals(List.of(0xfa, 0xaa), drain());
        assertEquals(0x14, status());
    }

    @Test
    void keyboardIdentifies() {
        data(0xf2);
        assertEquals(List.of(0xfa, 0xab, 0x41), drain()); // translated, as XLATE is on
        command(0x60);
        data(0x05);
        data(0xf2);
        assertEquals(List.of(0xfa, 0xab, 0x83), drain());
    }

    @Test
    void keyboardCommandsWithParameters() {
        data(0xed);
        data(0x02);
        assertEquals(List.of(0xfa, 0xfa), drain());
        assertEquals(0x02, kbc.keyboardLeds());
        data(0xf0);
        data(0x00);
        assertEquals(List.of(0xfa, 0xfa, 0x41), drain());
        data(0xf3);
        data(0x20);
        assertEquals(List.of(0xfa, 0xfa), drain());
    }

    @Test
    void keyboardSimpleCommands() {
        data(0xf5);
        assertFalse(kbc.scanning());
        data(0xf4);
        assertTrue(kbc.scanning());
        data(0xee);
        data(0x42);
        assertEquals(List.of(0xfa, 0xfa, 0xee, 0xfa), drain());
    }

    @Test
    void eachKeyboardByteRaisesIrq1Once() {
        data(0xff);
        assertEquals(List.of(true), irq1);
        data();
        assertEquals(List.of(true, false, true), irq1);
        data();
        assertEquals(List.of(true, false, true, false), irq1);
        assertEquals(List.of(), irq12);
    }

    @Test
    void noIrq1WithoutKbdint() {
        command(0x60);
        data(0x44);
        data(0xff);
        assertEquals(List.of(0xfa, 0xaa), drain());
        assertEquals(List.of(), irq1);
    }

    @Test
    void enablingKbdintWithTheBufferFullRaisesIrq1() {
        command(0x60);
        data(0x44);
        data(0xf4);
        assertEquals(List.of(), irq1);
        command(0x60);
        data(0x45);
        assertEquals(List.of(true), irq1);
    }

    @Test
    void controllerRepliesGoBeforeQueuedKeyboardBytes() {
        data(0xff); // 0xfa in the output buffer, 0xaa queued
        command(0xaa);
        assertEquals(List.of(0xfa, 0x55, 0xaa), drain());
    }

    @Test
    void keyboardBytesWaitWhileTheInterfaceIsDisabled() {
        data(0xf2);
        command(0xad);
        assertEquals(0xfa, data());
        assertEquals(0x18, status() & 0x19); // output buffer empty
        command(0xae);
        assertEquals(List.of(0xab, 0x41), drain());
    }

    @Test
    void auxLoopbackReturnsTheByteAsAuxData() {
        command(0x60);
        data(0x67); // AUXDIS | AUXINT, KBDINT off: Linux's i8042_check_aux state
        command(0xd3);
        data(0x5a);
        assertEquals(0x35, status() & 0xf7); // OBF | SYSFLAG | KEYLOCK | AUXDATA
        assertEquals(List.of(true), irq12);
        assertEquals(0x5a, data());
        assertEquals(List.of(true, false), irq12);
        assertEquals(List.of(), irq1);
    }

    @Test
    void noMouseAnswersAuxCommandsWithTimeout() {
        command(0x60);
        data(0x47); // AUXINT
        command(0xd4);
        data(0xf2);
        assertEquals(0x75, status()); // OBF | SYSFLAG | KEYLOCK | AUXDATA | TIMEOUT
        assertEquals(0xfe, data());
        assertEquals(List.of(true, false), irq12);
        assertEquals(0x14, status());
    }

    @Test
    void keyboardOutputBufferCommand() {
        command(0xd2);
        data(0x1c);
        assertEquals(0x15, status());
        assertEquals(List.of(true), irq1);
        assertEquals(0x1c, data());
    }

    @Test
    void readingAnEmptyBufferRepeatsTheLastByte() {
        assertEquals(0x00, data());
        command(0xaa);
        assertEquals(0x55, data());
        assertEquals(0x55, data());
    }

    @Test
    void aNewCommandAbandonsAPendingParameter() {
        command(0x60);
        command(0xaa);
        data(0xf4); // goes to the keyboard, not into the command byte
        assertEquals(0x45, kbc.commandByte());
        assertEquals(List.of(0x55, 0xfa), drain());
    }

    @Test
    void wideAccessesAreIgnored() {
        kbc.commandPort().write(0, 2, 0xfe);
        assertEquals(List.of(), exits);
        assertEquals(0xffff, kbc.dataPort().read(0, 2));
    }

    @Test
    void queuesHoldSixteenBytes() {
        for (int i = 0; i < 10; i++) data(0xf2); // 30 keyboard bytes asked for
        assertEquals(17, drain().size()); // the output buffer plus 16 queued
    }
}
