package io.jkvm.virtio;

import io.jkvm.memory.GuestMemory;
import io.jkvm.pci.GuestErrorLog;
import io.jkvm.virtio.queue.QueueState;
import io.jkvm.virtio.queue.SplitQueue;

import java.util.ArrayList;
import java.util.List;

import static io.jkvm.virtio.VirtioFeatures.*;

/**
 * What virtio-mmio and virtio-pci have in common (virtio 1.2 §2.1, §2.2, §3.1.1, §4.1.4.3,
 * §4.2.2): the device status and its state machine, feature negotiation in 32-bit words, the
 * queue selector and each queue's size, enable and ring addresses, and activation at DRIVER_OK.
 * The two register files ({@code VirtioMmio}, {@code VirtioPci}) map their offsets onto these
 * calls. Pure: no KVM, no threads; a hostile driver's writes are ignored where the spec says the
 * driver must not make them, never thrown.
 *
 * <p>Status machine (§2.1, §3.1.1):
 * <ul>
 *   <li>0 resets the device ({@link VirtioDevice#reset}), the features and the queues.</li>
 *   <li>FEATURES_OK is refused (left clear, for the driver to read back) when the driver
 *       accepted a feature the device did not offer, or not VIRTIO_F_VERSION_1.</li>
 *   <li>DRIVER_OK after FEATURES_OK activates the device once with the ready queues.</li>
 *   <li>Bits are only ever added (§2.1.1: the driver must not clear one); a write that clears
 *       one other than by writing 0 is ignored.</li>
 *   <li>DEVICE_NEEDS_RESET is the device's to set ({@link #needsReset}).</li>
 * </ul>
 *
 * <p>Thread-safe: register accesses come from any vCPU, {@link #needsReset} from a device thread.
 */
public final class VirtioTransport {
    /** Feature bits the transport never offers whatever the device says (no IOMMU, no packed rings). */
    static final long NEVER_OFFERED = mask(VIRTIO_F_ACCESS_PLATFORM, VIRTIO_F_RING_PACKED);

    private final VirtioDevice device;
    private final GuestMemory memory;
    private final VirtioInterrupt interrupt;
    private final GuestErrorLog log;
    private final long offered;
    private final QueueConfig[] queues;

    private volatile java.util.function.IntConsumer kick;
    private int status;
    private long driverFeatures;
    private int deviceFeatureSelect;
    private int driverFeatureSelect;
    private int queueSelect;
    private int configGeneration;
    private boolean active;

    /** One queue's registers as the driver writes them before enabling it (§4.1.4.3, §4.2.2). */
    private static final class QueueConfig {
        int size;
        boolean ready;
        long desc, driver, device;
        int msixVector = 0xffff; // VIRTIO_MSI_NO_VECTOR (§4.1.5.1.2); used by virtio-pci only
        final int max;

        QueueConfig(int max) { this.max = max; size = max; }

        void reset() { size = max; ready = false; desc = driver = device = 0; msixVector = 0xffff; }
    }

    public VirtioTransport(VirtioDevice device, GuestMemory memory, VirtioInterrupt interrupt, GuestErrorLog log) {
        this.device = device;
        this.memory = memory;
        this.interrupt = interrupt;
        this.log = log;
        this.offered = (device.features() | mask(VIRTIO_F_VERSION_1)) & ~NEVER_OFFERED;
        this.queues = new QueueConfig[device.queueCount()];
        for (int q = 0; q < queues.length; q++) queues[q] = new QueueConfig(device.maxQueueSize(q));
        this.kick = device::notify;
    }

    /**
     * How the transport asks the device to look at a queue: after activation it kicks every
     * queue once, for buffers the driver made available before DRIVER_OK. A transport passes
     * {@link QueueNotifier#kick}, so the look happens on the device thread, not on the vCPU
     * that wrote the status; the default calls {@link VirtioDevice#notify} inline (unit tests).
     */
    public void kickWith(java.util.function.IntConsumer kick) {
        this.kick = java.util.Objects.requireNonNull(kick);
    }

    public VirtioDevice device() { return device; }

    /** The features offered: the device's, plus VIRTIO_F_VERSION_1, minus what jkvm never offers. */
    public long offeredFeatures() { return offered; }

    // ---- status (§2.1) ----

    public synchronized int status() { return status; }

