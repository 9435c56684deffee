package io.jkvm.virtio.pci;

import io.jkvm.bus.BusDevice;
import io.jkvm.irq.MsiSink;
import io.jkvm.kvm.IoEvent;
import io.jkvm.pci.GuestErrorLog;
import io.jkvm.pci.MsixCapability;
import io.jkvm.pci.PciBar;
import io.jkvm.pci.PciCapabilities;
import io.jkvm.pci.PciConfigSpace;
import io.jkvm.pci.PciDevice;
import io.jkvm.virtio.QueueNotifier;
import io.jkvm.virtio.VirtioDevice;
import io.jkvm.virtio.VirtioFeatures;
import io.jkvm.virtio.VirtioHost;
import io.jkvm.virtio.VirtioInterrupt;
import io.jkvm.virtio.VirtioTransport;

/**
 * The virtio-pci modern transport (virtio 1.2 §4.1) for one {@link VirtioDevice}: a
 * non-transitional PCI function laid out as QEMU's {@code virtio-*-pci} with
 * {@code disable-legacy=on}.
 * <pre>
 * ID       1af4:(1040 + device ID) (§4.1.2.1), revision 1, subsystem 1af4:1100,
 *          class: block 0x010000, console 0x078000, others 0x00ff00 (QEMU's); INTA#
 * caps     vendor-specific (0x09) struct virtio_pci_cap (§4.1.4): COMMON_CFG, NOTIFY_CFG
 *          (+ notify_off_multiplier 4), ISR_CFG, DEVICE_CFG (when the device has a configuration
 *          space), PCI_CFG (+ pci_cfg_data); then MSI-X with queues + 1 vectors
 * BAR1     32-bit memory: the MSI-X table at 0 and the PBA at half
 * BAR4-5   64-bit memory, 16 KiB:
 *          0x0000 common configuration ({@link CommonConfig}, §4.1.4.3)
 *          0x1000 ISR status, one byte, read-to-clear (§4.1.4.5)
 *          0x2000 device-specific configuration (§4.1.4.6)
 *          0x3000 notifications: queue n at 4 n (queue_notify_off = n, §4.1.4.4)
 * </pre>
 * QEMU marks BAR4 prefetchable; jkvm does not, since reading the ISR has a side effect (PCI
 * Local Bus 3.0, 6.2.5.1). Linux maps it the same either way.
 *
 * <h2>Interrupts (§4.1.5.3, §4.1.5.4)</h2>
 * With MSI-X enabled, a used buffer notification sends the queue's queue_msix_vector and a
 * configuration change the config_msix_vector, nothing when that is VIRTIO_MSI_NO_VECTOR. With
 * MSI-X disabled, the device sets ISR bit 0 (queue) or 1 (configuration) and asserts INTA#; the
 * driver's read of the ISR returns and clears it and deasserts INTA#.
 *
 * <h2>Notifications</h2>
 * A write at 0x3000 + 4 n of BAR4 kicks queue n ({@link QueueNotifier#kick}). Each time BAR4
 * starts or stops decoding or moves (firmware's assignment, the guest's, the command
 * register), the ioeventfds are rebound: an MMIO write of any width and value at each queue's
 * address, as QEMU binds them where KVM has KVM_CAP_IOEVENTFD_ANY_LENGTH, else of 2 bytes (Linux
 * writes the queue index as a 16-bit value, §4.1.4.4.1), so the vCPU does not exit.
 * Two functions whose BARs the guest placed over each other cannot both bind; the second then
 * takes its kicks as exits, and it is logged once.
 *
 * <p>Nothing the guest writes makes this class throw: unknown offsets and widths read 0 and
 * are ignored. Thread-safe.
 */
public final class VirtioPci implements PciDevice, AutoCloseable {
    public static final int VENDOR_ID = 0x1af4;
    /** §4.1.2.1: 0x1040 + the virtio device ID, for non-transitional devices. */
    public static final int DEVICE_ID_BASE = 0x1040;
    /** §4.1.2.1: non-transitional devices SHOULD have a revision of 1 or higher. */
    public static final int REVISION = 1;

