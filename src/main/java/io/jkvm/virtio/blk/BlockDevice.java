package io.jkvm.virtio.blk;

import io.jkvm.config.VirtioSpec;
import io.jkvm.pci.GuestErrorLog;
import io.jkvm.virtio.Activation;
import io.jkvm.virtio.VirtioDevice;
import io.jkvm.virtio.VirtioFeatures;
import io.jkvm.virtio.queue.DescriptorChain;
import io.jkvm.virtio.queue.SplitQueue;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

import static io.jkvm.virtio.VirtioFeatures.mask;

/**
 * A virtio block device (virtio 1.2 §5.2) over a raw {@link DiskImage}: one request queue
 * (§5.2.2), the features of §5.2.3 jkvm implements, the configuration space of §5.2.4
 * ({@link BlockConfig}) and the requests of §5.2.6 ({@link BlockRequestHandler}).
 * Transport-neutral: virtio-mmio and virtio-pci both drive it through {@link VirtioDevice}.
 *
 * <p>On each notification the device takes every chain the driver made available, carries each
 * out (host I/O on the calling device thread) and returns it, then sends at most one used buffer
 * notification; event-idx and notification suppression are the queue's (§2.7.7, §2.7.10). A
 * queue the driver breaks makes the device ask for a reset (§2.1.2 DEVICE_NEEDS_RESET), once.
 *
 * <p>One lock serializes notify, activate, reset and close: {@link #reset} and {@link #close}
 * return only when no request is in progress. The configuration space never changes and is read
 * without it.
 */
public final class BlockDevice implements VirtioDevice {
    // Feature bits (§5.2.3).
    public static final int VIRTIO_BLK_F_SIZE_MAX = 1;
    public static final int VIRTIO_BLK_F_SEG_MAX = 2;
    public static final int VIRTIO_BLK_F_RO = 5;
    public static final int VIRTIO_BLK_F_BLK_SIZE = 6;
    public static final int VIRTIO_BLK_F_FLUSH = 9;
    public static final int VIRTIO_BLK_F_DISCARD = 13;
    public static final int VIRTIO_BLK_F_WRITE_ZEROES = 14;

    /** The request queue's size: QEMU's and Firecracker's default. */
    public static final int QUEUE_SIZE = 256;

    private final DiskImage disk;
    private final BlockConfig config;
    private final BlockRequestHandler requests;
    private final GuestErrorLog log;
    private final String label;
    private final ReentrantLock lock = new ReentrantLock();
    private Activation activation;
    private SplitQueue queue;
    /** Has the device thread call {@link #notify} again; unconnected, the driver's next notification does. */
    private IntConsumer kick = q -> {};
    private boolean brokenReported;
    private boolean closed;

    /**
     * Opens and locks the drive's image (see {@link DiskImage#open}); a problem the user can fix
     * is a one-line {@link io.jkvm.JkvmException}, with nothing left open. Guest mistakes go to
     * standard error, once per kind.
     */
    public static BlockDevice open(VirtioSpec.Drive drive) {
        return open(drive, GuestErrorLog.stderr());
    }

    /** As {@link #open(VirtioSpec.Drive)}, with guest mistakes logged to {@code log}. */
    public static BlockDevice open(VirtioSpec.Drive drive, GuestErrorLog log) {
        return new BlockDevice(DiskImage.open(drive.file(), drive.readOnly()), drive.id(), log);
    }

    /** A device over {@code disk}, which it owns from now on; {@code id} answers GET_ID (null: none). */
    public BlockDevice(DiskImage disk, String id, GuestErrorLog log) {
        this.disk = disk;
        this.log = log;
        this.label = "virtio-blk " + (id != null ? id : disk.path().getFileName());
        this.config = new BlockConfig(disk.sectors(), QUEUE_SIZE);
        this.requests = new BlockRequestHandler(disk, id, log, label);
    }

    @Override
    public int deviceId() { return VirtioFeatures.ID_BLOCK; }

    @Override
    public String name() { return "virtio-blk"; }

    public DiskImage disk() { return disk; }

    /**
     * The block features jkvm implements, plus indirect descriptors and event-idx (§5.2.3):
     * VIRTIO_BLK_F_RO on a read-only disk, where discard and write-zeroes are not offered (they
     * would be refused).
     */
    @Override
    public long features() {
        long f = mask(VIRTIO_BLK_F_SIZE_MAX, VIRTIO_BLK_F_SEG_MAX, VIRTIO_BLK_F_BLK_SIZE, VIRTIO_BLK_F_FLUSH,
                VirtioFeatures.VIRTIO_F_INDIRECT_DESC, VirtioFeatures.VIRTIO_F_EVENT_IDX);
        return disk.readOnly() ? f | mask(VIRTIO_BLK_F_RO) : f | mask(VIRTIO_BLK_F_DISCARD, VIRTIO_BLK_F_WRITE_ZEROES);
    }

    @Override
    public int queueCount() { return 1; }

    @Override
    public int maxQueueSize(int queue) { return QUEUE_SIZE; }

    @Override
    public int configSize() { return BlockConfig.SIZE; }

    @Override
    public long readConfig(int offset, int size) { return config.read(offset, size); }

    /** Every field is read-only for the driver (§5.2.4; writeback needs VIRTIO_BLK_F_CONFIG_WCE, not offered). */
    @Override
    public void writeConfig(int offset, int size, long value) {
        if (!log.logged("virtio-blk-config-write")) {
            log.once("virtio-blk-config-write", () -> label + ": the driver wrote the read-only configuration space, ignored");
        }
    }

    @Override
    public void activate(Activation activation) {
        lock.lock();
        try {
            if (closed) return;
            this.activation = activation;
            this.queue = activation.queue(0);
            brokenReported = false;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void connectKick(IntConsumer kick) {
        this.kick = kick;
    }

    /**
     * Serves the request queue: every available chain, until the driver has added none since
     * notifications were enabled again (§2.7.10), then one interrupt if the driver wants it.
     * Past {@link SplitQueue#BUDGET} the device kicks itself and serves the rest next time.
     */
    @Override
    public void notify(int queueIndex) {
        lock.lock();
        try {
            Activation a = activation;
            SplitQueue q = queue;
            if (a == null || queueIndex != 0 || !q.ready()) return;
            int budget = SplitQueue.BUDGET;
            boolean more;
            do {
                q.disableNotification();
                for (DescriptorChain c; budget > 0 && (c = q.pop()) != null; budget--) {
                    long written = requests.handle(c);
                    q.push(c.head(), Math.min(written, 0xffff_ffffL));
                }
                more = q.enableNotification();
            } while (more && --budget > 0);
            if (q.needsNotification()) a.interrupt().queue(0);
            if (more) kick.accept(0);
            if (q.broken() && !brokenReported) {
                brokenReported = true;
                log.once("virtio-blk-broken-queue", () -> label + ": the driver broke the request queue ("
                        + q.error() + "); device needs reset");
                a.needsReset().run();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Forgets the queue and features; waits for a request in progress, whose effects on the file stay. */
    @Override
    public void reset() {
        lock.lock();
        try {
            activation = null;
            queue = null;
        } finally {
            lock.unlock();
        }
    }

    /** Waits for a request in progress, then flushes and closes the image (releasing its lock). */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            activation = null;
            queue = null;
            disk.close();
        } finally {
            lock.unlock();
        }
    }

    /** The status the last request was answered with, or -1 when it had no status byte; for tests. */
    int lastStatus() { return requests.lastStatus; }
}
