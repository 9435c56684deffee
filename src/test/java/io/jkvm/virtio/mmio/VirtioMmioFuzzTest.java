package io.jkvm.virtio.mmio;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jkvm.memory.DmaRange;
import io.jkvm.memory.GuestMemory;
import io.jkvm.pci.GuestErrorLog;
import io.jkvm.virtio.IoEventBinder;
import io.jkvm.virtio.VirtioHost;
import io.jkvm.virtio.queue.DescriptorChain;
import org.junit.jupiter.api.AfterAll;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

import static io.jkvm.virtio.VirtioFeatures.*;
import static io.jkvm.virtio.mmio.VirtioMmio.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link VirtioMmio} driven by a hostile driver: the fuzzer's bytes are guest memory (rings and
 * descriptors) and a program of register reads and writes at every offset and width, queue
 * notifications, memory pokes and whole driver initializations, against {@link FakeDevice}.
 * Nothing may throw; every buffer a chain names lies in guest RAM; the interrupt line is high
 * exactly while InterruptStatus is not 0; FEATURES_OK is only ever set for features offered,
 * with VIRTIO_F_VERSION_1; the device is activated at most once per reset.
 *
 * <p>A plain {@code mvn test} replays the committed inputs in
 * {@code src/test/resources/io/jkvm/virtio/mmio/VirtioMmioFuzzTestInputs/fuzzRegisters/}. To fuzz:
 * <pre>
 * JAZZER_FUZZ=1 JAZZER_MAX_DURATION=2m mvn -o test -Djkvm.test.excludedGroups=kvm -Dtest=VirtioMmioFuzzTest
 * </pre>
 *
 * <p>Input, little-endian, zeros past the end: u16 blob length (&amp; 0x3fff) and the blob, written
 * at guest address 0 over zeroed RAM; then op bytes (see {@link #step}).
 */
class VirtioMmioFuzzTest {
    /** RAM: [0, 0x8000) in two adjacent regions, a hole, [0x10000, 0x11000). */
    private static final long[][] RAM = {{0, 0x4000}, {0x4000, 0x8000}, {0x10000, 0x11000}};
    private static final GuestMemory MEMORY = GuestMemory.allocate(List.of(new GuestMemory.Range(0x10000, 0x1000),
            new GuestMemory.Range(0, 0x4000), new GuestMemory.Range(0x4000, 0x4000)));
    private static final byte[] ZEROS = new byte[0x4000];
    private static final long BASE = 0xd000_0000L;
    /** The registers a driver writes, for ops that pick one by index. */
    private static final int[] REGISTERS = {DEVICE_FEATURES_SEL, DRIVER_FEATURES, DRIVER_FEATURES_SEL, QUEUE_SEL, QUEUE_NUM,
            QUEUE_READY, QUEUE_NOTIFY, INTERRUPT_ACK, STATUS, QUEUE_DESC_LOW, QUEUE_DESC_HIGH, QUEUE_DRIVER_LOW,
            QUEUE_DRIVER_HIGH, QUEUE_DEVICE_LOW, QUEUE_DEVICE_HIGH, SHM_SEL};

    @AfterAll
    static void close() {
        MEMORY.close();
    }

    private VirtioMmio mmio;
    private FakeDevice device;
    private boolean line;

    @FuzzTest
    void fuzzRegisters(byte[] data) {
        ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        for (long[] r : RAM) MEMORY.write(r[0], Arrays.copyOf(ZEROS, (int) (r[1] - r[0])));
        int blob = Math.min(u16(in) & 0x3fff, in.remaining());
        MEMORY.write(0, Arrays.copyOfRange(data, in.position(), in.position() + blob));
        in.position(in.position() + blob);

        device = new FakeDevice();
        device.inspector = VirtioMmioFuzzTest::check;
        line = false;
        mmio = new VirtioMmio(device, BASE, new VirtioHost(MEMORY, null, IoEventBinder.NONE, gsi -> null,
                new GuestErrorLog(s -> { })), high -> line = high);
        int ops = 0;
        while (in.hasRemaining() && ops++ < 4096) {
            step(in);
            assertEquals(mmio.interrupt().status() != 0, line, "the line follows InterruptStatus");
            int status = mmio.transport().status();
            if ((status & FEATURES_OK) != 0) {
                long features = mmio.transport().negotiatedFeatures();
                assertEquals(0, features & ~mmio.transport().offeredFeatures(), "FEATURES_OK with a feature not offered");
                assertTrue((features & mask(VIRTIO_F_VERSION_1)) != 0, "FEATURES_OK without VIRTIO_F_VERSION_1");
            }
            assertTrue(device.activations.get() <= device.resets.get() + 1, "activated twice without a reset");
        }
        mmio.close();
    }

    /**
     * One operation: 0 a read and 1 a write at any offset of the slot and any width (1-8 bytes);
     * 2 a 32-bit write to a driver register picked by index; 3 a QueueNotify; 4 a guest memory
     * poke in the first 16 KiB; 5 a configuration change; 6 a whole initialization (§3.1.1) with
     * queue 0 at addresses from the input; 7 InterruptACK of InterruptStatus, as Linux's handler.
     */
    private void step(ByteBuffer in) {
        switch (u8(in) % 8) {
            case 0 -> mmio.read(u16(in) & 0xfff, 1 + u8(in) % 8);
            case 1 -> {
                int offset = u16(in) & 0xfff;
                int size = 1 + u8(in) % 8;
                mmio.write(offset, size, u64(in));
            }
            case 2 -> mmio.write(REGISTERS[u8(in) % REGISTERS.length], 4, u32(in));
            case 3 -> mmio.write(QUEUE_NOTIFY, 4, u8(in) % 4);
            case 4 -> MEMORY.writeByte(u16(in) & 0x3fff, u8(in));
            case 5 -> mmio.transport().configChanged();
            case 6 -> initialize(in);
            default -> mmio.write(INTERRUPT_ACK, 4, mmio.read(INTERRUPT_STATUS, 4));
        }
    }

    /** What Linux's virtio_mmio does from reset to DRIVER_OK, queue 0 only. */
    private void initialize(ByteBuffer in) {
        int choice = u8(in);
        long desc = u16(in) * 2L, avail = u16(in) * 2L, used = u16(in) * 2L;
        int size = 1 << (u8(in) % 6);
        w(STATUS, 0);
        w(STATUS, ACKNOWLEDGE);
        w(STATUS, ACKNOWLEDGE | DRIVER);
        long features = (choice & 1) != 0 ? mmio.transport().offeredFeatures() : u32(in) | (long) u8(in) << 32;
        w(DRIVER_FEATURES_SEL, 0);
        w(DRIVER_FEATURES, features);
        w(DRIVER_FEATURES_SEL, 1);
        w(DRIVER_FEATURES, features >>> 32);
        w(STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK);
        w(QUEUE_SEL, 0);
        w(QUEUE_NUM, size);
        w(QUEUE_DESC_LOW, desc);
        w(QUEUE_DRIVER_LOW, avail);
        w(QUEUE_DEVICE_LOW, used);
        w(QUEUE_READY, 1);
        w(STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
    }

    private void w(int offset, long value) {
        mmio.write(offset, 4, value & 0xffff_ffffL);
    }

    private static void check(DescriptorChain c) {
        int n = c.readableCount() + c.writableCount();
        for (int i = 0; i < n; i++) {
            DmaRange b = i < c.readableCount() ? c.readable(i) : c.writable(i - c.readableCount());
            if (!b.valid() || b.length() <= 0 || !inRam(b.gpa(), b.length())) fail("buffer " + b + " outside RAM");
        }
    }

    /** Every byte of [gpa, gpa + length) in the model's RAM, counted without wrapping. */
    private static boolean inRam(long gpa, long length) {
        long at = gpa, left = length;
        while (left > 0) {
            long[] r = null;
            for (long[] x : RAM) if (at >= x[0] && at < x[1]) r = x;
            if (r == null) return false;
            long n = Math.min(left, r[1] - at);
            at += n;
            left -= n;
        }
        return true;
    }

    private static int u8(ByteBuffer b) { return b.hasRemaining() ? b.get() & 0xff : 0; }

    private static int u16(ByteBuffer b) { return b.remaining() >= 2 ? b.getShort() & 0xffff : 0; }

    private static long u32(ByteBuffer b) { return b.remaining() >= 4 ? b.getInt() & 0xffff_ffffL : 0; }

    private static long u64(ByteBuffer b) { return b.remaining() >= 8 ? b.getLong() : 0; }
}