    public static final int MSIX_BAR = 1;
    public static final int VIRTIO_BAR = 4;
    public static final long VIRTIO_BAR_SIZE = 0x4000;
    public static final int COMMON_OFFSET = 0x0000;
    public static final int ISR_OFFSET = 0x1000;
    public static final int DEVICE_OFFSET = 0x2000;
    public static final int NOTIFY_OFFSET = 0x3000;
    /** Each region's stretch of BAR4. */
    public static final int REGION_SIZE = 0x1000;
    /** notify_off_multiplier: 4 bytes per queue, each queue its own address (QEMU's without page-per-vq). */
    public static final int NOTIFY_OFF_MULTIPLIER = 4;

    // struct virtio_pci_cap (§4.1.4): cfg_type values and field offsets.
    public static final int COMMON_CFG = 1;
    public static final int NOTIFY_CFG = 2;
    public static final int ISR_CFG = 3;
    public static final int DEVICE_CFG = 4;
    public static final int PCI_CFG = 5;
    public static final int CAP_LEN = 2;
    public static final int CAP_CFG_TYPE = 3;
    public static final int CAP_BAR = 4;
    public static final int CAP_ID = 5;
    public static final int CAP_OFFSET = 8;
    public static final int CAP_LENGTH = 12;
    /** notify_off_multiplier in struct virtio_pci_notify_cap, pci_cfg_data in struct virtio_pci_cfg_cap. */
    public static final int CAP_EXTRA = 16;
    private static final int CAP_SIZE = 16;

    /** ISR status bits (§4.1.4.5). */
    public static final int ISR_QUEUE = 0x1;
    public static final int ISR_CONFIG = 0x2;

    private final VirtioDevice device;
    private final PciConfigSpace config;
    private final MsixCapability msix;
    private final VirtioTransport transport;
    private final CommonConfig common;
    private final QueueNotifier notifier;
    private final GuestErrorLog log;
    private final int queues;
    private final int pciCfg;
    private final Object isrLock = new Object();
    private int isr;
    private final Object bindLock = new Object();
    private long boundAt = PciConfigSpace.UNMAPPED;

    /**
     * A function for {@code device}; queue kicks go to {@code host}'s device threads, MSI-X
     * messages to {@code msi}. Add it to a {@code PciBus}; close it when the VM ends (before
     * the device: it unbinds the ioeventfds and closes the eventfds).
     */
    public VirtioPci(VirtioDevice device, VirtioHost host, MsiSink msi) {
        this.device = device;
        this.log = host.log();
        this.queues = device.queueCount();
        config = new PciConfigSpace(VENDOR_ID, DEVICE_ID_BASE + device.deviceId(), REVISION, classCode(device.deviceId()));
        config.setInterruptPin(1);
        config.addMemoryBar64(VIRTIO_BAR, VIRTIO_BAR_SIZE, false, new Regions());
        addCap(COMMON_CFG, CAP_SIZE, COMMON_OFFSET, CommonConfig.LENGTH);
        int notify = addCap(NOTIFY_CFG, CAP_SIZE + 4, NOTIFY_OFFSET, queues * NOTIFY_OFF_MULTIPLIER);
        config.initRegister(notify + CAP_EXTRA, 4, NOTIFY_OFF_MULTIPLIER, 0);
        addCap(ISR_CFG, CAP_SIZE, ISR_OFFSET, 1);
        // §4.1.4.6: present for a device type that has a device-specific configuration.
        if (device.configSize() > 0) addCap(DEVICE_CFG, CAP_SIZE, DEVICE_OFFSET, Math.min(device.configSize(), REGION_SIZE));
        // §4.1.4.9: bar, offset, length and data are the driver's to write.
        pciCfg = addCap(PCI_CFG, CAP_SIZE + 4, 0, 0);
        config.initRegister(pciCfg + CAP_BAR, 1, 0, 0xff);
        config.initRegister(pciCfg + CAP_OFFSET, 4, 0, -1);
        config.initRegister(pciCfg + CAP_LENGTH, 4, 0, -1);
        config.initRegister(pciCfg + CAP_EXTRA, 4, 0, -1);
        msix = MsixCapability.exclusiveBar(config, MSIX_BAR, false, queues + 1, msi, log);
        transport = new VirtioTransport(device, host.memory(), new Interrupt(), log);
        common = new CommonConfig(transport, queues + 1, this::clearIsr);
        notifier = new QueueNotifier(device, host);
        transport.kickWith(notifier::kick);
        device.connectKick(notifier::kick);
        config.setDeviceDecodeListener(this::rebind);
    }

