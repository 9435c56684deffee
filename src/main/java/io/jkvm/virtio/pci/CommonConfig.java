package io.jkvm.virtio.pci;

import io.jkvm.bus.BusDevice;
import io.jkvm.virtio.VirtioTransport;

/**
 * The common configuration structure (virtio 1.2 §4.1.4.3, {@code struct virtio_pci_common_cfg})
 * as an MMIO region, mapped onto {@link VirtioTransport}:
 * <pre>
 * 0x00 le32 device_feature_select     0x16 le16 queue_select
 * 0x04 le32 device_feature (RO)       0x18 le16 queue_size
 * 0x08 le32 driver_feature_select     0x1a le16 queue_msix_vector
 * 0x0c le32 driver_feature            0x1c le16 queue_enable
 * 0x10 le16 config_msix_vector        0x1e le16 queue_notify_off (RO)
 * 0x12 le16 num_queues (RO)           0x20 le64 queue_desc
 * 0x14 u8   device_status             0x28 le64 queue_driver
 * 0x15 u8   config_generation (RO)    0x30 le64 queue_device
 * </pre>
 * queue_notify_data and queue_reset (0x38, 0x3a) exist only with VIRTIO_F_NOTIF_CONFIG_DATA and
 * VIRTIO_F_RING_RESET, which jkvm does not offer; the structure ends at 0x38.
 *
 * <p>§4.1.3.1: the driver accesses each field with its own width (a 64-bit field as one 64-bit
 * access or two 32-bit halves). Any other access, and any offset that starts no field, reads 0
 * and is ignored when written. An MSI-X vector the function does not have is stored as
 * VIRTIO_MSI_NO_VECTOR, which is what the driver reads back (§4.1.5.1.2).
 *
 * <p>Thread-safe: the transport serializes itself; the configuration vector is guarded here.
 */
final class CommonConfig implements BusDevice {
    static final int DEVICE_FEATURE_SELECT = 0x00;
    static final int DEVICE_FEATURE = 0x04;
    static final int DRIVER_FEATURE_SELECT = 0x08;
    static final int DRIVER_FEATURE = 0x0c;
    static final int CONFIG_MSIX_VECTOR = 0x10;
    static final int NUM_QUEUES = 0x12;
    static final int DEVICE_STATUS = 0x14;
    static final int CONFIG_GENERATION = 0x15;
    static final int QUEUE_SELECT = 0x16;
    static final int QUEUE_SIZE = 0x18;
    static final int QUEUE_MSIX_VECTOR = 0x1a;
    static final int QUEUE_ENABLE = 0x1c;
    static final int QUEUE_NOTIFY_OFF = 0x1e;
    static final int QUEUE_DESC = 0x20;
    static final int QUEUE_DRIVER = 0x28;
    static final int QUEUE_DEVICE = 0x30;
    /** sizeof(struct virtio_pci_common_cfg): what Linux's vp_modern_probe wants at least. */
    static final int LENGTH = 0x38;

    /** VIRTIO_MSI_NO_VECTOR (§4.1.5.1.2). */
    static final int NO_VECTOR = 0xffff;

    private final VirtioTransport transport;
    private final int vectors;
    private final Runnable onReset;
    private int configVector = NO_VECTOR;

    /**
     * @param vectors the function's MSI-X vectors (a vector at or past it reads back as NO_VECTOR)
     * @param onReset runs after the driver wrote 0 to device_status and the transport reset
     */
    CommonConfig(VirtioTransport transport, int vectors, Runnable onReset) {
        this.transport = transport;
        this.vectors = vectors;
        this.onReset = onReset;
    }

    /** config_msix_vector as the driver set it (NO_VECTOR for none). */
    synchronized int configVector() { return configVector; }

    /** The width of the field starting at {@code offset} (a 64-bit field counts as 8), or 0. */
    private static int width(long offset) {
        return switch ((int) offset) {
            case DEVICE_FEATURE_SELECT, DEVICE_FEATURE, DRIVER_FEATURE_SELECT, DRIVER_FEATURE -> 4;
            case CONFIG_MSIX_VECTOR, NUM_QUEUES, QUEUE_SELECT, QUEUE_SIZE, QUEUE_MSIX_VECTOR, QUEUE_ENABLE, QUEUE_NOTIFY_OFF -> 2;
            case DEVICE_STATUS, CONFIG_GENERATION -> 1;
            case QUEUE_DESC, QUEUE_DRIVER, QUEUE_DEVICE -> 8;
            default -> 0;
        };
    }

