package io.jkvm.virtio.rng;

import io.jkvm.config.VirtioSpec;
import io.jkvm.memory.GuestMemory;
import io.jkvm.pci.GuestErrorLog;
import io.jkvm.virtio.Activation;
import io.jkvm.virtio.VirtioFeatures;
import io.jkvm.virtio.VirtioInterrupt;
import io.jkvm.virtio.queue.MockDriver;
import io.jkvm.virtio.queue.MockDriver.Buf;
import io.jkvm.virtio.queue.SplitQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link RngDevice} driven by {@link MockDriver}, with a counting source, a fake clock and a fake timer. */
class RngDeviceTest {
    static final long DESC = 0x1000, AVAIL = 0x2000, USED = 0x3000, TABLE = 0x4000, DATA = 0x10000;
    static final long MS = 1_000_000;

    GuestMemory memory;
    MockDriver driver;
    CountingSource source = new CountingSource();
    FakeTimer timer = new FakeTimer();
    List<String> logged = new ArrayList<>();
    GuestErrorLog log = new GuestErrorLog(logged::add);
    int interrupts;
    int resets;
    VirtioInterrupt interrupt = new VirtioInterrupt() {
        @Override public void queue(int queue) { assertEquals(RngDevice.REQUESTQ, queue); interrupts++; }
        @Override public void config() {}
    };

    @BeforeEach
    void setUp() {
        memory = GuestMemory.allocate(List.of(new GuestMemory.Range(0, 0x20000)));
        driver = new MockDriver(memory, 16, DESC, AVAIL, USED);
    }

    @AfterEach
    void tearDown() {
        memory.close();
    }

    RngDevice device(long bytesPerSecond) {
        return new RngDevice(source, bytesPerSecond, timer, timer::now, log);
    }

    void activate(RngDevice rng, boolean eventIdx) {
        long features = VirtioFeatures.mask(VirtioFeatures.VIRTIO_F_VERSION_1) | (eventIdx ? VirtioFeatures.mask(VirtioFeatures.VIRTIO_F_EVENT_IDX) : 0);
        rng.activate(new Activation(features, memory, List.of(new SplitQueue(memory, driver.state(eventIdx))), interrupt, () -> resets++));
    }

