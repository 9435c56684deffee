package io.jkvm.cli;

import io.jkvm.exit.VmExit;
import io.jkvm.devices.ByteSink;
import io.jkvm.devices.Uart16550;
import io.jkvm.irq.InterruptLine;
import io.jkvm.platform.ConsoleInput;
import io.jkvm.platform.ConsoleInputs;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** stdin to COM1: bytes arrive in order, the guest's FIFO limit holds them back, Ctrl-A x quits. */
class StdinPumpTest {
    /** Drains the UART's receive FIFO like a guest driver: RBR while LSR.DR is set. */
    private static String drain(Uart16550 uart) {
        StringBuilder sb = new StringBuilder();
        while ((uart.read(Uart16550.LSR, 1) & 1) != 0) sb.append((char) uart.read(Uart16550.RBR, 1));
        return sb.toString();
    }

    @Test
    void bytesReachTheUartAndCtrlAxQuits() throws Exception {
        Uart16550 uart = new Uart16550(InterruptLine.NONE, ByteSink.NONE);
        uart.write(Uart16550.FCR, 1, 0x01); // FIFOs on: all the typed bytes fit without a reader
        ConsoleInput input = ConsoleInputs.connected(uart);
        List<VmExit> quits = new ArrayList<>();
        byte[] typed = {'l', 's', '\r', StdinPump.CTRL_A, StdinPump.CTRL_A, StdinPump.CTRL_A, 'q', StdinPump.CTRL_A, 'x', 'z'};
        StdinPump.pump(new ByteArrayInputStream(typed), input, quits::add);
        assertEquals("ls\r\u0001", drain(uart));               // Ctrl-A Ctrl-A is one Ctrl-A; Ctrl-A q is dropped
        assertEquals(1, quits.size());
        assertEquals(VmExit.Reason.STOPPED, quits.get(0).reason());
        assertEquals("quit (Ctrl-A x)", quits.get(0).message());
    }

    @Test
    void inputWaitsForRoomInsteadOfBeingLost() throws Exception {
        Uart16550 uart = new Uart16550(InterruptLine.NONE, ByteSink.NONE);
        ConsoleInput input = ConsoleInputs.connected(uart);
        byte[] typed = new byte[40];
        for (int i = 0; i < typed.length; i++) typed[i] = (byte) ('a' + i % 26);
        Thread pump = Thread.ofPlatform().start(() -> StdinPump.pump(new ByteArrayInputStream(typed), input, e -> { }));
        StringBuilder got = new StringBuilder();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (got.length() < typed.length && System.nanoTime() < deadline) {
            got.append(drain(uart)); // the guest reads; the pump refills as room appears
            Thread.sleep(5);
        }
        pump.join(5000);
        assertEquals(new String(typed, java.nio.charset.StandardCharsets.US_ASCII), got.toString());
    }

    @Test
    void ctrlApPausesAndResumesAndWhatIsTypedWhilePausedIsDropped() throws Exception {
        Uart16550 uart = new Uart16550(InterruptLine.NONE, ByteSink.NONE);
        uart.write(Uart16550.FCR, 1, 0x01);
        ConsoleInput input = ConsoleInputs.connected(uart);
        List<Boolean> toggles = new ArrayList<>();
        boolean[] paused = {false};
        StdinPump.PauseControl pause = () -> {
            paused[0] = !paused[0];
            toggles.add(paused[0]);
            return paused[0];
        };
        byte[] typed = {'a', 'b', StdinPump.CTRL_A, 'p', 'c', 'd', StdinPump.CTRL_A, StdinPump.CTRL_A, StdinPump.CTRL_A, 'P', 'e', 'f'};
        StdinPump.pump(new ByteArrayInputStream(typed), input, e -> { }, pause);
        assertEquals(List.of(true, false), toggles);              // Ctrl-A p paused, Ctrl-A P resumed
        assertEquals("abef", drain(uart));                        // c, d and the Ctrl-A typed while paused are dropped
    }

    @Test
    void aPauseThatFailsLeavesInputFlowing() throws Exception {
        Uart16550 uart = new Uart16550(InterruptLine.NONE, ByteSink.NONE);
        uart.write(Uart16550.FCR, 1, 0x01);
        ConsoleInput input = ConsoleInputs.connected(uart);
        byte[] typed = {'a', StdinPump.CTRL_A, 'p', 'b'};
        StdinPump.pump(new ByteArrayInputStream(typed), input, e -> { }, () -> false); // e.g. the VM already ended
        assertEquals("ab", drain(uart));
    }
}
