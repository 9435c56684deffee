package io.jkvm.platform;

import io.jkvm.devices.InputReceiver;
import io.jkvm.pci.GuestErrorLog;
import io.jkvm.virtio.console.ConsoleDevice;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ConsoleInput} over any {@link InputReceiver}: waits for room, never loses a byte, never deadlocks with the receiver's lock. */
class ConsoleInputTest {

    /**
     * The interleaving that deadlocked: the feeder, its receiver full, asks for space() just as
     * the guest, under the receiver's lock (as Uart16550 holds its own), makes room and calls
     * rxReady. The receiver makes the two meet exactly there: its space() lets the guest in first.
     */
    @Test
    void rxReadyUnderTheReceiversLockDoesNotDeadlockTheFeeder() throws Exception {
        ConsoleInput input = new ConsoleInput();
        CountDownLatch feederAsks = new CountDownLatch(1), guestHolds = new CountDownLatch(1);
        int[] held = {0}; // a one-byte FIFO, guarded by the receiver's lock
        InputReceiver receiver = new InputReceiver() {
            @Override public synchronized int receive(byte[] b, int off, int len) {
                int n = Math.min(len, 1 - held[0]);
                held[0] += n;
                return n;
            }

            @Override public int space() {
                feederAsks.countDown();
                try {
                    guestHolds.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                synchronized (this) {
                    return 1 - held[0];
                }
            }
        };
        input.connect(receiver);
        Thread guest = Thread.ofPlatform().daemon().start(() -> {
            try {
                feederAsks.await();
            } catch (InterruptedException e) {
                return;
            }
            synchronized (receiver) { // the guest reads the byte: room, rxReady under the receiver's lock
                guestHolds.countDown();
                try {
                    Thread.sleep(50); // the feeder is now blocked on the receiver's lock in space()
                } catch (InterruptedException e) {
                    return;
                }
                held[0] = 0;
                input.rxReady();
            }
        });
        Thread feeder = Thread.ofPlatform().daemon().start(() -> {
            try {
                input.feed(new byte[2], 0, 2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        guest.join(5000);
        assertFalse(guest.isAlive(), "the guest's rxReady got the feeder's monitor");
        feeder.join(5000);
        assertFalse(feeder.isAlive(), "both bytes went in");
        assertEquals(1, held[0]);
    }

    @Test
    void feedsAVirtioConsoleThroughItsRoomListener() throws Exception {
        ConsoleInput input = new ConsoleInput();
        ConsoleDevice console = new ConsoleDevice(b -> { }, new GuestErrorLog(l -> { }));
        console.setRoomListener(input::rxReady);
        input.connect(console);
        byte[] bytes = new byte[ConsoleDevice.INPUT_CAPACITY + 10];
        Thread feeder = Thread.ofPlatform().start(() -> {
            try {
                input.feed(bytes, 0, bytes.length);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (console.space() > 0 && System.nanoTime() < deadline) Thread.sleep(1);
        assertEquals(ConsoleDevice.INPUT_CAPACITY, console.pending(), "the buffer fills; the rest waits in the feeder");
        assertTrue(feeder.isAlive());
        input.close();
        feeder.join(5000);
        assertTrue(!feeder.isAlive(), "close ends the wait");
        console.close();
    }
}
