package io.jkvm.platform;

import io.jkvm.devices.Uart16550;

/**
 * Host input for a UART, with back-pressure: bytes the guest has no room for (its receive
 * FIFO is full) are held, and the feeding thread waits until the guest reads, instead of the
 * bytes being lost. The UART calls {@link #rxReady()} when room appears.
 */
public final class ConsoleInput {
    private final Object room = new Object();
    private volatile Uart16550 uart;
    private volatile boolean closed;

    public void connect(Uart16550 uart) {
        this.uart = uart;
    }

    /** Called by the UART (under its lock): room appeared in its receive FIFO. Must not block. */
    public void rxReady() {
        synchronized (room) {
            room.notifyAll();
        }
    }

    /** Pushes all of {@code bytes[off, off + len)} into the UART, waiting for room as needed. */
    public void feed(byte[] bytes, int off, int len) throws InterruptedException {
        int done = 0;
        while (done < len && !closed) {
            int accepted = uart.receive(bytes, off + done, len - done);
            done += accepted;
            if (done < len) {
                synchronized (room) {
                    if (uart.rxSpace() == 0 && !closed) room.wait(100); // bounded: loopback mode never signals
                }
            }
        }
    }

    /** Stops feeding (the VM ended). */
    public void close() {
        closed = true;
        rxReady();
    }
}
