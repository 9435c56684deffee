package io.jkvm.virtio.console;

import io.jkvm.devices.ByteSink;
import io.jkvm.memory.GuestMemory;
import io.jkvm.pci.GuestErrorLog;
import io.jkvm.virtio.Activation;
import io.jkvm.virtio.VirtioFeatures;
import io.jkvm.virtio.VirtioInterrupt;
import io.jkvm.virtio.queue.MockDriver;
import io.jkvm.virtio.queue.MockDriver.Buf;
import io.jkvm.virtio.queue.SplitQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.jkvm.virtio.console.ConsoleDevice.RECEIVEQ0;
import static io.jkvm.virtio.console.ConsoleDevice.TRANSMITQ0;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ConsoleDevice} driven by {@link MockDriver} on both queues. */
class ConsoleDeviceTest {
    static final long RX_DESC = 0x1000, RX_AVAIL = 0x2000, RX_USED = 0x3000;
    static final long TX_DESC = 0x5000, TX_AVAIL = 0x6000, TX_USED = 0x7000, DATA = 0x10000;

    GuestMemory memory;
    MockDriver rx, tx;
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    int flushes;
    ByteSink sink = new ByteSink() {
        @Override public void write(int b) { output.write(b); }
        @Override public void flush() { flushes++; }
    };
    List<String> logged = new ArrayList<>();
    ConsoleDevice console = new ConsoleDevice(sink, new GuestErrorLog(logged::add));
    int[] interrupts = new int[2];
    int resets;
    VirtioInterrupt interrupt = new VirtioInterrupt() {
        @Override public void queue(int queue) { interrupts[queue]++; }
        @Override public void config() {}
    };

    @BeforeEach
    void setUp() {
        memory = GuestMemory.allocate(List.of(new GuestMemory.Range(0, 0x40000)));
        rx = new MockDriver(memory, 16, RX_DESC, RX_AVAIL, RX_USED);
        tx = new MockDriver(memory, 16, TX_DESC, TX_AVAIL, TX_USED);
    }

    @AfterEach
    void tearDown() {
        console.close();
        memory.close();
    }

