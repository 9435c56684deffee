package io.jkvm.virtio;

/**
 * A virtio device as both transports see it (virtio 1.2 §2, §5): its type, the features it
 * offers, its virtqueues and its device-specific configuration space; {@link #activate} when the
 * driver sets DRIVER_OK, {@link #notify} when the driver kicks a queue, {@link #reset} when it
 * writes 0 to the status. The transport ({@code VirtioMmio}, {@code VirtioPci}) owns the
 * register file, the status state machine, feature negotiation and the queues' addresses; the
 * device owns what the requests mean. No KVM, no transport, no threads of its own inside a
 * device: host I/O happens on the thread that calls {@link #notify}, a device thread of the
 * transport, never a vCPU.
 *
 * <p><b>Threads.</b> {@link #readConfig}/{@link #writeConfig} and {@link #reset} come from vCPU
 * threads (register accesses); {@link #activate} too; {@link #notify} from a device thread.
 * An implementation makes them safe against each other (a lock per device is enough);
 * {@link #reset} returns only when no request is in progress, so the transport can then hand
 * the queues' memory back to the driver.
 *
 * <p><b>Hostile driver.</b> Nothing a driver puts in a queue or writes to the configuration may
 * make a device throw: a malformed request is answered with an error status where the device
 * type has one (virtio-blk's VIRTIO_BLK_S_IOERR / UNSUPP), otherwise dropped and logged once;
 * a broken queue ({@link io.jkvm.virtio.queue.SplitQueue#broken()}) is reported through
 * {@link Activation#needsReset()}.
 *
 * <p>Copy {@link io.jkvm.virtio.rng.RngDevice}, the simplest device, to start a new one.
 */
public interface VirtioDevice extends AutoCloseable {

    /** The device ID (virtio 1.2 §5: 2 block, 3 console, 4 entropy). */
    int deviceId();

    /** A short name for logs and errors: {@code virtio-blk}, {@code virtio-rng}. */
    String name();

    /**
     * The feature bits the device offers (§2.2, §6): its own bits (0-23) and the ring bits it
     * supports ({@link VirtioFeatures#VIRTIO_F_INDIRECT_DESC}, {@link VirtioFeatures#VIRTIO_F_EVENT_IDX}).
     * The transport adds {@link VirtioFeatures#VIRTIO_F_VERSION_1} and never offers
     * VIRTIO_F_ACCESS_PLATFORM or VIRTIO_F_RING_PACKED.
     */
    long features();

    /** How many virtqueues the device has (fixed: §5.x.2 of each device type). */
    int queueCount();

    /** The largest size the driver may give queue {@code queue}: QueueNumMax / queue_size (a power of 2). */
    int maxQueueSize(int queue);

    /** The size in bytes of the device-specific configuration space (§4.1.4.6, §4.2.2 Config). */
    int configSize();

    /**
     * Reads {@code size} (1, 2, 4 or 8) bytes of the configuration space at {@code offset},
     * little-endian (§2.5). Bytes outside the space read 0. Never throws.
     */
    long readConfig(int offset, int size);

    /** Writes configuration bytes; the device ignores writes to read-only fields. Never throws. */
    void writeConfig(int offset, int size, long value);

    /**
     * The driver set DRIVER_OK (§3.1.1 step 8): start serving the queues in {@code activation}
     * with its negotiated features. Called once per reset cycle, on a vCPU thread; starts no
     * blocking work here.
     */
    void activate(Activation activation);

    /**
     * The driver made buffers available in queue {@code queue} (a queue notification, §2.7.13.4),
     * or the device should look again (after activate, or input arrived). On a device thread;
     * may do host I/O. Ignored before activate and after reset. Never throws.
     */
    void notify(int queue);

    /**
     * The driver wrote 0 to the status (§2.1.2, §3.1.1 step 1): stop, forget the queues and the
     * negotiated features, and go back to the state before activate. Requests accepted before it
     * keep what they already did (a write that reached the file stays written).
     */
    void reset();

    /**
     * The transport gives the device a way to have its own device thread look at queue n
     * ({@link QueueNotifier#kick}): for events from the host side rather than the driver (console
     * input arriving), and to come back to a queue a notification left with work past
     * {@link io.jkvm.virtio.queue.SplitQueue#BUDGET}. Called once, before the driver can reach
     * the device; a device that was never connected serves the rest at the next notification.
     */
    default void connectKick(java.util.function.IntConsumer kick) {}

    /** The VM ends: finish or drop what is in flight, flush (a disk's writes reach the file), release host resources. */
    @Override
    void close();
}
