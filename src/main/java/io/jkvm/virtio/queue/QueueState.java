package io.jkvm.virtio.queue;

/**
 * What a split virtqueue is, as the transport configured it and as the device has advanced it:
 * the record a snapshot saves and {@link SplitQueue#SplitQueue(io.jkvm.memory.GuestMemory, QueueState)}
 * restores from. Values are the driver's, unchecked here: the queue validates them when it is made
 * (a bad size or a ring outside RAM makes it {@linkplain SplitQueue#broken() broken}, never throws).
 *
 * @param size       queue_size: descriptors in the table, a power of two up to 32768 (virtio 1.2 §2.7)
 * @param ready      queue_ready / queue_enable: the driver has set the queue up
 * @param descTable  guest-physical address of the descriptor table (16-byte aligned, §2.7.5)
 * @param availRing  guest-physical address of the available ring (2-byte aligned, §2.7.6)
 * @param usedRing   guest-physical address of the used ring (4-byte aligned, §2.7.8)
 * @param nextAvail  the free-running u16 index of the next avail ring entry the device takes
 * @param nextUsed   the free-running u16 index of the next used ring entry the device fills
 * @param eventIdx   VIRTIO_F_EVENT_IDX negotiated: used_event/avail_event suppression (§2.7.7, §2.7.10)
 *                   rather than the flags
 */
public record QueueState(int size, boolean ready, long descTable, long availRing, long usedRing,
                         int nextAvail, int nextUsed, boolean eventIdx) {

    /** The largest split queue (virtio 1.2 §2.7: "Queue Size ... maximum 32768"). */
    public static final int MAX_SIZE = 32768;

    /** A queue the driver has not set up: reset state (virtio 1.2 §2.1.2 / transport reset). */
    public static QueueState reset() {
        return new QueueState(0, false, 0, 0, 0, 0, 0, false);
    }
}
