package io.jkvm.virtio.mmio;

import io.jkvm.event.EventFd;
import io.jkvm.event.EventLoop;
import io.jkvm.kvm.IoEvent;
import io.jkvm.memory.GuestMemory;
import io.jkvm.pci.GuestErrorLog;
import io.jkvm.virtio.IoEventBinder;
import io.jkvm.virtio.VirtioHost;
import io.jkvm.virtio.queue.MockDriver;
import io.jkvm.virtio.queue.MockDriver.Buf;
import io.jkvm.virtio.queue.QueueState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.jkvm.virtio.VirtioFeatures.*;
import static io.jkvm.virtio.mmio.VirtioMmio.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The virtio-mmio register file (virtio 1.2 §4.2.2) driven as Linux's virtio_mmio driver drives
 * it through the initialization of §3.1.1 (§4.2.3), against {@link FakeDevice}, with
 * {@link MockDriver} putting buffers in queue 0; notifications inline ({@link VirtioHost#inline}).
 */
class VirtioMmioTest {
    private static final long BASE = 0xd000_0000L;
    private static final long DESC = 0x1000, AVAIL = 0x2000, USED = 0x3000, IN = 0x8000, OUT = 0x9000;

    private final GuestMemory memory = GuestMemory.allocate(List.of(new GuestMemory.Range(0, 0x10000)));
    private final List<Boolean> levels = new CopyOnWriteArrayList<>();
    private final List<String> logged = new ArrayList<>();
    private final FakeDevice device = new FakeDevice();
    private final VirtioMmio mmio = new VirtioMmio(device, BASE,
            new VirtioHost(memory, null, IoEventBinder.NONE, gsi -> null, new GuestErrorLog(logged::add)), levels::add);

    @AfterEach
    void close() {
        mmio.close();
        memory.close();
    }

    private long r(int offset) { return mmio.read(offset, 4); }

    private void w(int offset, long value) { mmio.write(offset, 4, value); }

    /** The driver's features: the device's bit 0 and event-idx, plus VIRTIO_F_VERSION_1 (word 1 bit 0). */
    private static final long ACCEPTED = 1L | mask(VIRTIO_F_EVENT_IDX, VIRTIO_F_VERSION_1);

    private void negotiate(long features) {
        w(STATUS, 0);                                   // §3.1.1 step 1: reset
        w(STATUS, ACKNOWLEDGE);                         // 2
        w(STATUS, ACKNOWLEDGE | DRIVER);                // 3
        w(DRIVER_FEATURES_SEL, 0);                      // 4: Linux writes both words
        w(DRIVER_FEATURES, features & 0xffff_ffffL);
        w(DRIVER_FEATURES_SEL, 1);
        w(DRIVER_FEATURES, features >>> 32);
        w(STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK);  // 5
    }

    /** Queue 0 as virtio_mmio's vm_setup_vq does it (§4.2.3.2); returns its driver side. */
    private MockDriver setUpQueue0(int size) {
        w(QUEUE_SEL, 0);
        assertEquals(0, r(QUEUE_READY), "not yet in use");
        assertEquals(16, r(QUEUE_NUM_MAX));
        w(QUEUE_NUM, size);
        w(QUEUE_DESC_LOW, DESC);
        w(QUEUE_DESC_HIGH, 0);
        w(QUEUE_DRIVER_LOW, AVAIL);
        w(QUEUE_DRIVER_HIGH, 0);
        w(QUEUE_DEVICE_LOW, USED);
        w(QUEUE_DEVICE_HIGH, 0);
        w(QUEUE_READY, 1);
        assertEquals(1, r(QUEUE_READY));
        return new MockDriver(memory, size, DESC, AVAIL, USED);
    }

    private MockDriver initialize() {
        negotiate(ACCEPTED);
        assertEquals(ACKNOWLEDGE | DRIVER | FEATURES_OK, r(STATUS), "§3.1.1 step 6: FEATURES_OK still set");
        MockDriver q = setUpQueue0(8);                  // 7
        w(STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK); // 8
        return q;
    }

    @Test
    void identifiesAsAVersion2Device() {
        assertEquals(0x74726976L, r(MAGIC_VALUE));
        assertEquals(2, r(VERSION));
        assertEquals(FakeDevice.ID, r(DEVICE_ID));
        assertEquals(0x554d4551L, r(VENDOR_ID));
        assertEquals(0xffff_ffffL, r(SHM_LEN_LOW), "§4.2.2: no shared memory region, length -1");
        assertEquals(0xffff_ffffL, r(SHM_LEN_HIGH));
        assertEquals(0, r(CONFIG_GENERATION));
    }

    @Test
    void deviceFeaturesAreOfferedInWordsWithVersion1() {
        w(DEVICE_FEATURES_SEL, 0);
        assertEquals(FakeDevice.FEATURES & 0xffff_ffffL, r(DEVICE_FEATURES));
        w(DEVICE_FEATURES_SEL, 1);
        assertEquals(1, r(DEVICE_FEATURES), "VIRTIO_F_VERSION_1 is bit 32");
        w(DEVICE_FEATURES_SEL, 2);
        assertEquals(0, r(DEVICE_FEATURES));
    }

    @Test
    void wholeInitializationActivatesOnceWithTheQueuesTheDriverSetUp() {
        initialize();
        assertEquals(ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK, r(STATUS));
        assertEquals(1, device.activations.get());
        assertEquals(ACCEPTED, device.activation.features());
        assertEquals(new QueueState(8, true, DESC, AVAIL, USED, 0, 0, true), device.activation.queue(0).state());
        assertFalse(device.activation.queue(1).ready(), "queue 1 was never enabled");
        w(STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
        assertEquals(1, device.activations.get(), "DRIVER_OK again does not activate again");
    }

    @Test
    void featuresOkIsRefusedForAFeatureNotOffered() {
        negotiate(ACCEPTED | 1L << 5);
        assertEquals(ACKNOWLEDGE | DRIVER, r(STATUS), "§3.1.1 step 6: FEATURES_OK reads back clear");
        w(STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
        assertEquals(0, device.activations.get());
    }

    @Test
    void featuresOkIsRefusedWithoutVersion1() {
        negotiate(1L);
        assertEquals(ACKNOWLEDGE | DRIVER, r(STATUS), "a legacy driver is not served by a version 2 device");
    }

    @Test
    void driverFeaturesAreFrozenAfterFeaturesOk() {
        negotiate(ACCEPTED);
        w(DRIVER_FEATURES_SEL, 0);
        w(DRIVER_FEATURES, 0);
        initialize();
        assertEquals(ACCEPTED, device.activation.features());
    }

    @Test
    void queueNotifyReachesTheDeviceAndTheUsedBufferRaisesTheLine() {
        MockDriver q = initialize();
        memory.write(IN, new byte[] {1, 2, 3});
        q.addChain(Buf.in(IN, 3), Buf.out(OUT, 3));
        w(QUEUE_NOTIFY, 0);
        assertEquals(1, device.served.get());
        assertEquals(1, q.usedIdx());
        assertEquals(3, q.usedLen(0));
        byte[] out = new byte[3];
        memory.read(OUT, out);
        assertArrayEquals(new byte[] {2, 3, 4}, out);

        assertEquals(MmioInterrupt.USED_BUFFER, r(INTERRUPT_STATUS));
        assertEquals(List.of(true), levels);
        w(INTERRUPT_ACK, MmioInterrupt.USED_BUFFER);
        assertEquals(0, r(INTERRUPT_STATUS));
        assertEquals(List.of(true, false), levels, "§4.2.3.4: lowered once acknowledged");
    }

    @Test
    void theLineStaysHighUntilEveryBitIsAcknowledged() {
        MockDriver q = initialize();
        q.addChain(Buf.out(OUT, 1));
        w(QUEUE_NOTIFY, 0);
        mmio.transport().configChanged();
        assertEquals(MmioInterrupt.USED_BUFFER | MmioInterrupt.CONFIG_CHANGE, r(INTERRUPT_STATUS));
        assertEquals(1, r(CONFIG_GENERATION));
        w(INTERRUPT_ACK, MmioInterrupt.USED_BUFFER);
        assertEquals(MmioInterrupt.CONFIG_CHANGE, r(INTERRUPT_STATUS));
        assertEquals(List.of(true), levels, "one bit left: still high");
        w(INTERRUPT_ACK, 0xffff_fffcL);
        assertEquals(List.of(true), levels, "acknowledging bits that are not set changes nothing");
        w(INTERRUPT_ACK, MmioInterrupt.CONFIG_CHANGE);
        assertEquals(List.of(true, false), levels);
        w(INTERRUPT_ACK, 3);
        assertEquals(List.of(true, false), levels, "nothing to lower twice");
    }

    @Test
    void notifyForAQueueThatDoesNotExistIsIgnored() {
        initialize();
        w(QUEUE_NOTIFY, 2);
        w(QUEUE_NOTIFY, 0xffff_ffffL);
        assertEquals(FakeDevice.SIZES.length, device.notifies.get(), "only the transport's own look at each queue after DRIVER_OK");
    }

    @Test
    void statusZeroResetsDeviceQueuesFeaturesAndInterrupt() {
        MockDriver q = initialize();
        q.addChain(Buf.out(OUT, 1));
        w(QUEUE_NOTIFY, 0);
        assertEquals(List.of(true), levels);
        int resets = device.resets.get();

        w(STATUS, 0);
        assertEquals(0, r(STATUS));
        assertEquals(resets + 1, device.resets.get());
        assertEquals(0, r(INTERRUPT_STATUS), "§4.2.2.1: InterruptStatus cleared on reset");
        assertEquals(List.of(true, false), levels);
        w(QUEUE_SEL, 0);
        assertEquals(0, r(QUEUE_READY), "§4.2.2.1: QueueReady cleared on reset");
        w(DRIVER_FEATURES_SEL, 0);
        assertEquals(0, mmio.transport().negotiatedFeatures());

        initialize();
        assertEquals(2, device.activations.get(), "the next DRIVER_OK activates again");
    }

    @Test
    void aBrokenQueueSetsDeviceNeedsResetWithAConfigurationInterrupt() {
        MockDriver q = initialize();
        q.addChain(Buf.out(0x10_0000, 16)); // past the end of RAM
        w(QUEUE_NOTIFY, 0);
        assertTrue(device.activation.queue(0).broken());
        assertEquals(ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK | DEVICE_NEEDS_RESET, r(STATUS));
        assertEquals(MmioInterrupt.CONFIG_CHANGE, r(INTERRUPT_STATUS));
        assertEquals(List.of(true), levels);
        w(INTERRUPT_ACK, MmioInterrupt.CONFIG_CHANGE);
        w(STATUS, 0);
        assertEquals(0, r(STATUS), "the driver's reset clears DEVICE_NEEDS_RESET");
        initialize();
        assertEquals(ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK, r(STATUS));
    }

    @Test
    void registerAccessesOtherThanAligned32BitsAreIgnored() {
        for (int size : new int[] {1, 2, 8}) assertEquals(0, mmio.read(MAGIC_VALUE, size), size + " bytes");
        assertEquals(0, mmio.read(MAGIC_VALUE + 1, 4), "unaligned");
        w(STATUS, ACKNOWLEDGE);
        mmio.write(STATUS, 1, ACKNOWLEDGE | DRIVER);
        mmio.write(STATUS, 2, 0);
        mmio.write(STATUS, 8, 0);
        mmio.write(STATUS + 2, 4, 0);
        assertEquals(ACKNOWLEDGE, r(STATUS), "none of those writes reached the status");
        assertEquals(0, device.resets.get(), "no write of 0 at another width reset the device");
        assertEquals(1, logged.size(), "one line for all: " + logged);
    }

    @Test
    void writeOnlyAndUnknownRegistersReadZeroAndReadOnlyOnesIgnoreWrites() {
        negotiate(ACCEPTED);
        setUpQueue0(8);
        for (int reg : new int[] {DEVICE_FEATURES_SEL, DRIVER_FEATURES, QUEUE_SEL, QUEUE_NUM, QUEUE_NOTIFY, INTERRUPT_ACK,
                QUEUE_DESC_LOW, QUEUE_DRIVER_LOW, QUEUE_DEVICE_LOW, SHM_SEL, 0x018, 0x0c0, 0x0f8}) {
            assertEquals(0, r(reg), String.format("0x%x", reg));
        }
        w(MAGIC_VALUE, 0);
        w(DEVICE_ID, 7);
        w(QUEUE_NUM_MAX, 2);
        w(INTERRUPT_STATUS, 3);
        w(CONFIG_GENERATION, 5);
        assertEquals(MAGIC, r(MAGIC_VALUE));
        assertEquals(FakeDevice.ID, r(DEVICE_ID));
        assertEquals(16, r(QUEUE_NUM_MAX));
        assertEquals(0, r(INTERRUPT_STATUS));
        assertEquals(0, r(CONFIG_GENERATION));
    }

    @Test
    void configurationSpaceAtEveryWidth() {
        assertEquals(0x11, mmio.read(CONFIG, 1));
        assertEquals(0x3322, mmio.read(CONFIG + 1, 2));
        assertEquals(0x44332211L, mmio.read(CONFIG, 4));
        assertEquals(0x44332211L, mmio.read(CONFIG, 8));
        assertEquals(0x443322, mmio.read(CONFIG + 1, 3), "a width a page-crossing access can have: byte by byte");
        mmio.write(CONFIG + 4, 4, 0xaabbccddL);
        assertEquals(0xaabbccdd_44332211L, mmio.read(CONFIG, 8));
        mmio.write(CONFIG + 5, 1, 0x55);
        mmio.write(CONFIG + 6, 3, 0x778866);
        assertEquals(0x886655ddL, mmio.read(CONFIG + 4, 4), "0x77 fell past the end");
        mmio.write(CONFIG, 4, 0);
        assertEquals(0x44332211L, mmio.read(CONFIG, 4), "the device's read-only bytes");
        assertEquals(0, mmio.read(CONFIG + 8, 4), "past the device's space");
        assertEquals(0, mmio.read(0xffc, 4));
    }

    @Test
    void aQueueSelectorPastTheQueuesSelectsNothing() {
        negotiate(ACCEPTED);
        w(QUEUE_SEL, 1);
        assertEquals(8, r(QUEUE_NUM_MAX));
        for (long sel : new long[] {2, 0xffff, 0x1_0000, 0xffff_ffffL}) {
            w(QUEUE_SEL, sel);
            assertEquals(0, r(QUEUE_NUM_MAX), "§4.2.2: 0 for a queue that is not available, selector 0x" + Long.toHexString(sel));
            w(QUEUE_NUM, 4);
            w(QUEUE_DESC_LOW, 0x4000);
            w(QUEUE_READY, 1);
            assertEquals(0, r(QUEUE_READY));
        }
        w(QUEUE_SEL, 0);
        assertEquals(0, r(QUEUE_READY), "selector 0x10000 did not alias queue 0");
        assertEquals(16, mmio.transport().queueSize());
        assertEquals(0, mmio.transport().queueDesc());
    }

    @Test
    void anEnabledQueueKeepsItsAddresses() {
        negotiate(ACCEPTED);
        setUpQueue0(8);
        w(QUEUE_DESC_LOW, 0x5000);
        w(QUEUE_NUM, 4);
        assertEquals(DESC, mmio.transport().queueDesc());
        assertEquals(8, mmio.transport().queueSize());
        assertEquals(1, r(QUEUE_READY));
    }

    /** §4.2.2.2: "To stop using the queue the driver MUST write zero (0x0) to this QueueReady and MUST read the value back". */
    @Test
    void theDriverStopsUsingAQueueBeforeDriverOkButNotAfter() {
        negotiate(ACCEPTED);
        setUpQueue0(8);
        w(QUEUE_READY, 0);
        assertEquals(0, r(QUEUE_READY), "Linux's vm_del_vq WARNs when it reads 1 back");
        w(QUEUE_DESC_LOW, 0x5000);
        assertEquals(0x5000, mmio.transport().queueDesc(), "a disabled queue may be set up again");
        w(QUEUE_DESC_LOW, DESC);
        w(QUEUE_READY, 1);
        w(STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
        w(QUEUE_READY, 0);
        assertEquals(1, r(QUEUE_READY), "the active device holds the queue");
        assertTrue(device.activation.queue(0).ready());
    }

    @Test
    void aQueueAddressAbove4GiBTakesBothHalves() {
        negotiate(ACCEPTED);
        w(QUEUE_SEL, 1);
        w(QUEUE_DESC_LOW, 0x9000_0000L);
        w(QUEUE_DESC_HIGH, 0x1);
        w(QUEUE_DRIVER_HIGH, 0x2);
        w(QUEUE_DEVICE_HIGH, 0xffff_ffffL);
        assertEquals(0x1_9000_0000L, mmio.transport().queueDesc());
        assertEquals(0x2_0000_0000L, mmio.transport().queueDriver());
        assertEquals(0xffff_ffff_0000_0000L, mmio.transport().queueDevice());
    }

    /**
     * With an event loop, each queue's QueueNotify address gets an ioeventfd (4 bytes, datamatch =
     * the queue), and a write that still exits signals the same eventfd: the device runs on the loop's thread.
     */
    @Test
    void eachQueueGetsAnIoeventfdAndAKickRunsTheDeviceOnTheLoop() throws Exception {
        List<IoEvent> bound = new CopyOnWriteArrayList<>();
        List<IoEvent> unbound = new CopyOnWriteArrayList<>();
        IoEventBinder binder = new IoEventBinder() {
            @Override public boolean bind(IoEvent where, EventFd fd) { bound.add(where); return true; }
            @Override public void unbind(IoEvent where, EventFd fd) { unbound.add(where); }
        };
        FakeDevice threaded = new FakeDevice();
        try (EventLoop loop = EventLoop.start("mmio-test", 1)) {
            VirtioMmio onLoop = new VirtioMmio(threaded, BASE, new VirtioHost(memory, loop, binder, gsi -> null, GuestErrorLog.stderr()),
                    levels::add);
            assertEquals(List.of(IoEvent.mmio(BASE + 0x50, 4).matching(0), IoEvent.mmio(BASE + 0x50, 4).matching(1)), bound);
            onLoop.write(QUEUE_NOTIFY, 4, 1);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (threaded.notifies.get() == 0 && System.nanoTime() < deadline) Thread.sleep(1);
            assertEquals(1, threaded.notifies.get(), "the kick reached the device through its eventfd");
            onLoop.close();
            assertEquals(bound, unbound, "close undoes every ioeventfd");
        }
    }

    @Test
    void interruptsWithoutALineHolderAreHarmless() {
        MmioInterrupt irq = new MmioInterrupt(levels::add);
        irq.acknowledge(3);
        irq.reset();
        assertTrue(levels.isEmpty());
        irq.queue(5);
        irq.queue(0);
        assertEquals(List.of(true), levels, "raised once");
        irq.reset();
        assertEquals(0, irq.status());
        assertEquals(List.of(true, false), levels);
        assertNotNull(mmio.interrupt());
    }
}
