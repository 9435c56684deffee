package io.jkvm.virtio.pci;

import io.jkvm.bus.Bus;
import io.jkvm.event.EventFd;
import io.jkvm.event.EventLoop;
import io.jkvm.irq.InterruptLine;
import io.jkvm.irq.MsiMessage;
import io.jkvm.kvm.IoEvent;
import io.jkvm.memory.GuestMemory;
import io.jkvm.pci.GuestErrorLog;
import io.jkvm.pci.MsixCapability;
import io.jkvm.pci.PciBus;
import io.jkvm.pci.PciCapabilities;
import io.jkvm.pci.PciConfigSpace;
import io.jkvm.virtio.IoEventBinder;
import io.jkvm.virtio.VirtioHost;
import io.jkvm.virtio.queue.MockDriver;
import io.jkvm.virtio.queue.MockDriver.Buf;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.jkvm.virtio.VirtioFeatures.*;
import static io.jkvm.virtio.pci.CommonConfig.*;
import static io.jkvm.virtio.pci.VirtioPci.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link VirtioPci} on a {@link PciBus} as firmware leaves it, driven the way Linux's
 * virtio_pci_modern drives it: capabilities, the initialization sequence through the common
 * configuration, interrupts by MSI-X and by INTx#, notifications and their ioeventfds, the
 * PCI_CFG window and reset.
 */
class VirtioPciTest {
    static final int SLOT = 3;
    /** Slot 3 INTA#: PIRQ (3 + 1 - 2) mod 4 = C, GSI 11. */
    static final int GSI = 11;
    static final long DESC0 = 0x1000, AVAIL0 = 0x2000, USED0 = 0x3000;
    static final long DESC1 = 0x5000, AVAIL1 = 0x6000, USED1 = 0x7000;
    static final long DATA = 0x10000;

    GuestMemory memory;
    FakeVirtioDevice device;
    VirtioPci pci;
    PciBus bus;
    Bus ports = Bus.ports(), mmio = Bus.mmio();
    final List<MsiMessage> sent = new CopyOnWriteArrayList<>();
    final List<String> lines = new CopyOnWriteArrayList<>();
    final List<String> logged = new CopyOnWriteArrayList<>();
    long bar;

    @BeforeEach
    void setUp() {
        memory = GuestMemory.allocate(List.of(new GuestMemory.Range(0, 0x100000)));
        device = new FakeVirtioDevice();
        plug(VirtioHost.inline(memory, gsi -> InterruptLine.NONE));
    }

    private void plug(VirtioHost host) {
        pci = new VirtioPci(device, host, sent::add);
        bus = new PciBus(gsi -> high -> lines.add(gsi + (high ? "+" : "-")), new GuestErrorLog(logged::add));
        bus.add(SLOT, pci);
        bus.assignResources(0xc000_0000L, 0xc000);
        bus.attach(ports, mmio);
        bar = pci.config().decodedAddress(VIRTIO_BAR);
    }

    @AfterEach
    void tearDown() {
        pci.close();
        memory.close();
    }

    long read(int offset, int size) { return mmio.read(bar + offset, size); }

    void write(int offset, int size, long value) { mmio.write(bar + offset, size, value); }

    int cfg(int offset, int size) { return pci.configRead(offset, size); }

    // ---- configuration space ----

    @Test
    void identityAsQemusModernVirtioPci() {
        assertEquals(0x1af4, cfg(PciConfigSpace.VENDOR_ID, 2));
        assertEquals(0x1044, cfg(PciConfigSpace.DEVICE_ID, 2), "0x1040 + entropy's 4 (§4.1.2.1)");
        assertEquals(1, cfg(PciConfigSpace.REVISION_ID, 1));
        assertEquals(0x00ff00, cfg(PciConfigSpace.CLASS_PROG, 1) | cfg(PciConfigSpace.CLASS_DEVICE, 2) << 8);
        assertEquals(0x1100_1af4, cfg(PciConfigSpace.SUBSYSTEM_VENDOR_ID, 4));
        assertEquals(1, cfg(PciConfigSpace.INTERRUPT_PIN, 1), "INTA#");
        assertEquals(GSI, cfg(PciConfigSpace.INTERRUPT_LINE, 1), "firmware wrote the GSI");
        assertEquals(0x010000, VirtioPci.classCode(ID_BLOCK));
        assertEquals(0x078000, VirtioPci.classCode(ID_CONSOLE));
        assertEquals(0x00ff00, VirtioPci.classCode(ID_ENTROPY));
    }