    /** A driver write of the device status. */
    public void setStatus(int written) {
        int value = written & 0xff;
        if (value == 0) {
            reset();
            return;
        }
        Activation activation = null;
        synchronized (this) {
            if ((value & status & ~DEVICE_NEEDS_RESET) != (status & ~DEVICE_NEEDS_RESET)) {
                log.once("virtio-status-clear", () -> device.name() + ": the driver cleared status bits"
                        + " without a reset (virtio 1.2 §2.1.1); ignored");
                return;
            }
            int next = (value & ~DEVICE_NEEDS_RESET) | (status & DEVICE_NEEDS_RESET);
            if ((next & FEATURES_OK) != 0 && (status & FEATURES_OK) == 0 && !featuresAcceptable()) {
                next &= ~FEATURES_OK; // §3.1.1 step 6: the driver re-reads FEATURES_OK and gives up
            }
            if ((next & DRIVER_OK) != 0 && !active && (next & FEATURES_OK) != 0 && (next & FAILED) == 0) {
                active = true;
                activation = activation();
            }
            status = next;
        }
        if (activation != null) {
            device.activate(activation);
            for (int q = 0; q < queues.length; q++) kick.accept(q); // buffers made available before DRIVER_OK
        }
    }

    private boolean featuresAcceptable() {
        return (driverFeatures & ~offered) == 0 && (driverFeatures & mask(VIRTIO_F_VERSION_1)) != 0;
    }

    private Activation activation() {
        List<SplitQueue> made = new ArrayList<>(queues.length);
        boolean eventIdx = (driverFeatures & mask(VIRTIO_F_EVENT_IDX)) != 0;
        for (QueueConfig c : queues) {
            made.add(new SplitQueue(memory, new QueueState(c.size, c.ready, c.desc, c.driver, c.device, 0, 0, eventIdx)));
        }
        return new Activation(driverFeatures, memory, made, interrupt, this::needsReset);
    }

    /** Status 0 (§2.1.2, §4.2.3.1, §4.1.4.3.1 "device_status ... 0 resets"). */
    public void reset() {
        device.reset();
        synchronized (this) {
            status = 0;
            active = false;
            driverFeatures = 0;
            deviceFeatureSelect = driverFeatureSelect = queueSelect = 0;
            for (QueueConfig c : queues) c.reset();
        }
    }

    /** The device cannot go on (§2.1.2): DEVICE_NEEDS_RESET, and a configuration change notification. */
    public void needsReset() {
        synchronized (this) {
            if ((status & DRIVER_OK) == 0 || (status & DEVICE_NEEDS_RESET) != 0) return;
            status |= DEVICE_NEEDS_RESET;
        }
        log.once("virtio-needs-reset", () -> device.name() + ": a queue is broken; DEVICE_NEEDS_RESET set");
        interrupt.config();
    }

    public synchronized boolean active() { return active; }

    // ---- features (§2.2), in 32-bit words selected by a register ----

    public synchronized void selectDeviceFeatures(int select) { deviceFeatureSelect = select; }

    public synchronized int deviceFeatureSelect() { return deviceFeatureSelect; }

    /** DeviceFeatures / device_feature: the selected word (0 beyond word 1). */
    public synchronized int deviceFeatures() {
        return word(offered, deviceFeatureSelect);
    }

    public synchronized void selectDriverFeatures(int select) { driverFeatureSelect = select; }

    public synchronized int driverFeatureSelect() { return driverFeatureSelect; }

    public synchronized int driverFeatures() {
        return word(driverFeatures, driverFeatureSelect);
    }

    /** DriverFeatures / driver_feature: ignored once FEATURES_OK is set (§2.2.1) and beyond word 1. */
    public synchronized void setDriverFeatures(int value) {
        if ((status & FEATURES_OK) != 0 || driverFeatureSelect < 0 || driverFeatureSelect > 1) return;
        int shift = 32 * driverFeatureSelect;
        driverFeatures = (driverFeatures & ~(0xffff_ffffL << shift)) | ((value & 0xffff_ffffL) << shift);
    }

    /** The negotiated features (meaningful after FEATURES_OK). */
    public synchronized long negotiatedFeatures() { return driverFeatures; }

    private static int word(long bits, int select) {
        return select == 0 ? (int) bits : select == 1 ? (int) (bits >>> 32) : 0;
    }

    // ---- queues (§4.1.4.3 common configuration, §4.2.2 QueueSel...QueueDevice) ----

    public int queueCount() { return queues.length; }

