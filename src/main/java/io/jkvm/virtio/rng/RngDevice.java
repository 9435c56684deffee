package io.jkvm.virtio.rng;

import io.jkvm.JkvmException;
import io.jkvm.config.VirtioSpec;
import io.jkvm.memory.DmaRange;
import io.jkvm.pci.GuestErrorLog;
import io.jkvm.virtio.Activation;
import io.jkvm.virtio.VirtioDevice;
import io.jkvm.virtio.VirtioFeatures;
import io.jkvm.virtio.queue.DescriptorChain;
import io.jkvm.virtio.queue.SplitQueue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

import static io.jkvm.virtio.VirtioFeatures.VIRTIO_F_EVENT_IDX;
import static io.jkvm.virtio.VirtioFeatures.VIRTIO_F_INDIRECT_DESC;

/**
 * The virtio entropy device (virtio 1.2 §5.4): one queue, requestq, whose device-writable
 * buffers it fills with bytes from the host ({@code /dev/urandom}); no feature bits of its own,
 * no configuration space. The simplest virtio device: <b>copy it to start a new one</b>.
 *
 * <p>Each request is a chain of device-writable buffers (§5.4.6.1: the driver places no
 * device-readable ones); the device writes one or more bytes and returns the chain with the
 * count (§5.4.6.2: it may use less than the whole buffer). A chain with a device-readable
 * buffer is returned with 0 bytes and logged once.
 *
 * <p><b>Rate limit.</b> With {@code bytesPerSecond > 0} a {@link TokenBucket} caps what reaches
 * the guest; when it is empty and requests wait, the device leaves them in the queue and asks its
 * {@link DeviceTimer} to call it again once {@link #RETRY_BYTES} bytes are due.
 *
 * <p><b>Threads.</b> One lock guards everything; {@link #notify} reads the host source under
 * it, on the transport's device thread or the timer's. The interrupt and needs-reset callbacks
 * run under the lock and must not call back into the device.
 */
public final class RngDevice implements VirtioDevice {
    /** §5.4.2: the one queue. */
    public static final int REQUESTQ = 0;
    static final int QUEUE_SIZE = 256;
    /** Bytes read from the host at once: one reusable direct buffer, no allocation per request. */
    static final int CHUNK = 4096;
    /** How many bytes a throttled device waits for before it looks again (Linux asks for 64 at a time). */
    static final long RETRY_BYTES = 64;

