package io.jkvm.it;

import io.jkvm.api.VirtualMachine;
import io.jkvm.config.VmConfig;
import io.jkvm.boot.CpuMode;
import io.jkvm.bus.BusDevice;
import io.jkvm.event.EventFd;
import io.jkvm.event.EventLoop;
import io.jkvm.exit.VmExit;
import io.jkvm.irq.InterruptRouter;
import io.jkvm.irq.InterruptTrigger;
import io.jkvm.irq.IrqfdEdge;
import io.jkvm.irq.IrqfdLine;
import io.jkvm.irq.MsiMessage;
import io.jkvm.irq.MsiRoute;
import io.jkvm.kvm.IoEvent;
import io.jkvm.testing.KvmTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * KVM notifications with a guest (guests/notify.S): ioeventfd writes that signal an eventfd on
 * the event loop with no exit to userspace, and interrupts injected through irqfd from a host
 * thread (a level IOAPIC line with resampling, an edge, an MSI GSI route).
 */
@KvmTest
class NotifyTest {
    private static final int PORT = 0x510;
    private static final int MATCH_PORT = 0x514;
    private static final long MMIO = 0xd000_0000L;
    private static final Duration RUN_LIMIT = Duration.ofSeconds(120);

    @BeforeEach
    void kvm() {
        TestGuests.assumeKvm();
    }

    private static VmConfig guest(int phase) {
        return VmConfig.builder().mode(CpuMode.LONG).irqchip(true).image(TestGuests.load("notify"), "notify")
                .register("rcx", phase).build();
    }

    /** An eventfd on the loop: sums the counts its handler got and the threads it ran on. */
    private static final class Counted {
        final EventFd fd = EventFd.nonBlocking();
        final AtomicLong count = new AtomicLong();
        final Set<String> threads = ConcurrentHashMap.newKeySet();

        Counted on(EventLoop loop) {
            loop.register(fd, n -> {
                threads.add(Thread.currentThread().getName());
                count.addAndGet(n);
            });
            return this;
        }