    public synchronized void selectQueue(int queue) { queueSelect = queue & 0xffff; }

    public synchronized int queueSelect() { return queueSelect; }

    private QueueConfig selected() {
        return queueSelect < queues.length ? queues[queueSelect] : null;
    }

    /** QueueNumMax: 0 for a queue that does not exist (§4.2.2). */
    public synchronized int queueMaxSize() {
        QueueConfig c = selected();
        return c == null ? 0 : c.max;
    }

    public synchronized int queueSize() {
        QueueConfig c = selected();
        return c == null ? 0 : c.size;
    }

    /**
     * QueueNum / queue_size. Kept as written; a size that is 0, not a power of 2 or above the
     * maximum makes the queue {@linkplain SplitQueue#broken() broken} when it is made. Ignored
     * for an enabled queue (the driver must not change it then).
     */
    public synchronized void setQueueSize(int size) {
        QueueConfig c = writable();
        if (c != null) c.size = size & 0xffff;
    }

    public synchronized boolean queueReady() {
        QueueConfig c = selected();
        return c != null && c.ready;
    }

    /**
     * QueueReady / queue_enable. Writing 1 enables the selected queue. Writing 0 disables it
     * before DRIVER_OK: a virtio-mmio driver stops using a queue that way and reads 0 back
     * (§4.2.2.2; Linux's vm_del_vq after a failed probe); a virtio-pci driver must not write it
     * (§4.1.4.3.2). Once the device is active it holds the queue, so the write is then ignored,
     * logged once (stopping one queue of a running device needs VIRTIO_F_RING_RESET, not offered).
     */
    public synchronized void setQueueReady(boolean ready) {
        QueueConfig c = selected();
        if (c == null) return;
        if (ready && c.size > c.max) {
            log.once("virtio-queue-size", () -> device.name() + ": queue size " + c.size + " above " + c.max);
        }
        if (!ready && c.ready && active) {
            log.once("virtio-queue-disable", () -> device.name() + ": the driver disabled an enabled queue; ignored");
            return;
        }
        c.ready = ready;
    }

    public synchronized long queueDesc() { QueueConfig c = selected(); return c == null ? 0 : c.desc; }

    public synchronized long queueDriver() { QueueConfig c = selected(); return c == null ? 0 : c.driver; }

    public synchronized long queueDevice() { QueueConfig c = selected(); return c == null ? 0 : c.device; }

    /** Sets the low (word 0) or high (word 1) 32 bits of the descriptor table address. */
    public synchronized void setQueueDesc(int word, int value) { QueueConfig c = writable(); if (c != null) c.desc = setWord(c.desc, word, value); }

    public synchronized void setQueueDriver(int word, int value) { QueueConfig c = writable(); if (c != null) c.driver = setWord(c.driver, word, value); }

    public synchronized void setQueueDevice(int word, int value) { QueueConfig c = writable(); if (c != null) c.device = setWord(c.device, word, value); }

    /** virtio-pci's queue_msix_vector (§4.1.4.3); VIRTIO_MSI_NO_VECTOR (0xffff) for none. */
    public synchronized int queueMsixVector() { QueueConfig c = selected(); return c == null ? 0xffff : c.msixVector; }

    public synchronized void setQueueMsixVector(int vector) { QueueConfig c = selected(); if (c != null) c.msixVector = vector & 0xffff; }

    /** The MSI-X vector of queue {@code queue} (0xffff: none). */
    public synchronized int msixVectorOf(int queue) {
        return queue >= 0 && queue < queues.length ? queues[queue].msixVector : 0xffff;
    }

    private QueueConfig writable() {
        QueueConfig c = selected();
        if (c != null && c.ready) {
            log.once("virtio-queue-write", () -> device.name() + ": the driver changed an enabled queue; ignored");
            return null;
        }
        return c;
    }

    private static long setWord(long v, int word, int value) {
        if (word == 0) return (v & ~0xffff_ffffL) | (value & 0xffff_ffffL);
        return (v & 0xffff_ffffL) | ((long) value << 32);
    }

    // ---- configuration space (§2.5) ----

    /** ConfigGeneration / config_generation: changes when the device changes its configuration. */
    public synchronized int configGeneration() { return configGeneration; }

    /** The device changed its configuration space: a new generation and a notification. */
    public void configChanged() {
        synchronized (this) {
            configGeneration++;
        }
        interrupt.config();
    }
}
