package io.jkvm.virtio.mmio;

import io.jkvm.bus.BusDevice;
import io.jkvm.irq.InterruptLine;
import io.jkvm.kvm.IoEvent;
import io.jkvm.pci.GuestErrorLog;
import io.jkvm.virtio.QueueNotifier;
import io.jkvm.virtio.VirtioDevice;
import io.jkvm.virtio.VirtioHost;
import io.jkvm.virtio.VirtioTransport;

/**
 * A virtio device on the virtio-mmio transport, version 2 (virtio 1.2 §4.2): the register file
 * of §4.2.2 at a base address on the MMIO bus, each register mapped onto the shared
 * {@link VirtioTransport}; the device-specific configuration from offset 0x100 on.
 *
 * <pre>
 * offset  register                                 access
 * 0x000   MagicValue       0x74726976 ("virt")     R
 * 0x004   Version          2                       R
 * 0x008   DeviceID                                 R
 * 0x00c   VendorID         0x554d4551 ("QEMU")     R
 * 0x010   DeviceFeatures   (word DeviceFeaturesSel)R
 * 0x014   DeviceFeaturesSel                        W
 * 0x020   DriverFeatures   (word DriverFeaturesSel)W
 * 0x024   DriverFeaturesSel                        W
 * 0x030   QueueSel                                 W
 * 0x034   QueueNumMax      0: no such queue        R
 * 0x038   QueueNum                                 W
 * 0x044   QueueReady                               RW
 * 0x050   QueueNotify      queue index             W   (an ioeventfd per queue)
 * 0x060   InterruptStatus  bit 0 used buffer,      R
 *                          bit 1 configuration change
 * 0x064   InterruptACK                             W
 * 0x070   Status                                   RW
 * 0x080   QueueDescLow/High     (0x084)            W
 * 0x090   QueueDriverLow/High   (0x094)            W
 * 0x0a0   QueueDeviceLow/High   (0x0a4)            W
 * 0x0ac   SHMSel                                   W   (no shared memory regions)
 * 0x0b0   SHMLenLow/High   -1: no such region      R
 * 0x0b8   SHMBaseLow/High                          R
 * 0x0fc   ConfigGeneration                         R
 * 0x100+  Config           the device's readConfig/writeConfig, any width
 * </pre>
 *
 * §4.2.2.2: the driver uses only aligned 32-bit accesses for the registers; any other access
 * there, a read of a write-only register, or a write of a read-only one is ignored (reads 0)
 * and logged once. The configuration space is accessed at the width of each field (§4.2.2.2),
 * so every width goes to the device.
 *
 * <p>Queue notifications: a write to QueueNotify that reaches the register file kicks the
 * queue through the {@link QueueNotifier}; where KVM has ioeventfds, a 4-byte write of queue
 * index q to base + 0x50 never exits at all (one ioeventfd per queue, datamatch q).
 *
 * <p>Thread-safe (the transport and the interrupt lock themselves); register accesses allocate
 * nothing. {@link #close} undoes the ioeventfds and closes the notifier's eventfds; the device
 * is closed by its owner.
 */
public final class VirtioMmio implements BusDevice, AutoCloseable {
    public static final int MAGIC_VALUE = 0x000;
    public static final int VERSION = 0x004;
    public static final int DEVICE_ID = 0x008;
    public static final int VENDOR_ID = 0x00c;
    public static final int DEVICE_FEATURES = 0x010;
    public static final int DEVICE_FEATURES_SEL = 0x014;
    public static final int DRIVER_FEATURES = 0x020;
    public static final int DRIVER_FEATURES_SEL = 0x024;
    public static final int QUEUE_SEL = 0x030;
    public static final int QUEUE_NUM_MAX = 0x034;
    public static final int QUEUE_NUM = 0x038;
    public static final int QUEUE_READY = 0x044;
    public static final int QUEUE_NOTIFY = 0x050;
    public static final int INTERRUPT_STATUS = 0x060;
    public static final int INTERRUPT_ACK = 0x064;
    public static final int STATUS = 0x070;
    public static final int QUEUE_DESC_LOW = 0x080;
    public static final int QUEUE_DESC_HIGH = 0x084;
    public static final int QUEUE_DRIVER_LOW = 0x090;
    public static final int QUEUE_DRIVER_HIGH = 0x094;
    public static final int QUEUE_DEVICE_LOW = 0x0a0;
    public static final int QUEUE_DEVICE_HIGH = 0x0a4;
    public static final int SHM_SEL = 0x0ac;
    public static final int SHM_LEN_LOW = 0x0b0;
    public static final int SHM_LEN_HIGH = 0x0b4;
    public static final int SHM_BASE_LOW = 0x0b8;
    public static final int SHM_BASE_HIGH = 0x0bc;
    public static final int CONFIG_GENERATION = 0x0fc;
    public static final int CONFIG = 0x100;

    /** "virt" in little-endian ASCII (§4.2.2). */
    public static final int MAGIC = 0x7472_6976;
    /** The non-legacy interface (§4.2.2: 0x2; legacy devices answer 0x1, §4.2.4). */
    public static final int VERSION_2 = 2;
    /**
     * "QEMU" in little-endian ASCII, the VendorID QEMU's virtio-mmio answers
     * (VIRT_VENDOR in hw/virtio/virtio-mmio.c). Linux only prints it; answering as QEMU does keeps
     * a guest's view of jkvm's devices the same as under QEMU's microvm, which the tests compare.
     */
    public static final int VENDOR_QEMU = 0x554d_4551;

    private final VirtioDevice device;
    private final VirtioTransport transport;
    private final MmioInterrupt interrupt;
    private final QueueNotifier notifier;
    private final GuestErrorLog log;

