package io.jkvm.it;

import io.jkvm.api.VirtualMachine;
import io.jkvm.boot.CpuMode;
import io.jkvm.boot.Layout;
import io.jkvm.boot.PcPorts;
import io.jkvm.bus.BusDevice;
import io.jkvm.config.VmConfig;
import io.jkvm.event.EventFd;
import io.jkvm.event.EventLoop;
import io.jkvm.exit.VmExit;
import io.jkvm.irq.IrqfdLine;
import io.jkvm.kvm.IoEvent;
import io.jkvm.pci.GuestErrorLog;
import io.jkvm.testing.KvmTest;
import io.jkvm.virtio.Activation;
import io.jkvm.virtio.IoEventBinder;
import io.jkvm.virtio.VirtioDevice;
import io.jkvm.virtio.VirtioHost;
import io.jkvm.virtio.mmio.VirtioMmio;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A virtio-mmio transport in slot 0 of a real VM: KVM takes its two ioeventfds on QueueNotify
 * (base + 0x50, 4 bytes, datamatch = queue) and its level line on GSI 16 (irqfd with resample).
 * A 32-bit guest writes 0, 1 and 2 to QueueNotify: the first two reach the device on the event
 * loop with no exit, the third (no such queue) exits to the register file, which ignores it.
 */
@KvmTest
class VirtioMmioKvmTest {
    private static final long BASE = Layout.virtioMmioSlot(0);

    /**
     * At 1 MiB in flat protected mode: {@code movl $q, 0xd0000050} for q = 0, 1, 2, then
     * {@code mov $0, %al; out %al, $0xf4} (debug exit, status 1) and {@code jmp .}.
     */
    private static final byte[] GUEST = {
            (byte) 0xc7, 0x05, 0x50, 0x00, 0x00, (byte) 0xd0, 0x00, 0x00, 0x00, 0x00,
            (byte) 0xc7, 0x05, 0x50, 0x00, 0x00, (byte) 0xd0, 0x01, 0x00, 0x00, 0x00,
            (byte) 0xc7, 0x05, 0x50, 0x00, 0x00, (byte) 0xd0, 0x02, 0x00, 0x00, 0x00,
            (byte) 0xb0, 0x00, (byte) 0xe6, (byte) 0xf4,
            (byte) 0xeb, (byte) 0xfe};

    /** Two queues; counts the notifications per queue and the threads they came on. */
    private static final class Counting implements VirtioDevice {
        final AtomicIntegerArray notified = new AtomicIntegerArray(2);
        final Set<String> threads = ConcurrentHashMap.newKeySet();

        @Override public int deviceId() { return 4; }
        @Override public String name() { return "counting"; }
        @Override public long features() { return 0; }
        @Override public int queueCount() { return 2; }
        @Override public int maxQueueSize(int queue) { return 8; }
        @Override public int configSize() { return 0; }
        @Override public long readConfig(int offset, int size) { return 0; }
        @Override public void writeConfig(int offset, int size, long value) {}
        @Override public void activate(Activation activation) {}
        @Override public void reset() {}
        @Override public void close() {}

        @Override
        public void notify(int queue) {
            notified.incrementAndGet(queue);
            threads.add(Thread.currentThread().getName());
        }
    }

    @BeforeEach
    void kvm() {
        TestGuests.assumeKvm();
    }

    @Test
    void queueNotifyWritesReachTheDeviceThroughIoeventfds() throws Exception {
        VmConfig config = VmConfig.builder().mode(CpuMode.PROTECTED).irqchip(true).image(GUEST, "notify-mmio").build();
        try (VirtualMachine vm = VirtualMachine.create(config); EventLoop loop = EventLoop.start("virtio-test", 1)) {
            IoEventBinder binder = new IoEventBinder() {
                @Override public boolean bind(IoEvent where, EventFd fd) { vm.ioeventfd(where, fd); return true; }
                @Override public void unbind(IoEvent where, EventFd fd) { vm.deassignIoeventfd(where, fd); }
            };
            IrqfdLine line = vm.interruptRouter().levelLine(PcPorts.virtioMmioGsi(0), loop);
            Counting device = new Counting();
            List<Long> exits = new CopyOnWriteArrayList<>();
            try (VirtioMmio mmio = new VirtioMmio(device, BASE, new VirtioHost(vm.memory(), loop, binder, gsi -> line,
                    GuestErrorLog.stderr()), line)) {
                vm.attachMmio(BASE, Layout.VIRTIO_MMIO_SLOT_SIZE, new BusDevice() {
                    @Override public long read(long offset, int size) { return mmio.read(offset, size); }
                    @Override public void write(long offset, int size, long value) {
                        if (offset == VirtioMmio.QUEUE_NOTIFY) exits.add(value);
                        mmio.write(offset, size, value);
                    }
                });
                VmExit exit = vm.run(Duration.ofSeconds(120));
                assertEquals(VmExit.Reason.DEBUG_EXIT, exit.reason(), exit.message());
                assertEquals(1, exit.status());

                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while ((device.notified.get(0) == 0 || device.notified.get(1) == 0) && System.nanoTime() < deadline) Thread.sleep(5);
                assertEquals(1, device.notified.get(0), "queue 0");
                assertEquals(1, device.notified.get(1), "queue 1");
                assertEquals(Set.of("virtio-test-0"), device.threads, "on the event loop, not a vCPU");
                assertEquals(List.of(2L), exits, "only the write no ioeventfd matches exits");
                assertEquals(1L, vm.stats().exitsByReason().get("KVM_EXIT_MMIO"), vm.stats().exitsByReason().toString());

                // The line: KVM accepted the irqfd on GSI 16; InterruptACK lowers it again.
                mmio.interrupt().queue(0);
                assertEquals(1, mmio.read(VirtioMmio.INTERRUPT_STATUS, 4));
                mmio.write(VirtioMmio.INTERRUPT_ACK, 4, 1);
                assertEquals(0, mmio.read(VirtioMmio.INTERRUPT_STATUS, 4));
            } finally {
                line.close();
            }
        }
    }
}