        long await(long expected) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (count.get() < expected && System.nanoTime() < deadline) Thread.sleep(5);
            Thread.sleep(20); // and nothing more arrives
            return count.get();
        }
    }

    @Test
    void ioeventfdWritesSignalTheEventLoopWithoutExits() throws Exception {
        try (VirtualMachine vm = VirtualMachine.create(guest(1)); EventLoop loop = EventLoop.start()) {
            Counted port = new Counted().on(loop);
            Counted match = new Counted().on(loop);
            Counted mmio = new Counted().on(loop);
            TestDevices.ByteRecorder portExits = new TestDevices.ByteRecorder();
            TestDevices.ByteRecorder matchExits = new TestDevices.ByteRecorder();
            TestDevices.PatternMmio mmioExits = new TestDevices.PatternMmio();
            vm.attachPort(PORT, 4, portExits).attachPort(MATCH_PORT, 2, matchExits).attachMmio(MMIO, 0x1000, mmioExits);
            vm.ioeventfd(IoEvent.port(PORT, 4), port.fd);
            vm.ioeventfd(IoEvent.port(MATCH_PORT, 2).matching(0x22), match.fd);
            vm.ioeventfd(IoEvent.mmio(MMIO, 4), mmio.fd);

            VmExit exit = vm.run(RUN_LIMIT);
            assertEquals(VmExit.Reason.DEBUG_EXIT, exit.reason(), exit.message());
            assertEquals(3, exit.status());

            assertEquals(5, port.await(5), "outl to 0x510");
            assertEquals(2, match.await(2), "outw 0x22 to 0x514 (datamatch)");
            assertEquals(3, mmio.await(3), "movl to 0xd0000000");
            for (Counted c : List.of(port, match, mmio)) assertEquals(Set.of("jkvm-events-0"), c.threads);

            // KVM did not exit for a matching write; the others reached the buses.
            assertEquals(List.of(), portExits.snapshot());
            assertEquals(List.of(0x11, 0x33), matchExits.snapshot(), "the writes datamatch does not take");
            synchronized (mmioExits) {
                assertEquals(List.of(), mmioExits.writes);
            }
            Map<String, Long> exits = vm.stats().exitsByReason();
            assertNull(exits.get("KVM_EXIT_MMIO"), "MMIO exits: " + exits);
            assertEquals(3L, exits.get("KVM_EXIT_IO"), "0x11, 0x33 and the debug exit only: " + exits);
            for (Counted c : List.of(port, match, mmio)) c.fd.close();
        }
    }

    @Test
    void aDeassignedIoeventfdExitsToTheBusAgain() throws Exception {
        try (VirtualMachine vm = VirtualMachine.create(guest(1)); EventFd port = EventFd.nonBlocking()) {
            TestDevices.ByteRecorder portExits = new TestDevices.ByteRecorder();
            vm.attachPort(PORT, 4, portExits);
            vm.ioeventfd(IoEvent.port(PORT, 4), port);
            vm.deassignIoeventfd(IoEvent.port(PORT, 4), port);
            VmExit exit = vm.run(RUN_LIMIT);
            assertEquals(3, exit.status(), exit.message());
            assertEquals(List.of(0, 1, 2, 3, 4), portExits.snapshot());
            assertEquals(0, port.read(), "the deassigned eventfd was signalled");
        }
    }

    /**
     * Ports 0x520 (requests) and 0x521 (the level device's event queue). Requests are served
     * on a host thread, as a device backend would raise its interrupts.
     */
    private static final class InterruptDevice implements BusDevice {
        private final ExecutorService host = Executors.newSingleThreadExecutor(
                r -> Thread.ofPlatform().name("host-irq").daemon(true).unstarted(r));
        private final IrqfdLine level;
        private final InterruptTrigger edge;
        private final InterruptTrigger msi;
        private final List<Integer> requests = new ArrayList<>();
        private int pending;
        private int taken;

        InterruptDevice(IrqfdLine level, InterruptTrigger edge, InterruptTrigger msi) {
            this.level = level;
            this.edge = edge;
            this.msi = msi;
        }

        @Override
        public synchronized long read(long offset, int size) {
            if (offset != 1 || pending == 0) return 0xff;
            pending--;
            taken++;
            if (pending == 0) level.set(false);
            return pending;
        }

        @Override
        public synchronized void write(long offset, int size, long value) {
            if (offset != 0) return;
            requests.add((int) value);
            switch ((int) value) {
                case 0x30 -> host.execute(() -> {
                    synchronized (this) {
                        pending = 3;
                    }
                    level.set(true);
                });
                case 0x31 -> host.execute(edge::trigger);
                case 0x32 -> host.execute(msi::trigger);
                default -> { }
            }
        }

        void close() {
            host.shutdownNow();
        }
    }

    @Test
    void irqfdInterruptsFromAHostThreadLevelEdgeAndMsi() throws Exception {
        try (VirtualMachine vm = VirtualMachine.create(guest(2)); EventLoop loop = EventLoop.start()) {
            InterruptRouter router = vm.interruptRouter();
            try (IrqfdLine level = router.levelLine(20, loop); IrqfdEdge edge = router.edge(21);
                 MsiRoute msi = router.msiRoute(new MsiMessage(io.jkvm.boot.Layout.LOCAL_APIC_ADDR, 0x32))) {
                assertEquals(24, msi.gsi());
                assertEquals(41, router.table().routes().size(), "KVM's 40 default routes and the MSI one");
                InterruptDevice device = new InterruptDevice(level, edge, msi);
                vm.attachPort(0x520, 2, device);
                try {
                    VmExit exit = vm.run(RUN_LIMIT);
                    synchronized (device) {
                        assertEquals(VmExit.Reason.DEBUG_EXIT, exit.reason(), exit.message() + "; requests " + device.requests
                                + ", level events taken " + device.taken);
                        assertEquals((0x3f << 1) | 1, exit.status(), "level | edge << 2 | msi << 4, 3 each");
                        // One set(true), three interrupts: KVM resampled at each EOI and the line,
                        // still high, was asserted again; after the last event it stayed low.
                        assertEquals(3, device.taken);
                        assertEquals(List.of(0x30, 0x31, 0x31, 0x31, 0x32, 0x32, 0x32), device.requests);
                    }
                    assertFalse(level.level());
                    Map<String, Long> exits = vm.stats().exitsByReason();
                    assertNull(exits.get("KVM_EXIT_MMIO"), "the LAPIC and IOAPIC are in the kernel: " + exits);
                    assertEquals(7L + 3 + 1, exits.get("KVM_EXIT_IO"), "requests, level acks, debug exit: " + exits);
                } finally {
                    device.close();
                }
            }
            assertTrue(router.table().msiCount() == 0, "closing the MSI route removed it");
        }
    }
}