    void activate() {
        long features = VirtioFeatures.mask(VirtioFeatures.VIRTIO_F_VERSION_1);
        console.activate(new Activation(features, memory,
                List.of(new SplitQueue(memory, rx.state(false)), new SplitQueue(memory, tx.state(false))),
                interrupt, () -> resets++));
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    String out() {
        return output.toString(StandardCharsets.US_ASCII);
    }

    @Test
    void describesItself() {
        assertEquals(3, console.deviceId());
        assertEquals(2, console.queueCount());
        assertEquals(12, console.configSize());
        long f = console.features();
        assertEquals(1L << ConsoleDevice.VIRTIO_CONSOLE_F_EMERG_WRITE, f & 0xffffff, "emerg_wr only: no size, no multiport");
        assertTrue((f & VirtioFeatures.mask(VirtioFeatures.VIRTIO_F_EVENT_IDX, VirtioFeatures.VIRTIO_F_INDIRECT_DESC)) != 0);
    }

    @Test
    void configSpace() {
        assertEquals(0, console.readConfig(0, 2), "cols");
        assertEquals(0, console.readConfig(2, 2), "rows");
        assertEquals(1, console.readConfig(4, 4), "max_nr_ports");
        assertEquals(1, console.readConfig(4, 1));
        assertEquals(0, console.readConfig(5, 1));
        assertEquals(1L << 32, console.readConfig(0, 8));
        assertEquals(0x100, console.readConfig(3, 2));
        assertEquals(0, console.readConfig(8, 4), "emerg_wr reads 0");
        assertEquals(0, console.readConfig(12, 4), "past the end");
        assertEquals(0, console.readConfig(-1, 4));
        console.writeConfig(4, 4, 7); // read-only
        assertEquals(1, console.readConfig(4, 4));
        assertEquals("", out());
    }

    @Test
    void emergWrWritesOneByteAtOnceEvenBeforeTheDriver() {
        console.writeConfig(8, 4, 0x1234_5600 | 'X');
        console.writeConfig(8, 1, '\n');
        console.writeConfig(9, 1, 'Y'); // not the field's start
        assertEquals("X\n", out());
        assertEquals(2, flushes);
    }

    @Test
    void guestOutputOfSeveralChainsInOrder() {
        memory.write(DATA, ascii("hel"));
        memory.write(DATA + 0x100, ascii("lo "));
        memory.write(DATA + 0x200, ascii("world\n"));
        int first = tx.addChain(Buf.in(DATA, 3), Buf.in(DATA + 0x100, 3));
        int second = tx.addChain(Buf.in(DATA + 0x200, 6));
        activate();
        console.notify(TRANSMITQ0);
        assertEquals("hello world\n", out());
        assertEquals(2, flushes, "flushed per chain");
        assertEquals(2, tx.usedIdx());
        assertEquals(first, tx.usedId(0));
        assertEquals(0, tx.usedLen(0));
        assertEquals(second, tx.usedId(1));
        assertEquals(1, interrupts[TRANSMITQ0]);
        assertEquals(0, interrupts[RECEIVEQ0]);
    }

    @Test
    void largeOutputCrossesTheScratchBuffer() {
        byte[] big = new byte[10_000];
        for (int i = 0; i < big.length; i++) big[i] = (byte) ('a' + i % 26);
        memory.write(DATA, big);
        tx.addChain(Buf.in(DATA, big.length));
        activate();
        console.notify(TRANSMITQ0);
        assertArrayEquals(big, output.toByteArray());
    }

    @Test
    void inputBeforeActivationWaitsForTheDriver() {
        int[] wakes = {0};
        console.setWake(() -> wakes[0]++);
        assertEquals(3, console.receive(ascii("abc"), 0, 3));
        assertEquals(3, console.pending());
        assertEquals(0, wakes[0], "not active: nothing to wake");
        rx.addChain(Buf.out(DATA, 16));
        activate();
        console.notify(RECEIVEQ0); // as the transport does after DRIVER_OK
        assertEquals(1, rx.usedIdx());
        assertEquals(3, rx.usedLen(0));
        assertArrayEquals(ascii("abc"), memory.read(DATA, 3));
        assertEquals(0, console.pending());
        assertEquals(1, interrupts[RECEIVEQ0]);
    }

    @Test
    void inputLargerThanTheGuestsBuffersIsSplitInOrder() {
        activate(); // default wake: the device delivers on receive's thread
        rx.addChain(Buf.out(DATA, 4));
        rx.addChain(Buf.out(DATA + 0x100, 3), Buf.out(DATA + 0x200, 5));
        rx.addChain(Buf.out(DATA + 0x300, 4));
        byte[] in = ascii("0123456789abcdefghij");
        assertEquals(20, console.receive(in, 0, 20));
        assertEquals(3, rx.usedIdx());
        assertEquals(4, rx.usedLen(0));
        assertEquals(8, rx.usedLen(1));
        assertEquals(4, rx.usedLen(2));
        assertEquals(4, console.pending());
        rx.addChain(Buf.out(DATA + 0x400, 64));
        console.notify(RECEIVEQ0); // the driver's kick
        assertEquals(4, rx.usedLen(3));
        byte[] got = new byte[20];
        System.arraycopy(memory.read(DATA, 4), 0, got, 0, 4);
        System.arraycopy(memory.read(DATA + 0x100, 3), 0, got, 4, 3);
        System.arraycopy(memory.read(DATA + 0x200, 5), 0, got, 7, 5);
        System.arraycopy(memory.read(DATA + 0x300, 4), 0, got, 12, 4);
        System.arraycopy(memory.read(DATA + 0x400, 4), 0, got, 16, 4);
        assertArrayEquals(in, got);
        assertEquals(0, memory.readByte(DATA + 0x404), "nothing past what was delivered");
    }

    @Test
    void aFullBufferRefusesAndTheRoomListenerFiresWhenItDrains() {
        int[] wakes = {0}, rooms = {0};
        console.setWake(() -> wakes[0]++);
        console.setRoomListener(() -> rooms[0]++);
        activate();
        byte[] in = new byte[5000];
        for (int i = 0; i < in.length; i++) in[i] = (byte) i;
        assertEquals(ConsoleDevice.INPUT_CAPACITY, console.receive(in, 0, in.length));
        assertEquals(1, wakes[0], "the device thread is asked to look");
        assertEquals(0, console.space());
        assertEquals(0, console.receive(in, 4096, 904));
        assertEquals(0, rooms[0]);

        rx.addChain(Buf.out(DATA, 100));
        console.notify(RECEIVEQ0);
        assertEquals(1, rooms[0], "room after full");
        assertEquals(100, console.space());
        console.notify(RECEIVEQ0);
        assertEquals(1, rooms[0], "no new room: no second call");
        assertEquals(100, console.receive(in, 4096, 904));
        assertArrayEquals(java.util.Arrays.copyOf(in, 100), memory.read(DATA, 100));

        // The rest arrives in order: 3996 old bytes, then the 100 new ones.
        rx.addChain(Buf.out(DATA + 0x1000, 8192));
        console.notify(RECEIVEQ0);
        assertEquals(4096, rx.usedLen(1));
        assertArrayEquals(java.util.Arrays.copyOfRange(in, 100, 4196), memory.read(DATA + 0x1000, 4096));
        assertEquals(2, rooms[0]);
    }

    @Test
    void aReadableReceiveBufferIsReturnedEmptyAndTheInputKept() {
        activate();
        rx.addChain(Buf.in(DATA, 8));
        rx.addChain(Buf.out(DATA + 0x100, 8));
        console.receive(ascii("hi"), 0, 2);
        assertEquals(2, rx.usedIdx());
        assertEquals(0, rx.usedLen(0));
        assertEquals(2, rx.usedLen(1));
        assertArrayEquals(ascii("hi"), memory.read(DATA + 0x100, 2));
        assertEquals(1, logged.size());
    }

    @Test
    void resetForgetsTheQueuesButKeepsTheInput() {
        int[] wakes = {0};
        console.setWake(() -> wakes[0]++);
        activate();
        console.receive(ascii("typed during boot"), 0, 17);
        console.reset();
        memory.write(DATA, ascii("lost?"));
        tx.addChain(Buf.in(DATA, 5));
        rx.addChain(Buf.out(DATA + 0x100, 64));
        console.notify(TRANSMITQ0);
        console.notify(RECEIVEQ0);
        assertEquals(0, tx.usedIdx());
        assertEquals(0, rx.usedIdx());
        assertEquals("", out());
        assertEquals(17, console.pending());

        // The driver probes again: new rings, the input arrives.
        rx = new MockDriver(memory, 8, 0x20000, 0x21000, 0x22000);
        tx = new MockDriver(memory, 8, 0x23000, 0x24000, 0x25000);
        rx.addChain(Buf.out(DATA + 0x200, 64));
        activate();
        console.notify(RECEIVEQ0);
        assertEquals(17, rx.usedLen(0));
        assertArrayEquals(ascii("typed during boot"), memory.read(DATA + 0x200, 17));
    }

    @Test
    void aBrokenQueueAsksForResetOnce() {
        tx.writeDescriptor(0, 0x7000_0000L, 8, 0, 0); // outside RAM
        tx.publish(0);
        activate();
        console.notify(TRANSMITQ0);
        console.notify(TRANSMITQ0);
        console.notify(RECEIVEQ0);
        assertEquals(1, resets);
        assertEquals("", out());
    }

    @Test
    void aFailingSinkDropsOutputButServesTheQueue() {
        ConsoleDevice broken = new ConsoleDevice(b -> { throw new UncheckedIOException(new java.io.IOException("closed")); },
                GuestErrorLog.stderr());
        memory.write(DATA, ascii("x"));
        tx.addChain(Buf.in(DATA, 1));
        tx.addChain(Buf.in(DATA, 1));
        broken.activate(new Activation(0, memory,
                List.of(new SplitQueue(memory, rx.state(false)), new SplitQueue(memory, tx.state(false))),
                interrupt, () -> resets++));
        broken.notify(TRANSMITQ0);
        broken.writeConfig(8, 4, 'y');
        assertEquals(2, tx.usedIdx());
        broken.close();
    }

    @Test
    void eventIdxSuppressesReceiveInterrupts() {
        long features = VirtioFeatures.mask(VirtioFeatures.VIRTIO_F_VERSION_1, VirtioFeatures.VIRTIO_F_EVENT_IDX);
        console.activate(new Activation(features, memory,
                List.of(new SplitQueue(memory, rx.state(true)), new SplitQueue(memory, tx.state(true))),
                interrupt, () -> resets++));
        rx.addChain(Buf.out(DATA, 1));
        rx.addChain(Buf.out(DATA + 1, 1));
        rx.addChain(Buf.out(DATA + 2, 1));
        console.receive(ascii("a"), 0, 1);
        assertEquals(1, interrupts[RECEIVEQ0]);
        rx.setUsedEvent(2); // only after the third
        console.receive(ascii("b"), 0, 1);
        assertEquals(1, interrupts[RECEIVEQ0]);
        console.receive(ascii("c"), 0, 1);
        assertEquals(2, interrupts[RECEIVEQ0]);
        assertArrayEquals(ascii("abc"), memory.read(DATA, 3));
    }

    @Test
    void closeStopsInputAndWakesTheFeeder() {
        int[] rooms = {0};
        console.setRoomListener(() -> rooms[0]++);
        console.close();
        assertEquals(0, console.receive(ascii("x"), 0, 1));
        assertEquals(0, console.space());
        assertEquals(1, rooms[0]);
    }
}