    /** QEMU's class codes (hw/virtio/virtio-*-pci.c): mass storage, simple communication, other. */
    static int classCode(int deviceId) {
        return switch (deviceId) {
            case VirtioFeatures.ID_BLOCK -> 0x010000;   // PCI_CLASS_STORAGE_SCSI
            case VirtioFeatures.ID_CONSOLE -> 0x078000; // PCI_CLASS_COMMUNICATION_OTHER
            default -> 0x00ff00;                        // PCI_CLASS_OTHERS (virtio-rng-pci)
        };
    }

    /** Adds a struct virtio_pci_cap of {@code length} bytes for BAR4's {@code offset}/{@code size}; returns its offset. */
    private int addCap(int cfgType, int length, int offset, int size) {
        int at = config.addCapability(PciCapabilities.ID_VENDOR_SPECIFIC, length, null);
        config.initRegister(at + CAP_LEN, 1, length, 0);
        config.initRegister(at + CAP_CFG_TYPE, 1, cfgType, 0);
        config.initRegister(at + CAP_BAR, 1, VIRTIO_BAR, 0);
        config.initRegister(at + CAP_OFFSET, 4, offset, 0);
        config.initRegister(at + CAP_LENGTH, 4, size, 0);
        return at;
    }

    @Override
    public PciConfigSpace config() { return config; }

    public VirtioDevice device() { return device; }

    public MsixCapability msix() { return msix; }

    /** The register state the common configuration maps onto. */
    public VirtioTransport transport() { return transport; }

    /** Reads the ISR status (§4.1.4.5): returns it, clears it and deasserts INTA#. */
    public int readIsr() {
        synchronized (isrLock) {
            int value = isr;
            isr = 0;
            config.setIntx(false);
            return value;
        }
    }

    /** After a device reset (device_status 0): no interrupt pending. */
    private void clearIsr() {
        readIsr();
    }

    // ---- configuration space: the header, and the PCI_CFG window (§4.1.4.9) ----

    @Override
    public int configRead(int offset, int size) {
        int value = config.read(offset, size);
        int data = pciCfg + CAP_EXTRA;
        if (offset < data + 4 && offset + size > data) {
            int window = (int) windowAccess(false, 0);
            for (int i = 0; i < size; i++) {
                int at = offset + i - data;
                if (at < 0 || at >= 4) continue;
                value = (value & ~(0xff << (8 * i))) | ((window >>> (8 * at)) & 0xff) << (8 * i);
            }
        }
        return value;
    }

    @Override
    public void configWrite(int offset, int size, int value) {
        config.write(offset, size, value);
        int data = pciCfg + CAP_EXTRA;
        if (offset < data + 4 && offset + size > data) windowAccess(true, config.read(data, 4));
    }

    /**
     * §4.1.4.9: an access of cap.length (1, 2 or 4) bytes at cap.offset of BAR cap.bar, wherever
     * the BAR is (decoding or not). Any other combination reads 0 and writes nothing.
     */
    private long windowAccess(boolean write, int value) {
        int bar = config.read(pciCfg + CAP_BAR, 1);
        long offset = config.read(pciCfg + CAP_OFFSET, 4) & 0xffff_ffffL;
        int length = config.read(pciCfg + CAP_LENGTH, 4);
        if (length != 1 && length != 2 && length != 4) return 0;
        for (PciBar b : config.bars()) {
            if (b.index() != bar || offset + length > b.size()) continue;
            if (write) {
                b.region().write(offset, length, value & 0xffff_ffffL);
                return 0;
            }
            return b.region().read(offset, length) & ((1L << (8 * length)) - 1);
        }
        return 0;
    }

    // ---- BAR4 ----