    /** A BAR's size by the sizing probe (PCI Local Bus 3.0, 6.2.5.1), restoring it after. */
    long barSize(int index) {
        int register = PciConfigSpace.BASE_ADDRESS_0 + 4 * index;
        int low = cfg(register, 4);
        boolean is64 = (low & 0x6) == 0x4;
        int high = is64 ? cfg(register + 4, 4) : 0;
        pci.configWrite(register, 4, -1);
        if (is64) pci.configWrite(register + 4, 4, -1);
        long mask = cfg(register, 4) & ~0xfL & 0xffff_ffffL | (is64 ? (long) cfg(register + 4, 4) << 32 : 0xffff_ffff_0000_0000L);
        pci.configWrite(register, 4, low);
        if (is64) pci.configWrite(register + 4, 4, high);
        return -mask;
    }

    record Cap(int at, int bar, long offset, long length) {}

    /** virtio_pci_find_capability and vp_modern_map_capability: the first capability of each type, checked as Linux checks it. */
    Map<Integer, Cap> linuxCaps() {
        Map<Integer, Cap> caps = new HashMap<>();
        for (int at : PciCapabilities.walk(pci)) {
            if (cfg(at, 1) != PciCapabilities.ID_VENDOR_SPECIFIC) continue;
            assertTrue(cfg(at + CAP_LEN, 1) >= 16, "cap_len covers struct virtio_pci_cap");
            int type = cfg(at + CAP_CFG_TYPE, 1);
            int index = cfg(at + CAP_BAR, 1);
            long offset = cfg(at + CAP_OFFSET, 4) & 0xffff_ffffL;
            long length = cfg(at + CAP_LENGTH, 4) & 0xffff_ffffL;
            if (type != PCI_CFG) {
                assertTrue(index < 6 && barSize(index) > 0, "BAR " + index);
                assertTrue(offset + length <= barSize(index), "type " + type + " inside its BAR");
            }
            caps.putIfAbsent(type, new Cap(at, index, offset, length));
        }
        return caps;
    }

    @Test
    void capabilitiesAsLinuxFindsThem() {
        Map<Integer, Cap> caps = linuxCaps();
        assertEquals(new Cap(caps.get(COMMON_CFG).at(), VIRTIO_BAR, 0, 0x38), caps.get(COMMON_CFG));
        assertEquals(new Cap(caps.get(ISR_CFG).at(), VIRTIO_BAR, 0x1000, 1), caps.get(ISR_CFG));
        assertEquals(new Cap(caps.get(DEVICE_CFG).at(), VIRTIO_BAR, 0x2000, FakeVirtioDevice.CONFIG_SIZE), caps.get(DEVICE_CFG));
        Cap notify = caps.get(NOTIFY_CFG);
        assertEquals(new Cap(notify.at(), VIRTIO_BAR, 0x3000, 8), notify);
        assertEquals(20, cfg(notify.at() + CAP_LEN, 1), "struct virtio_pci_notify_cap");
        assertEquals(4, cfg(notify.at() + CAP_EXTRA, 4), "notify_off_multiplier");
        Cap window = caps.get(PCI_CFG);
        assertNotNull(window, "§4.1.4.9: the device MUST present a PCI_CFG capability");
        assertEquals(20, cfg(window.at() + CAP_LEN, 1), "struct virtio_pci_cfg_cap");
        assertEquals(VIRTIO_BAR_SIZE, barSize(VIRTIO_BAR));
        assertEquals(0x4, cfg(0x10 + 4 * VIRTIO_BAR, 4) & 0xf, "64-bit, not prefetchable");
        int msix = PciCapabilities.find(pci, PciCapabilities.ID_MSIX);
        assertNotEquals(0, msix);
        assertEquals(FakeVirtioDevice.QUEUES, cfg(msix + MsixCapability.MESSAGE_CONTROL, 2) & 0x7ff, "queues + 1 vectors");
        assertEquals(MSIX_BAR, cfg(msix + MsixCapability.TABLE_OFFSET, 4) & 7);
        assertEquals(0x1000, barSize(MSIX_BAR));
        // read-only: the driver cannot move a region
        pci.configWrite(notify.at() + CAP_OFFSET, 4, 0);
        pci.configWrite(notify.at() + CAP_EXTRA, 4, 0);
        assertEquals(0x3000, cfg(notify.at() + CAP_OFFSET, 4));
        assertEquals(4, cfg(notify.at() + CAP_EXTRA, 4));
    }

