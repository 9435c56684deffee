package io.jkvm.virtio.queue;

/**
 * Why a {@link SplitQueue} stopped: the first thing found wrong in what the driver wrote. Once a
 * queue has an error it stays {@linkplain SplitQueue#broken() broken} and offers no more chains;
 * the device should set DEVICE_NEEDS_RESET (virtio 1.2 §2.1.2) and wait for the driver to reset it.
 */
public enum QueueError {
    /** Nothing wrong. */
    NONE,
    /** queue_size is 0, not a power of two, or above 32768 (virtio 1.2 §2.7). */
    BAD_SIZE,
    /** A ring or the descriptor table is not all guest RAM, or not aligned as §2.7 requires. */
    RING_OUTSIDE_RAM,
    /** avail.idx ran more than queue_size entries ahead of the device (§2.7.6). */
    AVAIL_IDX_TOO_FAR,
    /** An avail ring entry or a next field names a descriptor past the table's end (§2.7.5). */
    BAD_DESCRIPTOR_INDEX,
    /** The chain has more descriptors than queue_size, which any loop does (§2.7.5.2, §2.7.5.3.1). */
    CHAIN_TOO_LONG,
    /** A buffer is not all guest RAM (out of RAM, across a hole, wrapping 2^64) (§2.7.5). */
    BUFFER_OUTSIDE_RAM,
    /** A descriptor of length 0: nothing a device can use, so jkvm refuses it rather than carry empty buffers. */
    ZERO_LENGTH,
    /** A device-readable buffer after a device-writable one (§2.7.4.2, "Driver Requirements: Message Framing"). */
    READABLE_AFTER_WRITABLE,
    /** The chain's buffers add up to more than 2^32 bytes (§2.7.5.2). */
    CHAIN_TOO_LARGE,
    /** An indirect table whose length is 0, not a multiple of 16, or above queue_size entries (§2.7.5.3.1). */
    BAD_INDIRECT_LENGTH,
    /** VIRTQ_DESC_F_INDIRECT inside an indirect table (§2.7.5.3.1). */
    NESTED_INDIRECT,
    /** VIRTQ_DESC_F_INDIRECT with VIRTQ_DESC_F_NEXT (§2.7.5.3.1). */
    INDIRECT_WITH_NEXT,
    /** VIRTQ_DESC_F_INDIRECT on a descriptor that is not the chain's head (jkvm, as QEMU, takes it only there). */
    INDIRECT_NOT_HEAD,
}