    /** BAR4's regions, by offset; an access is routed by where it starts. */
    private final class Regions implements BusDevice {
        @Override
        public long read(long offset, int size) {
            if (offset < 0 || offset >= VIRTIO_BAR_SIZE) return 0;
            long at = offset % REGION_SIZE;
            return switch ((int) (offset / REGION_SIZE)) {
                case 0 -> common.read(at, size);
                case 1 -> at == 0 ? readIsr() : 0;
                case 2 -> readDeviceConfig(at, size);
                default -> 0; // notifications are write-only
            };
        }

        @Override
        public void write(long offset, int size, long value) {
            if (offset < 0 || offset >= VIRTIO_BAR_SIZE) return;
            long at = offset % REGION_SIZE;
            switch ((int) (offset / REGION_SIZE)) {
                case 0 -> common.write(at, size, value);
                case 2 -> writeDeviceConfig(at, size, value);
                case 3 -> {
                    // §4.1.4.4: queue n's address is notify_off (n) * multiplier; the value (the
                    // queue index, without VIRTIO_F_NOTIFICATION_DATA) says nothing more.
                    if (at % NOTIFY_OFF_MULTIPLIER == 0 && at / NOTIFY_OFF_MULTIPLIER < queues) {
                        notifier.kick((int) (at / NOTIFY_OFF_MULTIPLIER));
                    }
                }
                default -> { } // the ISR is read-only
            }
        }
    }

    private boolean deviceConfigAccess(long at, int size) {
        return (size == 1 || size == 2 || size == 4 || size == 8) && at + size <= device.configSize();
    }

    private long readDeviceConfig(long at, int size) {
        return deviceConfigAccess(at, size) ? device.readConfig((int) at, size) : 0;
    }

    private void writeDeviceConfig(long at, int size, long value) {
        if (deviceConfigAccess(at, size)) device.writeConfig((int) at, size, value);
    }

    // ---- interrupts (§4.1.5.3, §4.1.5.4) ----

    /** What the transport hands the device at activation. */
    private final class Interrupt implements VirtioInterrupt {
        @Override
        public void queue(int queue) {
            signal(transport.msixVectorOf(queue), ISR_QUEUE);
        }

        @Override
        public void config() {
            signal(common.configVector(), ISR_CONFIG);
        }
    }

    private void signal(int vector, int isrBit) {
        if (vector != CommonConfig.NO_VECTOR && msix.trigger(vector)) return;
        if (msix.enabled()) return; // MSI-X on, and the driver chose no vector for this
        synchronized (isrLock) {
            isr |= isrBit;
            config.setIntx(true);
        }
    }

    // ---- ioeventfds ----

    /** Binds each queue's notification address where BAR4 decodes now, after unbinding the old ones. */
    private void rebind() {
        synchronized (bindLock) {
            long base = config.decodedAddress(VIRTIO_BAR);
            if (base == boundAt) return;
            notifier.unbindAll();
            boundAt = base;
            if (base == PciConfigSpace.UNMAPPED) return;
            for (int q = 0; q < queues; q++) {
                long address = base + NOTIFY_OFFSET + (long) q * NOTIFY_OFF_MULTIPLIER;
                try {
                    // Any width, as QEMU asks where KVM has KVM_CAP_IOEVENTFD_ANY_LENGTH: on VMX KVM
                    // then completes the write on its fast MMIO path, without decoding the
                    // instruction (virt/kvm/eventfd.c, KVM_FAST_MMIO_BUS). Else the width Linux
                    // writes (vp_notify: iowrite16 of the queue index, virtio 1.2 §4.1.4.4.1).
                    if (!notifier.bind(q, IoEvent.mmio(address, 0))) notifier.bind(q, IoEvent.mmio(address, 2));
                } catch (RuntimeException e) {
                    log.once("virtio-pci-ioeventfd", () -> String.format("%s: no ioeventfd at 0x%x (%s); its kicks exit instead",
                            device.name(), address, e.getMessage()));
                }
            }
        }
    }

    /** Where BAR4 was when the ioeventfds were last bound ({@link PciConfigSpace#UNMAPPED}: none). */
    public long notifyBase() {
        synchronized (bindLock) {
            return boundAt;
        }
    }

    /** Unbinds the ioeventfds and closes the eventfds; the device itself is closed by its owner. */
    @Override
    public void close() {
        synchronized (bindLock) {
            boundAt = PciConfigSpace.UNMAPPED;
            notifier.close();
        }
    }
}