    @Test
    void noDeviceCapabilityWithoutAConfigurationSpace() {
        VirtioPci none = new VirtioPci(new FakeVirtioDevice() {
            @Override public int configSize() { return 0; }
        }, VirtioHost.inline(memory, gsi -> InterruptLine.NONE), sent::add);
        for (int at : PciCapabilities.walk(none)) {
            if (none.configRead(at, 1) == PciCapabilities.ID_VENDOR_SPECIFIC) assertNotEquals(DEVICE_CFG, none.configRead(at + CAP_CFG_TYPE, 1));
        }
        none.close();
    }

    // ---- the driver's initialization (§3.1.1) through the common configuration ----

    /** Linux's virtio_pci_modern: reset, ACK, DRIVER, features, FEATURES_OK; returns device_status. */
    int negotiate(long features) {
        write(DEVICE_STATUS, 1, 0);
        assertEquals(0, read(DEVICE_STATUS, 1));
        write(DEVICE_STATUS, 1, ACKNOWLEDGE);
        write(DEVICE_STATUS, 1, ACKNOWLEDGE | DRIVER);
        write(DRIVER_FEATURE_SELECT, 4, 0);
        write(DRIVER_FEATURE, 4, features & 0xffff_ffffL);
        write(DRIVER_FEATURE_SELECT, 4, 1);
        write(DRIVER_FEATURE, 4, features >>> 32);
        write(DEVICE_STATUS, 1, ACKNOWLEDGE | DRIVER | FEATURES_OK);
        return (int) read(DEVICE_STATUS, 1);
    }

    long deviceFeatures() {
        write(DEVICE_FEATURE_SELECT, 4, 0);
        long low = read(DEVICE_FEATURE, 4);
        write(DEVICE_FEATURE_SELECT, 4, 1);
        return low | read(DEVICE_FEATURE, 4) << 32;
    }

    void setUpQueue(int queue, int size, int vector, long desc, long avail, long used) {
        write(QUEUE_SELECT, 2, queue);
        assertEquals(FakeVirtioDevice.MAX_QUEUE_SIZE, read(QUEUE_SIZE, 2));
        write(QUEUE_SIZE, 2, size);
        write(QUEUE_MSIX_VECTOR, 2, vector);
        if (queue == 0) { // two 32-bit halves, as vp_iowrite64_twopart
            write(QUEUE_DESC, 4, desc);
            write(QUEUE_DESC + 4, 4, 0);
            write(QUEUE_DRIVER, 4, avail);
            write(QUEUE_DRIVER + 4, 4, 0);
            write(QUEUE_DEVICE, 4, used);
            write(QUEUE_DEVICE + 4, 4, 0);
        } else {
            write(QUEUE_DESC, 8, desc);
            write(QUEUE_DRIVER, 8, avail);
            write(QUEUE_DEVICE, 8, used);
        }
        assertEquals(queue, read(QUEUE_NOTIFY_OFF, 2));
        write(QUEUE_ENABLE, 2, 1);
    }