    @Override
    public long read(long offset, int size) {
        if (offset >= QUEUE_DESC && offset < LENGTH) return readAddress((int) offset, size);
        if (offset < 0 || offset >= QUEUE_DESC || size != width(offset)) return 0;
        return switch ((int) offset) {
            case DEVICE_FEATURE_SELECT -> transport.deviceFeatureSelect() & 0xffff_ffffL;
            case DEVICE_FEATURE -> transport.deviceFeatures() & 0xffff_ffffL;
            case DRIVER_FEATURE_SELECT -> transport.driverFeatureSelect() & 0xffff_ffffL;
            case DRIVER_FEATURE -> transport.driverFeatures() & 0xffff_ffffL;
            case CONFIG_MSIX_VECTOR -> configVector();
            case NUM_QUEUES -> transport.queueCount();
            case DEVICE_STATUS -> transport.status();
            case CONFIG_GENERATION -> transport.configGeneration() & 0xff;
            case QUEUE_SELECT -> transport.queueSelect();
            case QUEUE_SIZE -> transport.queueSize();
            case QUEUE_MSIX_VECTOR -> transport.queueMsixVector();
            case QUEUE_ENABLE -> transport.queueReady() ? 1 : 0;
            case QUEUE_NOTIFY_OFF -> notifyOff();
            default -> 0;
        };
    }

    /** queue_notify_off: the queue's own index, so each queue has its own notification address (§4.1.4.4). */
    private int notifyOff() {
        int queue = transport.queueSelect();
        return queue < transport.queueCount() ? queue : 0;
    }

    private long readAddress(int offset, int size) {
        int field = offset & ~7;
        long value = switch (field) {
            case QUEUE_DESC -> transport.queueDesc();
            case QUEUE_DRIVER -> transport.queueDriver();
            default -> transport.queueDevice();
        };
        int part = offset - field;
        if (size == 8 && part == 0) return value;
        if (size == 4 && (part == 0 || part == 4)) return (value >>> (8 * part)) & 0xffff_ffffL;
        return 0;
    }

    @Override
    public void write(long offset, int size, long value) {
        if (offset >= QUEUE_DESC && offset < LENGTH) {
            writeAddress((int) offset, size, value);
            return;
        }
        if (offset < 0 || offset >= QUEUE_DESC || size != width(offset)) return;
        int v = (int) value;
        switch ((int) offset) {
            case DEVICE_FEATURE_SELECT -> transport.selectDeviceFeatures(v);
            case DRIVER_FEATURE_SELECT -> transport.selectDriverFeatures(v);
            case DRIVER_FEATURE -> transport.setDriverFeatures(v);
            case CONFIG_MSIX_VECTOR -> {
                synchronized (this) {
                    configVector = usable(v & 0xffff);
                }
            }
            case DEVICE_STATUS -> {
                transport.setStatus(v & 0xff);
                if ((v & 0xff) == 0) {
                    synchronized (this) {
                        configVector = NO_VECTOR;
                    }
                    onReset.run();
                }
            }
            case QUEUE_SELECT -> transport.selectQueue(v & 0xffff);
            case QUEUE_SIZE -> transport.setQueueSize(v & 0xffff);
            case QUEUE_MSIX_VECTOR -> transport.setQueueMsixVector(usable(v & 0xffff));
            case QUEUE_ENABLE -> {
                // §4.1.4.3.2: the driver writes 1; 0 (a reset of one queue) needs VIRTIO_F_RING_RESET.
                if ((v & 0xffff) <= 1) transport.setQueueReady((v & 0xffff) == 1);
            }
            default -> { } // device_feature, num_queues, config_generation, queue_notify_off: read-only
        }
    }

    /** §4.1.5.1.2: a vector the function does not have reads back as NO_VECTOR. */
    private int usable(int vector) {
        return vector < vectors ? vector : NO_VECTOR;
    }

    private void writeAddress(int offset, int size, long value) {
        int field = offset & ~7;
        int part = offset - field;
        if (size == 8 && part == 0) {
            setAddress(field, 0, (int) value);
            setAddress(field, 1, (int) (value >>> 32));
        } else if (size == 4 && (part == 0 || part == 4)) {
            setAddress(field, part / 4, (int) value);
        }
    }

    private void setAddress(int field, int word, int value) {
        switch (field) {
            case QUEUE_DESC -> transport.setQueueDesc(word, value);
            case QUEUE_DRIVER -> transport.setQueueDriver(word, value);
            default -> transport.setQueueDevice(word, value);
        }
    }
}