    @Test
    void aQueueThatRefillsItselfIsServedABudgetAtATimeAndTheDeviceKicksItselfBack() {
        RngDevice rng = device(0);
        List<Integer> kicks = new ArrayList<>();
        rng.connectKick(kicks::add);
        SplitQueue queue = new SplitQueue(memory, MockDriver.selfRefillingQueue(memory, 16, DESC, AVAIL, DATA));
        rng.activate(new Activation(VirtioFeatures.mask(VirtioFeatures.VIRTIO_F_VERSION_1), memory, List.of(queue), interrupt, () -> resets++));
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> rng.notify(RngDevice.REQUESTQ));
        assertEquals(SplitQueue.BUDGET, source.count, "a byte per chain, a budget of chains");
        assertEquals(List.of(RngDevice.REQUESTQ), kicks, "chains still waiting: the device thread comes back");
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> rng.notify(RngDevice.REQUESTQ));
        assertEquals(2L * SplitQueue.BUDGET, source.count);
        assertEquals(2, kicks.size());
        assertFalse(queue.broken());
    }

    @Test
    void describesItself() {
        RngDevice rng = device(0);
        assertEquals(4, rng.deviceId());
        assertEquals(1, rng.queueCount());
        assertEquals(256, rng.maxQueueSize(0));
        assertEquals(0, rng.configSize());
        assertEquals(0, rng.readConfig(0, 4));
        assertEquals(VirtioFeatures.mask(VirtioFeatures.VIRTIO_F_INDIRECT_DESC, VirtioFeatures.VIRTIO_F_EVENT_IDX), rng.features());
    }

    @Test
    void fillsABufferFromDevUrandom() {
        try (RngDevice rng = RngDevice.open(new VirtioSpec.Rng(0), log)) {
            driver.addChain(Buf.out(DATA, 64));
            activate(rng, false);
            rng.notify(0);
            assertEquals(1, driver.usedIdx());
            assertEquals(64, driver.usedLen(0));
            assertFalse(java.util.Arrays.equals(new byte[64], memory.read(DATA, 64)), "64 bytes of /dev/urandom are not all zero");
            assertEquals(1, interrupts);
        }
    }

    @Test
    void fillsEveryWritableBufferOfEveryChainInOrder() {
        RngDevice rng = device(0);
        int first = driver.addChain(Buf.out(DATA, 10), Buf.out(DATA + 0x100, 20));
        int second = driver.addIndirect(TABLE, Buf.out(DATA + 0x1000, 5000)); // more than one host read
        activate(rng, false);
        rng.notify(0);
        assertEquals(2, driver.usedIdx());
        assertEquals(first, driver.usedId(0));
        assertEquals(30, driver.usedLen(0));
        assertEquals(second, driver.usedId(1));
        assertEquals(5000, driver.usedLen(1));
        assertArrayEquals(CountingSource.bytes(0, 10), memory.read(DATA, 10));
        assertArrayEquals(CountingSource.bytes(10, 20), memory.read(DATA + 0x100, 20));
        assertArrayEquals(CountingSource.bytes(30, 5000), memory.read(DATA + 0x1000, 5000));
        assertEquals(0, memory.readByte(DATA + 10), "nothing written past a buffer");
        assertEquals(1, interrupts, "one interrupt for the batch");
    }

    @Test
    void aChainWithAReadableBufferIsReturnedEmptyAndLoggedOnce() {
        RngDevice rng = device(0);
        driver.addChain(Buf.in(DATA, 4), Buf.out(DATA + 0x100, 8));
        driver.addChain(Buf.in(DATA, 4));
        driver.addChain(Buf.out(DATA + 0x200, 8));
        activate(rng, false);
        rng.notify(0);
        assertEquals(3, driver.usedIdx());
        assertEquals(0, driver.usedLen(0));
        assertEquals(0, driver.usedLen(1));
        assertEquals(8, driver.usedLen(2));
        assertArrayEquals(new byte[8], memory.read(DATA + 0x100, 8));
        assertArrayEquals(CountingSource.bytes(0, 8), memory.read(DATA + 0x200, 8));
        assertEquals(1, logged.size());
        assertTrue(logged.get(0).contains("§5.4.6.1"), logged.get(0));
    }

    @Test
    void nothingBeforeActivateNorAfterReset() {
        RngDevice rng = device(0);
        driver.addChain(Buf.out(DATA, 8));
        rng.notify(0);
        assertEquals(0, driver.usedIdx());
        activate(rng, false);
        rng.reset();
        rng.notify(0);
        assertEquals(0, driver.usedIdx());
        assertEquals(0, source.count);
    }

    @Test
    void rateLimitGivesExactlyTheBucketOverTime() {
        RngDevice rng = device(1000); // one byte a millisecond, a burst of 1000
        for (int i = 0; i < 10; i++) driver.addChain(Buf.out(DATA + 0x400L * i, 256));
        activate(rng, false);
        rng.notify(0);
        // The full bucket: 256 + 256 + 256 + 232, then a retry when 64 bytes are due.
        assertEquals(4, driver.usedIdx());
        assertEquals(232, driver.usedLen(3));
        assertEquals(1000, source.count);
        assertEquals(1, timer.pending());
        assertEquals(64 * MS, timer.nextDue());
        assertEquals(SplitQueue.VIRTQ_USED_F_NO_NOTIFY, driver.usedFlags(), "throttled: the timer wakes the device, not the driver");

        timer.advanceTo(64 * MS);
        assertEquals(5, driver.usedIdx());
        assertEquals(64, driver.usedLen(4));
        assertEquals(128 * MS, timer.nextDue());

        timer.advanceTo(74 * MS);
        rng.notify(0); // a driver kick while throttled: what has accrued, no second timer
        assertEquals(6, driver.usedIdx());
        assertEquals(10, driver.usedLen(5));
        assertEquals(1, timer.pending());

        timer.advanceTo(128 * MS);
        assertEquals(7, driver.usedIdx());
        assertEquals(54, driver.usedLen(6));
        assertEquals(1000 + 128, source.count);

        // The last three chains get 64 bytes each, one retry apart; then the queue is empty:
        // no more retries, notifications on again.
        timer.advanceTo(1_000 * MS);
        assertEquals(10, driver.usedIdx());
        assertEquals(64, driver.usedLen(9));
        assertEquals(1128 + 3 * 64, source.count);
        assertEquals(0, timer.pending());
        assertEquals(0, driver.usedFlags());

        // Long idle: the bucket holds one second's worth, not more.
        timer.advanceTo(10_000 * MS);
        for (int i = 0; i < 5; i++) driver.addChain(Buf.out(DATA + 0x400L * i, 256));
        rng.notify(0);
        assertEquals(14, driver.usedIdx());
        assertEquals(232, driver.usedLen(13));
        assertEquals(1128 + 3 * 64 + 1000, source.count);
        assertEquals(10_064 * MS, timer.nextDue());
    }

    @Test
    void rateLimitSplitsOneLargeBuffer() {
        RngDevice rng = device(100);
        driver.addChain(Buf.out(DATA, 4096));
        activate(rng, false);
        rng.notify(0);
        assertEquals(1, driver.usedIdx());
        assertEquals(100, driver.usedLen(0), "one or more bytes, fewer than the buffer (§5.4.6.2)");
        assertEquals(0, timer.pending(), "the queue is empty: nothing to retry");
    }

    @Test
    void resetCancelsTheRetry() {
        RngDevice rng = device(10);
        driver.addChain(Buf.out(DATA, 10));
        driver.addChain(Buf.out(DATA + 0x100, 10));
        activate(rng, false);
        rng.notify(0);
        assertEquals(1, driver.usedIdx());
        assertEquals(1, timer.pending());
        rng.reset();
        assertEquals(0, timer.pending(), "cancelled");
        timer.advanceTo(5_000 * MS);
        assertEquals(1, driver.usedIdx());
        assertEquals(10, source.count);
    }

    @Test
    void eventIdxSuppressesInterruptsAndAsksForKicks() {
        RngDevice rng = device(0);
        activate(rng, true);
        int old = driver.availIdx();
        driver.addChain(Buf.out(DATA, 8));
        rng.notify(0);
        assertEquals(1, interrupts);
        assertEquals(1, driver.availEvent(), "notify me at the next buffer");
        assertTrue(driver.kickNeeded(old + 1, old + 2));

        driver.setUsedEvent(2); // interrupt me only when used.idx passes 2
        driver.addChain(Buf.out(DATA, 8));
        rng.notify(0);
        assertEquals(2, driver.usedIdx());
        assertEquals(1, interrupts, "suppressed");
        driver.addChain(Buf.out(DATA, 8));
        rng.notify(0);
        assertEquals(2, interrupts);
    }

    @Test
    void noInterruptFlagSuppressesWithoutEventIdx() {
        RngDevice rng = device(0);
        activate(rng, false);
        driver.setAvailFlags(SplitQueue.VIRTQ_AVAIL_F_NO_INTERRUPT);
        driver.addChain(Buf.out(DATA, 8));
        rng.notify(0);
        assertEquals(1, driver.usedIdx());
        assertEquals(0, interrupts);
    }

    @Test
    void aBrokenQueueAsksForResetOnce() {
        RngDevice rng = device(0);
        driver.writeDescriptor(0, 0x7000_0000L, 8, SplitQueue.VIRTQ_DESC_F_WRITE, 0); // outside RAM
        driver.publish(0);
        activate(rng, false);
        rng.notify(0);
        rng.notify(0);
        assertEquals(1, resets);
        assertEquals(0, driver.usedIdx());
    }

    @Test
    void aFailingSourceGivesWhatItHad() {
        RngDevice rng = new RngDevice(new CountingSource() {
            @Override
            public int read(ByteBuffer dst) throws java.io.IOException {
                if (count >= 5) throw new java.io.IOException("gone");
                dst.put((byte) count++);
                return 1;
            }
        }, 0, timer, timer::now, log);
        driver.addChain(Buf.out(DATA, 8));
        driver.addChain(Buf.out(DATA + 0x100, 8));
        activate(rng, false);
        rng.notify(0);
        assertEquals(2, driver.usedIdx());
        assertEquals(5, driver.usedLen(0));
        assertEquals(0, driver.usedLen(1));
    }

    @Test
    void closeReleasesTheSourceAndTheTimer() {
        RngDevice rng = device(10);
        rng.close();
        assertFalse(source.isOpen());
        assertTrue(timer.closed);
        activate(rng, false);
        driver.addChain(Buf.out(DATA, 8));
        rng.notify(0);
        assertEquals(0, driver.usedIdx());
    }

    @Test
    void theDaemonTimerRunsAndCancels() throws Exception {
        try (DeviceTimer t = DeviceTimer.daemon("test-timer")) {
            java.util.concurrent.CountDownLatch ran = new java.util.concurrent.CountDownLatch(1);
            Future<?> cancelled = t.schedule(() -> { throw new AssertionError("cancelled task ran"); }, 50 * MS);
            assertTrue(cancelled.cancel(false));
            t.schedule(ran::countDown, MS);
            assertTrue(ran.await(5, java.util.concurrent.TimeUnit.SECONDS));
        }
    }

    /** Byte i of the stream is (byte) i: what a buffer holds tells which bytes reached it. */
    static class CountingSource implements ReadableByteChannel {
        long count;
        boolean open = true;

        static byte[] bytes(long from, int n) {
            byte[] b = new byte[n];
            for (int i = 0; i < n; i++) b[i] = (byte) (from + i);
            return b;
        }

        @Override
        public int read(ByteBuffer dst) throws java.io.IOException {
            int n = dst.remaining();
            for (int i = 0; i < n; i++) dst.put((byte) count++);
            return n;
        }

        @Override public boolean isOpen() { return open; }

        @Override public void close() { open = false; }
    }

    /** A clock that moves only when told, and a timer that runs tasks as it passes their time. */
    static final class FakeTimer implements DeviceTimer {
        private record Task(long due, FutureTask<?> task) {}

        private final List<Task> tasks = new ArrayList<>();
        private long now;
        boolean closed;

        long now() { return now; }

        @Override
        public Future<?> schedule(Runnable task, long delayNanos) {
            assertTrue(delayNanos > 0, "delay " + delayNanos);
            FutureTask<Void> f = new FutureTask<>(task, null);
            tasks.add(new Task(now + delayNanos, f));
            return f;
        }

        int pending() {
            tasks.removeIf(t -> t.task.isDone());
            return tasks.size();
        }

        long nextDue() {
            pending();
            return tasks.stream().mapToLong(Task::due).min().orElseThrow();
        }

        /** Moves the clock to {@code t}, running each task due on the way at its own time. */
        void advanceTo(long t) {
            while (pending() > 0 && nextDue() <= t) {
                Task next = tasks.stream().filter(x -> x.due == nextDue()).findFirst().orElseThrow();
                tasks.remove(next);
                now = next.due;
                next.task.run();
            }
            now = t;
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