    /** A full initialization with both queues of 8 on vectors 1 and 2, config on vector 0. */
    void initialize() {
        assertEquals(ACKNOWLEDGE | DRIVER | FEATURES_OK, negotiate(mask(VIRTIO_F_VERSION_1, 0)));
        write(CONFIG_MSIX_VECTOR, 2, 0);
        setUpQueue(0, 8, 1, DESC0, AVAIL0, USED0);
        setUpQueue(1, 8, 2, DESC1, AVAIL1, USED1);
        write(DEVICE_STATUS, 1, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
    }

    @Test
    void driverInitializationActivatesTheDeviceWithItsQueues() {
        assertEquals(FakeVirtioDevice.QUEUES, read(NUM_QUEUES, 2));
        assertEquals(FakeVirtioDevice.FEATURES | mask(VIRTIO_F_VERSION_1), deviceFeatures());
        initialize();
        assertEquals(ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK, read(DEVICE_STATUS, 1));
        assertEquals(1, device.activations);
        var a = device.activation;
        assertEquals(mask(VIRTIO_F_VERSION_1, 0), a.features());
        assertEquals(2, a.queues().size());
        assertTrue(a.queue(0).ready() && a.queue(1).ready());
        assertEquals(DESC0, a.queue(0).state().descTable());
        assertEquals(USED1, a.queue(1).state().usedRing());
        assertEquals(8, a.queue(1).state().size());
        write(QUEUE_SELECT, 2, 1);
        assertEquals(DESC1, read(QUEUE_DESC, 8));
        assertEquals(AVAIL1, read(QUEUE_DRIVER, 4));
        assertEquals(0, read(QUEUE_DRIVER + 4, 4));
        assertEquals(2, read(QUEUE_MSIX_VECTOR, 2));
        assertEquals(1, read(QUEUE_ENABLE, 2));
        write(QUEUE_SELECT, 2, 2);
        assertEquals(0, read(QUEUE_SIZE, 2), "no queue 2: size 0 (§4.1.4.3)");
        assertEquals(NO_VECTOR, read(QUEUE_MSIX_VECTOR, 2));
    }

    @Test
    void featuresOkRefusedForUnofferedFeaturesOrWithoutVersion1() {
        assertEquals(ACKNOWLEDGE | DRIVER, negotiate(mask(VIRTIO_F_VERSION_1, 5)), "bit 5 was not offered");
        assertEquals(ACKNOWLEDGE | DRIVER, negotiate(mask(0)), "§3.1.1: a modern device needs VERSION_1");
        assertEquals(ACKNOWLEDGE | DRIVER, negotiate(mask(VIRTIO_F_VERSION_1, VIRTIO_F_RING_PACKED)));
        assertEquals(ACKNOWLEDGE | DRIVER | FEATURES_OK, negotiate(mask(VIRTIO_F_VERSION_1, VIRTIO_F_EVENT_IDX)));
        write(DRIVER_FEATURE_SELECT, 4, 0);
        write(DRIVER_FEATURE, 4, 0x20);
        assertEquals(1L << VIRTIO_F_EVENT_IDX, read(DRIVER_FEATURE, 4), "driver_feature frozen after FEATURES_OK (§2.2.1)");
    }

    @Test
    void accessesOfAWidthTheStructureDoesNotAllowAreIgnored() {
        write(DEVICE_FEATURE_SELECT, 4, 1);
        assertEquals(0, read(DEVICE_FEATURE, 2), "a 16-bit read of a 32-bit field");
        assertEquals(0, read(DEVICE_FEATURE + 1, 1));
        assertEquals(1, read(DEVICE_FEATURE, 4));
        write(QUEUE_SELECT, 4, 1);
        assertEquals(0, read(QUEUE_SELECT, 2), "a 32-bit write of a 16-bit field");
        write(DEVICE_STATUS, 2, ACKNOWLEDGE);
        assertEquals(0, read(DEVICE_STATUS, 1));
        write(QUEUE_DESC + 2, 4, 0x1234);
        assertEquals(0, read(QUEUE_DESC, 8));
        assertEquals(0, read(QUEUE_DESC + 2, 4));
        assertEquals(0, read(LENGTH, 2), "past the structure: queue_notify_data is not offered");
        write(LENGTH + 2, 2, 1); // queue_reset: not offered, nothing happens
        write(NUM_QUEUES, 2, 9);
        assertEquals(FakeVirtioDevice.QUEUES, read(NUM_QUEUES, 2));
        write(0xfff, 1, 0xff);
        assertEquals(0, read(0xffe, 2));
    }

    // ---- notifications ----

    @Test
    void aNotifyWriteReachesTheDeviceAndItsBufferIsUsed() {
        initialize();
        MockDriver driver = new MockDriver(memory, 8, DESC0, AVAIL0, USED0);
        device.notified.clear();
        driver.addChain(Buf.out(DATA, 16));
        write(NOTIFY_OFFSET + 2, 2, 0); // not a queue's address
        write(NOTIFY_OFFSET + 8, 2, 2); // queue 2 does not exist
        assertEquals(List.of(), device.notified);
        write(NOTIFY_OFFSET, 2, 0); // Linux: vp_notify writes the queue index
        assertEquals(List.of(0), device.notified);
        assertEquals(1, driver.usedIdx());
        assertArrayEquals(new byte[]{(byte) 0xab, (byte) 0xab}, memory.read(DATA, 2));
        write(NOTIFY_OFFSET + 4, 4, 1);
        assertEquals(List.of(0, 1), device.notified, "any width at queue 1's address");
        assertEquals(0, read(NOTIFY_OFFSET, 2), "write-only");
    }

    // ---- interrupts ----

    void enableMsix() {
        pci.configWrite(PciConfigSpace.COMMAND, 2, cfg(PciConfigSpace.COMMAND, 2) | PciConfigSpace.COMMAND_MASTER);
        int msix = PciCapabilities.find(pci, PciCapabilities.ID_MSIX);
        pci.configWrite(msix + MsixCapability.MESSAGE_CONTROL, 2, MsixCapability.CONTROL_ENABLE);
        long table = pci.config().decodedAddress(MSIX_BAR);
        for (int v = 0; v < 3; v++) {
            mmio.write(table + 16L * v, 4, 0xfee0_0000L);
            mmio.write(table + 16L * v + 4, 4, 0);
            mmio.write(table + 16L * v + 8, 4, 0x40 + v);
            mmio.write(table + 16L * v + 12, 4, 0);
        }
    }

    @Test
    void msixSendsEachQueuesVectorAndTheConfigVector() {
        enableMsix();
        initialize();
        MockDriver driver = new MockDriver(memory, 8, DESC1, AVAIL1, USED1);
        driver.addChain(Buf.out(DATA, 4));
        write(NOTIFY_OFFSET + 4, 2, 1);
        assertEquals(List.of(new MsiMessage(0xfee0_0000L, 0x42)), sent, "queue 1 on vector 2");
        device.activation.interrupt().queue(0);
        device.activation.interrupt().config();
        assertEquals(List.of(new MsiMessage(0xfee0_0000L, 0x42), new MsiMessage(0xfee0_0000L, 0x41),
                new MsiMessage(0xfee0_0000L, 0x40)), sent);
        assertEquals(List.of(), lines, "no INTx# with MSI-X on");
        assertEquals(0, read(ISR_OFFSET, 1), "nor ISR bits");
        // NO_VECTOR: nothing at all
        write(CONFIG_MSIX_VECTOR, 2, NO_VECTOR);
        device.activation.interrupt().config();
        assertEquals(3, sent.size());
        assertEquals(List.of(), lines);
    }

    @Test
    void aVectorTheFunctionDoesNotHaveReadsBackAsNoVector() {
        write(CONFIG_MSIX_VECTOR, 2, 3); // vectors 0-2
        assertEquals(NO_VECTOR, read(CONFIG_MSIX_VECTOR, 2));
        write(CONFIG_MSIX_VECTOR, 2, 2);
        assertEquals(2, read(CONFIG_MSIX_VECTOR, 2));
        write(QUEUE_SELECT, 2, 1);
        write(QUEUE_MSIX_VECTOR, 2, 0x7ff);
        assertEquals(NO_VECTOR, read(QUEUE_MSIX_VECTOR, 2));
        write(QUEUE_MSIX_VECTOR, 2, 0);
        assertEquals(0, read(QUEUE_MSIX_VECTOR, 2));
    }

    @Test
    void withoutMsixTheIsrAndIntxAndAReadClearsBoth() {
        initialize();
        device.activation.interrupt().queue(0);
        assertEquals(List.of(GSI + "+"), lines);
        assertEquals(PciConfigSpace.STATUS_INTERRUPT, cfg(PciConfigSpace.STATUS, 2) & PciConfigSpace.STATUS_INTERRUPT);
        device.activation.interrupt().config();
        assertEquals(ISR_QUEUE | ISR_CONFIG, read(ISR_OFFSET, 1));
        assertEquals(List.of(GSI + "+", GSI + "-"), lines);
        assertEquals(0, read(ISR_OFFSET, 1), "read-to-clear (§4.1.4.5)");
        assertEquals(0, cfg(PciConfigSpace.STATUS, 2) & PciConfigSpace.STATUS_INTERRUPT);
        device.activation.interrupt().config();
        assertEquals(0, read(ISR_OFFSET + 1, 1), "only byte 0 is the ISR; reading elsewhere clears nothing");
        write(ISR_OFFSET, 1, 0);
        assertEquals(ISR_CONFIG, read(ISR_OFFSET, 4), "writes ignored; any width reads it");
        assertTrue(sent.isEmpty());
    }

    @Test
    void msixEnabledWithoutBusMasterOrMaskedStillNeverFallsBackToIntx() {
        enableMsix();
        initialize();
        int msix = PciCapabilities.find(pci, PciCapabilities.ID_MSIX);
        pci.configWrite(msix + MsixCapability.MESSAGE_CONTROL, 2, MsixCapability.CONTROL_ENABLE | MsixCapability.CONTROL_FUNCTION_MASK);
        device.activation.interrupt().queue(1);
        assertTrue(sent.isEmpty());
        assertTrue(pci.msix().pending(2));
        assertEquals(List.of(), lines);
        pci.configWrite(msix + MsixCapability.MESSAGE_CONTROL, 2, MsixCapability.CONTROL_ENABLE);
        assertEquals(List.of(new MsiMessage(0xfee0_0000L, 0x42)), sent, "sent on unmask");
    }

    // ---- device configuration ----

    @Test
    void deviceConfigurationThroughTheBar() {
        assertEquals(0x0807_0605_0403_0201L, read(DEVICE_OFFSET, 8));
        assertEquals(0x0403, read(DEVICE_OFFSET + 2, 2));
        assertEquals(0, read(DEVICE_OFFSET + 6, 4), "past the 8 bytes");
        assertEquals(0, read(DEVICE_OFFSET + 1, 3), "not a width");
        write(DEVICE_OFFSET + 4, 4, 0xdead_beefL);
        write(DEVICE_OFFSET + 7, 2, 0xffff);
        assertEquals(0xdead_beefL, read(DEVICE_OFFSET + 4, 4));
        assertEquals(0, read(CONFIG_GENERATION, 1));
        pci.transport().configChanged();
        assertEquals(1, read(CONFIG_GENERATION, 1));
    }

    // ---- reset ----

    @Test
    void writingZeroToDeviceStatusResetsEverything() {
        initialize();
        device.activation.interrupt().queue(0); // INTx# asserted, ISR 1
        int resets = device.resets;
        write(DEVICE_STATUS, 1, 0);
        assertEquals(resets + 1, device.resets);
        assertNull(device.activation);
        assertEquals(0, read(DEVICE_STATUS, 1));
        assertEquals(NO_VECTOR, read(CONFIG_MSIX_VECTOR, 2));
        write(QUEUE_SELECT, 2, 1);
        assertEquals(0, read(QUEUE_ENABLE, 2));
        assertEquals(FakeVirtioDevice.MAX_QUEUE_SIZE, read(QUEUE_SIZE, 2));
        assertEquals(0, read(QUEUE_DESC, 8));
        assertEquals(NO_VECTOR, read(QUEUE_MSIX_VECTOR, 2));
        assertEquals(0, read(ISR_OFFSET, 1));
        assertEquals(GSI + "-", lines.getLast(), "INTx# deasserted");
        initialize();
        assertEquals(2, device.activations, "a second cycle works");
    }

    // ---- PCI_CFG (§4.1.4.9) ----

    @Test
    void pciCfgWindowReachesTheBars() {
        int window = linuxCaps().get(PCI_CFG).at();
        int data = window + CAP_EXTRA;
        pci.configWrite(window + CAP_BAR, 1, VIRTIO_BAR);
        pci.configWrite(window + CAP_OFFSET, 4, DEVICE_STATUS);
        pci.configWrite(window + CAP_LENGTH, 4, 1);
        pci.configWrite(data, 4, ACKNOWLEDGE);
        assertEquals(ACKNOWLEDGE, read(DEVICE_STATUS, 1));
        assertEquals(ACKNOWLEDGE, cfg(data, 1));
        pci.configWrite(window + CAP_OFFSET, 4, DEVICE_FEATURE_SELECT);
        pci.configWrite(window + CAP_LENGTH, 4, 4);
        pci.configWrite(data, 4, 1);
        pci.configWrite(window + CAP_OFFSET, 4, DEVICE_FEATURE);
        assertEquals(1, cfg(data, 4), "VERSION_1 through the window");
        assertEquals(1, cfg(data, 2), "a narrower read of pci_cfg_data");
        pci.configWrite(window + CAP_OFFSET, 4, DEVICE_OFFSET + 4);
        pci.configWrite(window + CAP_LENGTH, 4, 2);
        pci.configWrite(data, 4, 0xcafe_beef);
        assertEquals(0xbeef, read(DEVICE_OFFSET + 4, 2), "only cap.length bytes are written");
        assertEquals(0x0807, read(DEVICE_OFFSET + 6, 2));
        // the MSI-X BAR too, decoding or not
        pci.configWrite(PciConfigSpace.COMMAND, 2, 0);
        pci.configWrite(window + CAP_BAR, 1, MSIX_BAR);
        pci.configWrite(window + CAP_OFFSET, 4, 8);
        pci.configWrite(window + CAP_LENGTH, 4, 4);
        pci.configWrite(data, 4, 0x55);
        assertEquals(0x55, cfg(data, 4));
        // refused: a length of 3, an offset past the BAR, a BAR with nothing, the upper half of BAR4
        pci.configWrite(window + CAP_LENGTH, 4, 3);
        assertEquals(0, cfg(data, 4));
        pci.configWrite(window + CAP_LENGTH, 4, 4);
        pci.configWrite(window + CAP_OFFSET, 4, 0x1000 - 2);
        assertEquals(0, cfg(data, 4));
        for (int b : new int[]{0, 5, 6, 0xff}) {
            pci.configWrite(window + CAP_BAR, 1, b);
            pci.configWrite(window + CAP_OFFSET, 4, 0);
            pci.configWrite(data, 4, 0x1234);
            assertEquals(0, cfg(data, 4), "BAR " + b);
        }
    }

    // ---- ioeventfds follow BAR4 ----

    /** Binds as a VM would, recording each call. */
    static final class RecordingBinder implements IoEventBinder {
        final List<String> calls = new ArrayList<>();
        /** Whether the host has KVM_CAP_IOEVENTFD_ANY_LENGTH; without it length 0 is refused. */
        boolean anyLength = true;

        @Override
        public synchronized boolean bind(IoEvent where, EventFd fd) {
            if (where.length() == 0 && !anyLength) return false;
            calls.add("bind " + where);
            return true;
        }

        @Override
        public synchronized void unbind(IoEvent where, EventFd fd) {
            calls.add("unbind " + where);
        }
    }

    /** A fresh device and buses, plugged with {@code binder} and {@code loop} as its device thread. */
    void plugWith(EventLoop loop, RecordingBinder binder) {
        device = new FakeVirtioDevice();
        ports = Bus.ports();
        mmio = Bus.mmio();
        plug(new VirtioHost(memory, loop, binder, gsi -> InterruptLine.NONE, GuestErrorLog.stderr()));
    }

    @Test
    void withoutAnyLengthIoeventfdsTheNotificationsBindTwoByteWrites() throws Exception {
        pci.close();
        RecordingBinder binder = new RecordingBinder();
        binder.anyLength = false;
        try (EventLoop loop = EventLoop.start("virtio-pci-test", 1)) {
            plugWith(loop, binder);
            long base = pci.config().decodedAddress(VIRTIO_BAR);
            assertEquals(List.of(String.format("bind MMIO 0x%x/2", base + 0x3000), String.format("bind MMIO 0x%x/2", base + 0x3004)),
                    binder.calls, "Linux's 16-bit queue index write");
            pci.close();
        }
    }

    @Test
    void ioeventfdsAreBoundWhereBar4DecodesAndFollowIt() throws Exception {
        pci.close();
        RecordingBinder binder = new RecordingBinder();
        try (EventLoop loop = EventLoop.start("virtio-pci-test", 1)) {
            plugWith(loop, binder);
            long base = pci.config().decodedAddress(VIRTIO_BAR);
            assertNotEquals(PciConfigSpace.UNMAPPED, base);
            assertEquals(List.of(String.format("bind MMIO 0x%x/0", base + 0x3000), String.format("bind MMIO 0x%x/0", base + 0x3004)),
                    binder.calls, "firmware's placement binds each queue's address");
            assertEquals(base, pci.notifyBase());
            binder.calls.clear();

            int register = PciConfigSpace.BASE_ADDRESS_0 + 4 * VIRTIO_BAR;
            long moved = 0xd000_0000L;
            pci.configWrite(register, 4, (int) moved);
            assertEquals(List.of(String.format("unbind MMIO 0x%x/0", base + 0x3000), String.format("unbind MMIO 0x%x/0", base + 0x3004),
                    String.format("bind MMIO 0x%x/0", moved + 0x3000), String.format("bind MMIO 0x%x/0", moved + 0x3004)), binder.calls);
            binder.calls.clear();

            int command = cfg(PciConfigSpace.COMMAND, 2);
            pci.configWrite(PciConfigSpace.COMMAND, 2, command & ~PciConfigSpace.COMMAND_MEMORY);
            assertEquals(2, binder.calls.size());
            assertTrue(binder.calls.stream().allMatch(c -> c.startsWith("unbind")), binder.calls.toString());
            assertEquals(PciConfigSpace.UNMAPPED, pci.notifyBase());
            pci.configWrite(PciConfigSpace.INTERRUPT_LINE, 1, 5);
            assertEquals(2, binder.calls.size(), "an unrelated write binds nothing");
            pci.configWrite(PciConfigSpace.COMMAND, 2, command);
            assertEquals(4, binder.calls.size());
            assertEquals(String.format("bind MMIO 0x%x/0", moved + 0x3004), binder.calls.getLast());
            binder.calls.clear();

            // a kick that exits anyway (no ioeventfd on the host) reaches the device through the eventfd
            write(DEVICE_STATUS, 1, 0);
            long before = device.notified.size();
            mmio.write(moved + NOTIFY_OFFSET + 4, 4, 1);
            for (int i = 0; i < 200 && device.notified.size() == before; i++) Thread.sleep(10);
            assertEquals(List.of(1), device.notified.subList((int) before, device.notified.size()));

            pci.close();
            assertEquals(2, binder.calls.size());
            assertTrue(binder.calls.stream().allMatch(c -> c.startsWith("unbind")), binder.calls.toString());
        }
    }

    @Test
    void aBindingTheHostRefusesIsLoggedAndKicksStillArrive() throws Exception {
        pci.close();
        IoEventBinder refusing = new IoEventBinder() {
            @Override public boolean bind(IoEvent where, EventFd fd) { throw new IllegalStateException("EEXIST"); }
            @Override public void unbind(IoEvent where, EventFd fd) { }
        };
        try (EventLoop loop = EventLoop.start("virtio-pci-test", 1)) {
            device = new FakeVirtioDevice();
            ports = Bus.ports();
            mmio = Bus.mmio();
            List<String> errors = new CopyOnWriteArrayList<>();
            plug(new VirtioHost(memory, loop, refusing, gsi -> InterruptLine.NONE, new GuestErrorLog(errors::add)));
            assertEquals(1, errors.size(), errors.toString());
            assertTrue(errors.getFirst().contains("EEXIST"), errors.toString());
            mmio.write(bar + NOTIFY_OFFSET, 2, 0);
            for (int i = 0; i < 200 && device.notified.isEmpty(); i++) Thread.sleep(10);
            assertEquals(List.of(0), device.notified, "the exit reaches the device through its eventfd");
        }
    }
}