    /**
     * The transport for {@code device} at guest-physical {@code base}, its interrupt on
     * {@code line}; the queues' notifications through {@code host}'s device threads, with an
     * ioeventfd per queue at {@code base} + {@link #QUEUE_NOTIFY} where the host has them.
     */
    public VirtioMmio(VirtioDevice device, long base, VirtioHost host, InterruptLine line) {
        this.device = device;
        this.log = host.log();
        this.interrupt = new MmioInterrupt(line);
        this.transport = new VirtioTransport(device, host.memory(), interrupt, log);
        this.notifier = new QueueNotifier(device, host);
        transport.kickWith(notifier::kick);
        device.connectKick(notifier::kick);
        try {
            // §4.2.3.3: the driver writes the queue index to QueueNotify (no VIRTIO_F_NOTIFICATION_DATA).
            for (int q = 0; q < device.queueCount(); q++) notifier.bind(q, IoEvent.mmio(base + QUEUE_NOTIFY, 4).matching(q));
        } catch (RuntimeException e) {
            notifier.close();
            throw e;
        }
    }

    public VirtioTransport transport() { return transport; }

    public MmioInterrupt interrupt() { return interrupt; }

    @Override
    public long read(long offset, int size) {
        if (offset >= CONFIG) return readConfig((int) (offset - CONFIG), size);
        if (size != 4 || (offset & 3) != 0) return misuse("virtio-mmio-width", offset, size);
        return switch ((int) offset) {
            case MAGIC_VALUE -> MAGIC;
            case VERSION -> VERSION_2;
            case DEVICE_ID -> device.deviceId();
            case VENDOR_ID -> VENDOR_QEMU;
            case DEVICE_FEATURES -> u32(transport.deviceFeatures());
            case QUEUE_NUM_MAX -> transport.queueMaxSize();
            case QUEUE_READY -> transport.queueReady() ? 1 : 0;
            case INTERRUPT_STATUS -> interrupt.status();
            case STATUS -> transport.status();
            // §4.2.2: "reading from a non-existent region ... results in a length of -1"
            case SHM_LEN_LOW, SHM_LEN_HIGH -> 0xffff_ffffL;
            case SHM_BASE_LOW, SHM_BASE_HIGH -> 0;
            case CONFIG_GENERATION -> u32(transport.configGeneration());
            default -> misuse("virtio-mmio-read", offset, size);
        };
    }

    @Override
    public void write(long offset, int size, long value) {
        if (offset >= CONFIG) {
            writeConfig((int) (offset - CONFIG), size, value);
            return;
        }
        if (size != 4 || (offset & 3) != 0) {
            misuse("virtio-mmio-width", offset, size);
            return;
        }
        int v = (int) value;
        switch ((int) offset) {
            case DEVICE_FEATURES_SEL -> transport.selectDeviceFeatures(v);
            case DRIVER_FEATURES -> transport.setDriverFeatures(v);
            case DRIVER_FEATURES_SEL -> transport.selectDriverFeatures(v);
            // 32 bits here, 16 for the transport (virtio-pci's queue_select): a selector past 0xffff
            // names a queue that does not exist, so it selects 0xffff, which never does either.
            case QUEUE_SEL -> transport.selectQueue(Integer.compareUnsigned(v, 0xffff) > 0 ? 0xffff : v);
            case QUEUE_NUM -> transport.setQueueSize(v);
            case QUEUE_READY -> transport.setQueueReady(v != 0);
            case QUEUE_NOTIFY -> notifier.kick(v);
            case INTERRUPT_ACK -> interrupt.acknowledge(v);
            case STATUS -> setStatus(v);
            case QUEUE_DESC_LOW -> transport.setQueueDesc(0, v);
            case QUEUE_DESC_HIGH -> transport.setQueueDesc(1, v);
            case QUEUE_DRIVER_LOW -> transport.setQueueDriver(0, v);
            case QUEUE_DRIVER_HIGH -> transport.setQueueDriver(1, v);
            case QUEUE_DEVICE_LOW -> transport.setQueueDevice(0, v);
            case QUEUE_DEVICE_HIGH -> transport.setQueueDevice(1, v);
            case SHM_SEL -> { } // no region exists whatever is selected
            default -> misuse("virtio-mmio-write", offset, size);
        }
    }

    /** Status: 0 resets the device and the transport (§4.2.3.1), and clears InterruptStatus (§4.2.2.1). */
    private void setStatus(int value) {
        transport.setStatus(value);
        if ((value & 0xff) == 0) interrupt.reset();
    }

    /** The configuration space at any width; widths a bus can produce but a field cannot (3, 5-7) byte by byte. */
    private long readConfig(int at, int size) {
        if (size == 1 || size == 2 || size == 4 || size == 8) return device.readConfig(at, size);
        long v = 0;
        for (int i = 0; i < size && i < 8; i++) v |= (device.readConfig(at + i, 1) & 0xff) << (8 * i);
        return v;
    }

    private void writeConfig(int at, int size, long value) {
        if (size == 1 || size == 2 || size == 4 || size == 8) {
            device.writeConfig(at, size, value);
            return;
        }
        for (int i = 0; i < size && i < 8; i++) device.writeConfig(at + i, 1, (value >>> (8 * i)) & 0xff);
    }

    private long misuse(String kind, long offset, int size) {
        if (log.logged(kind)) return 0; // a repeat allocates nothing (not even the message's lambda)
        log.once(kind, () -> String.format("%s: virtio-mmio register access at 0x%x, %d bytes, ignored"
                + " (virtio 1.2 §4.2.2: aligned 32-bit accesses to registers that have that direction)", device.name(), offset, size));
        return 0;
    }

    private static long u32(int v) {
        return v & 0xffff_ffffL;
    }

    @Override
    public void close() {
        notifier.close();
    }
}
