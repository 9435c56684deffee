package io.jkvm.platform;

import io.jkvm.devices.InputReceiver;

/**
 * Host input for a guest console (a UART, a virtio-console), with back-pressure: bytes the
 * guest has no room for (the UART's receive FIFO or the console's input buffer is full) are
 * held, and the feeding thread waits until the guest reads, instead of the bytes being lost.
 * The receiver calls {@link #rxReady()} when room appears.
 */
public final class ConsoleInput {
    private final Object room = new Object();
    private volatile InputReceiver receiver;
    private volatile boolean closed;
    /** rxReady ran since feed last offered bytes; guarded by {@code room}. */
    private boolean roomAppeared;

    public void connect(InputReceiver receiver) {
        this.receiver = receiver;
    }

    /** Called by the receiver (perhaps under its lock): room appeared in its buffer. Must not block. */
    public void rxReady() {
        synchronized (room) {
            roomAppeared = true;
            room.notifyAll();
        }
    }

    /** Pushes all of {@code bytes[off, off + len)} into the receiver, waiting for room as needed. */
    public void feed(byte[] bytes, int off, int len) throws InterruptedException {
        int done = 0;
        while (done < len && !closed) {
            synchronized (room) {
                roomAppeared = false;
            }
            int accepted = receiver.receive(bytes, off + done, len - done);
            done += accepted;
            // space() is asked outside the monitor: the receiver calls rxReady under its own lock,
            // so asking it while holding ours could deadlock. Room that appears after receive()
            // sets roomAppeared, so no wake-up is lost.
            if (done < len && receiver.space() == 0) {
                synchronized (room) {
                    if (!roomAppeared && !closed) room.wait(100); // bounded: loopback mode never signals
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
