package io.jkvm.virtio;

/**
 * The feature bits and status bits every virtio device shares (virtio 1.2 §6 "Reserved Feature
 * Bits", §2.1 "Device Status Field"), named as in Linux's {@code include/uapi/linux/virtio_config.h}
 * and {@code virtio_ring.h}. Device-specific bits (0-23) live with each device.
 */
public final class VirtioFeatures {
    private VirtioFeatures() {}

    /** §6: the driver may use indirect descriptor tables (§2.7.5.3). */
    public static final int VIRTIO_F_INDIRECT_DESC = 28;
    /** §6: used_event / avail_event suppression (§2.7.7, §2.7.10). */
    public static final int VIRTIO_F_EVENT_IDX = 29;
    /** §6: compliance with virtio 1.x (not legacy); a modern device offers it and needs it. */
    public static final int VIRTIO_F_VERSION_1 = 32;
    /** §6: the device goes through an IOMMU; jkvm never offers it (it has none). */
    public static final int VIRTIO_F_ACCESS_PLATFORM = 33;
    /** §6: packed virtqueues (§2.8); jkvm never offers it (split queues only). */
    public static final int VIRTIO_F_RING_PACKED = 34;

    /** The bits of {@code bits} as a mask. */
    public static long mask(int... bits) {
        long m = 0;
        for (int b : bits) m |= 1L << b;
        return m;
    }

    // Device status (§2.1).
    public static final int ACKNOWLEDGE = 1;
    public static final int DRIVER = 2;
    public static final int DRIVER_OK = 4;
    public static final int FEATURES_OK = 8;
    public static final int DEVICE_NEEDS_RESET = 64;
    public static final int FAILED = 128;

    // Device IDs (§5).
    public static final int ID_BLOCK = 2;
    public static final int ID_CONSOLE = 3;
    public static final int ID_ENTROPY = 4;
}
