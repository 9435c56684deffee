package io.jkvm.virtio.console;

import io.jkvm.memory.GuestMemory;
import io.jkvm.pci.GuestErrorLog;
import io.jkvm.virtio.VirtioInterrupt;
import io.jkvm.virtio.VirtioTransport;
import io.jkvm.virtio.queue.MockDriver;
import io.jkvm.virtio.queue.MockDriver.Buf;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.jkvm.virtio.VirtioFeatures.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ConsoleDevice} behind {@link VirtioTransport}, probed as Linux's virtio_console does
 * (virtio 1.2 §3.1.1): reset, features with event-idx, both queues, DRIVER_OK; what the user typed
 * during boot reaches the first receive buffer, and the guest's output the sink.
 */
class ConsoleTransportTest {

    @Test
    void linuxProbeSequence() {
        try (GuestMemory memory = GuestMemory.allocate(List.of(new GuestMemory.Range(0, 0x40000)))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ConsoleDevice console = new ConsoleDevice(out::write, GuestErrorLog.stderr());
            int[] interrupts = new int[2];
            VirtioTransport t = new VirtioTransport(console, memory, new VirtioInterrupt() {
                @Override public void queue(int queue) { interrupts[queue]++; }
                @Override public void config() {}
            }, GuestErrorLog.stderr());

            byte[] typed = "root\n".getBytes(StandardCharsets.US_ASCII);
            assertEquals(typed.length, console.receive(typed, 0, typed.length)); // during boot

            t.setStatus(0); // the probe resets first: the typed bytes stay
            t.setStatus(ACKNOWLEDGE);
            t.setStatus(ACKNOWLEDGE | DRIVER);
            t.selectDeviceFeatures(0);
            int low = t.deviceFeatures();
            t.selectDeviceFeatures(1);
            int high = t.deviceFeatures();
            assertEquals(1 << ConsoleDevice.VIRTIO_CONSOLE_F_EMERG_WRITE | 1 << VIRTIO_F_INDIRECT_DESC | 1 << VIRTIO_F_EVENT_IDX, low);
            assertEquals(1, high, "VIRTIO_F_VERSION_1");
            t.selectDriverFeatures(0);
            t.setDriverFeatures(low);
            t.selectDriverFeatures(1);
            t.setDriverFeatures(high);
            t.setStatus(ACKNOWLEDGE | DRIVER | FEATURES_OK);
            assertTrue((t.status() & FEATURES_OK) != 0);

            MockDriver rx = new MockDriver(memory, 16, 0x1000, 0x2000, 0x3000);
            MockDriver tx = new MockDriver(memory, 16, 0x5000, 0x6000, 0x7000);
            setUp(t, ConsoleDevice.RECEIVEQ0, rx);
            setUp(t, ConsoleDevice.TRANSMITQ0, tx);
            rx.addChain(Buf.out(0x10000, 4096)); // virtio_console fills receiveq before DRIVER_OK
            t.setStatus(ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);

            assertEquals(1, rx.usedIdx());
            assertEquals(typed.length, rx.usedLen(0));
            assertArrayEquals(typed, memory.read(0x10000, typed.length));
            assertEquals(1, interrupts[ConsoleDevice.RECEIVEQ0]);
            assertEquals(1, rx.availEvent(), "event-idx negotiated: the device asks for a kick at the next buffer");

            memory.write(0x20000, "# ".getBytes(StandardCharsets.US_ASCII));
            tx.addChain(Buf.in(0x20000, 2));
            console.notify(ConsoleDevice.TRANSMITQ0); // the queue notification, on the device thread
            assertEquals("# ", out.toString(StandardCharsets.US_ASCII));
            assertEquals(1, tx.usedIdx());
            console.close();
        }
    }

    private static void setUp(VirtioTransport t, int queue, MockDriver d) {
        t.selectQueue(queue);
        assertEquals(256, t.queueMaxSize());
        t.setQueueSize(d.size());
        var s = d.state(false);
        t.setQueueDesc(0, (int) s.descTable());
        t.setQueueDriver(0, (int) s.availRing());
        t.setQueueDevice(0, (int) s.usedRing());
        t.setQueueReady(true);
    }
}