    private final Object lock = new Object();
    private final ReadableByteChannel source;
    private final TokenBucket bucket; // null: no limit
    private final DeviceTimer timer;
    private final GuestErrorLog log;
    private final ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK);
    private final MemorySegment chunkSegment = MemorySegment.ofBuffer(chunk);
    private final Runnable retry = this::retry;

    private Activation activation; // null: not activated (or reset)
    private SplitQueue queue;
    private Future<?> pendingRetry;
    /** Has the device thread call {@link #notify} again; unconnected, the driver's next notification does. */
    private IntConsumer kick = q -> {};
    private boolean brokenReported;
    private boolean sourceFailed;
    private boolean closed;

    /**
     * @param source         where the bytes come from (the device closes it)
     * @param bytesPerSecond at most this many bytes a second reach the guest; 0: no limit
     *                       (neither is a rate above {@link TokenBucket#MAX_RATE})
     * @param timer          calls a throttled device again (the device closes it)
     * @param nanoTime       the clock of the rate limit
     */
    public RngDevice(ReadableByteChannel source, long bytesPerSecond, DeviceTimer timer, LongSupplier nanoTime,
                     GuestErrorLog log) {
        if (bytesPerSecond < 0) throw new IllegalArgumentException("rate " + bytesPerSecond);
        this.source = source;
        this.bucket = bytesPerSecond == 0 || bytesPerSecond > TokenBucket.MAX_RATE ? null : new TokenBucket(bytesPerSecond, nanoTime);
        this.timer = timer;
        this.log = log;
    }

    /** The device {@code spec} asks for, reading {@code /dev/urandom}. */
    public static RngDevice open(VirtioSpec.Rng spec, GuestErrorLog log) {
        FileChannel urandom;
        try {
            urandom = FileChannel.open(Path.of("/dev/urandom"));
        } catch (IOException e) {
            throw new JkvmException("virtio-rng: cannot open /dev/urandom (" + e.getMessage() + "): check the host, or drop --rng", e);
        }
        boolean limited = spec.bytesPerSecond() > 0 && spec.bytesPerSecond() <= TokenBucket.MAX_RATE;
        DeviceTimer timer = limited ? DeviceTimer.daemon("jkvm-virtio-rng-timer") : DeviceTimer.NONE;
        return new RngDevice(urandom, spec.bytesPerSecond(), timer, System::nanoTime, log);
    }

    @Override public int deviceId() { return VirtioFeatures.ID_ENTROPY; }

    @Override public String name() { return "virtio-rng"; }

    @Override public long features() { return VirtioFeatures.mask(VIRTIO_F_INDIRECT_DESC, VIRTIO_F_EVENT_IDX); }

    @Override
    public void connectKick(IntConsumer kick) {
        this.kick = kick;
    }

    @Override public int queueCount() { return 1; }

    @Override public int maxQueueSize(int queue) { return queue == REQUESTQ ? QUEUE_SIZE : 0; }

    /** §5.4.4: no configuration. */
    @Override public int configSize() { return 0; }

    @Override public long readConfig(int offset, int size) { return 0; }

    @Override public void writeConfig(int offset, int size, long value) {}

    @Override
    public void activate(Activation a) {
        synchronized (lock) {
            if (closed || a.queues().size() <= REQUESTQ) return;
            activation = a;
            queue = a.queue(REQUESTQ);
            brokenReported = false;
        }
    }

    @Override
    public void notify(int q) {
        synchronized (lock) {
            if (q == REQUESTQ && queue != null) serve();
        }
    }

    private void retry() {
        synchronized (lock) {
            pendingRetry = null;
            if (queue != null) serve();
        }
    }

    /**
     * Answers requests until the queue is empty or the bucket is (§2.7.13, SplitQueue's loop);
     * past {@link SplitQueue#BUDGET} the device kicks itself and serves the rest next time.
     */
    private void serve() {
        SplitQueue q = queue;
        boolean used = false;
        int budget = SplitQueue.BUDGET;
        boolean more = false;
        throttled:
        do {
            q.disableNotification();
            for (; budget > 0; budget--) {
                long allowed = bucket == null ? Long.MAX_VALUE : bucket.available();
                if (allowed == 0) {
                    // Throttled. With requests waiting, the timer wakes us, not the driver:
                    // notifications go back off. With none, the driver's next kick does.
                    if (q.enableNotification()) {
                        q.disableNotification();
                        scheduleRetry();
                    }
                    more = false;
                    break throttled;
                }
                DescriptorChain c = q.pop();
                if (c == null) break;
                long n = fill(c, allowed);
                if (bucket != null) bucket.take(n);
                q.push(c.head(), n);
                used = true;
            }
            more = q.enableNotification();
        } while (more && --budget > 0);
        if (used && q.needsNotification()) activation.interrupt().queue(REQUESTQ);
        if (more) kick.accept(REQUESTQ);
        if (q.broken() && !brokenReported) {
            brokenReported = true;
            activation.needsReset().run();
        }
    }

    /** Writes up to {@code max} host bytes into the chain's writable buffers; returns how many. */
    private long fill(DescriptorChain c, long max) {
        if (c.readableCount() > 0) {
            log.once("virtio-rng-readable", () -> "virtio-rng: a request with a device-readable buffer"
                    + " (virtio 1.2 §5.4.6.1); returned with 0 bytes");
            return 0;
        }
        long written = 0;
        for (int i = 0; i < c.writableCount() && written < max; i++) {
            DmaRange buffer = c.writable(i);
            for (long at = 0; at < buffer.length() && written < max; ) {
                int want = (int) Math.min(CHUNK, Math.min(buffer.length() - at, max - written));
                int got = readHost(want);
                // The range was checked when the chain was taken: the copy succeeds.
                if (got > 0) buffer.write(at, chunkSegment, 0, got);
                at += got;
                written += got;
                if (got < want) return written; // the host source failed: what we have
            }
        }
        return written;
    }

    /** Reads up to {@code n} bytes into the chunk buffer; fewer only if the host source fails. */
    private int readHost(int n) {
        chunk.clear().limit(n);
        try {
            while (chunk.hasRemaining() && source.read(chunk) > 0) {
                // /dev/urandom answers in full; a short read just goes round
            }
        } catch (IOException | RuntimeException e) {
            if (!sourceFailed) {
                sourceFailed = true;
                System.err.println("jkvm: virtio-rng: reading the host's entropy failed: " + e);
            }
        }
        return chunk.position();
    }

    private void scheduleRetry() {
        if (pendingRetry != null) return;
        pendingRetry = timer.schedule(retry, bucket.nanosUntil(RETRY_BYTES));
    }

    private void cancelRetry() {
        if (pendingRetry != null) pendingRetry.cancel(false);
        pendingRetry = null;
    }

    @Override
    public void reset() {
        synchronized (lock) {
            cancelRetry();
            activation = null;
            queue = null;
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) return;
            closed = true;
            reset();
            timer.close();
            try {
                source.close();
            } catch (IOException e) {
                // nothing was written through it
            }
        }
    }
}
