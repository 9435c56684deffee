package io.jkvm.virtio.queue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jkvm.memory.DmaRange;
import io.jkvm.memory.GuestMemory;
import org.junit.jupiter.api.AfterAll;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link SplitQueue} fed a hostile driver: the fuzzer's bytes are the queue's setup, the guest
 * memory holding its rings and descriptors, and a program of device operations and driver
 * writes. Nothing may throw, every pop ends (the input is finite and each pop is bounded by the
 * queue size), and every buffer a chain names lies in guest RAM with at most {@code size} of them,
 * readable first.
 *
 * <p>A plain {@code mvn test} runs this in Jazzer's regression mode over the committed inputs in
 * {@code src/test/resources/io/jkvm/virtio/queue/SplitQueueFuzzTestInputs/fuzzQueue/}. To fuzz:
 * <pre>
 * JAZZER_FUZZ=1 JAZZER_MAX_DURATION=2m mvn -o test -Djkvm.test.excludedGroups=kvm -Dtest=SplitQueueFuzzTest
 * </pre>
 *
 * <p>Input, little-endian, zeros past the end: u8 size selector (below 0xf0: 1 &lt;&lt; (s % 9),
 * else (s &amp; 15) * 3, often not a power of two); u8 mode (bit 0 event-idx, bit 1 the three ring
 * addresses follow as u16s, else 0x0/0x1000/0x2000; bit 2 not ready); u16 starting index (both
 * rings); u16 blob length (&amp; 0x3fff) and the blob, written at guest address 0 over zeroed RAM.
 * Then op bytes (see {@link #step}).
 */
class SplitQueueFuzzTest {
    /** RAM: [0, 0x8000) in two adjacent regions, a hole, [0x10000, 0x11000), and 2^63 - 8 KiB. */
    private static final long[][] RAM = {{0, 0x4000}, {0x4000, 0x8000}, {0x10000, 0x11000},
            {0x7fff_ffff_ffff_e000L, 0x7fff_ffff_ffff_f000L}};
    private static final GuestMemory MEMORY = GuestMemory.allocate(List.of(
            new GuestMemory.Range(0x10000, 0x1000), new GuestMemory.Range(0, 0x4000),
            new GuestMemory.Range(0x4000, 0x4000), new GuestMemory.Range(RAM[3][0], 0x1000)));
    private static final byte[] ZEROS = new byte[0x4000];
    private static final byte[] SCRATCH = new byte[256];

    @AfterAll
    static void close() {
        MEMORY.close();
    }

    @FuzzTest
    void fuzzQueue(byte[] data) {
        ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        for (long[] r : RAM) MEMORY.write(r[0], java.util.Arrays.copyOf(ZEROS, (int) (r[1] - r[0])));
        int sel = u8(in);
        int size = sel < 0xf0 ? 1 << (sel % 9) : (sel & 15) * 3;
        int mode = u8(in);
        long desc = 0, avail = 0x1000, used = 0x2000;
        if ((mode & 2) != 0) {
            desc = u16(in) * 2L;
            avail = u16(in) * 2L + (mode >>> 3 & 1);
            used = u16(in) * 2L;
        }
        int start = u16(in);
        int blob = Math.min(u16(in) & 0x3fff, in.remaining());
        MEMORY.write(0, java.util.Arrays.copyOfRange(data, in.position(), in.position() + blob)); // < 0x4000: region 0
        in.position(in.position() + blob);
        SplitQueue q = new SplitQueue(MEMORY, new QueueState(size, (mode & 4) == 0, desc, avail, used, start, start, (mode & 1) != 0));
        int[] heads = new int[64];
        int pending = 0;
        int ops = 0;
        while (in.hasRemaining() && ops++ < 4096) {
            int op = u8(in) % 8;
            switch (op) {
                case 0, 1 -> {
                    DescriptorChain c = q.pop();
                    if (c != null) {
                        check(c, q.size());
                        if (pending < heads.length) heads[pending++] = c.head();
                        if (op == 1 && c.writableCount() > 0) c.write(u8(in), SCRATCH, 0, u8(in));
                        if (op == 0 && c.readableCount() > 0) c.read(u8(in), SCRATCH, 0, u8(in));
                    } else if (q.broken()) {
                        assertTrue(q.error() != QueueError.NONE);
                    }
                }
                case 2 -> {
                    if (pending > 0) q.push(heads[--pending], u16(in));
                }
                case 3 -> q.needsNotification();
                case 4 -> q.enableNotification();
                case 5 -> q.disableNotification();
                case 6 -> {
                    // The driver writes a u16 anywhere in the first 16 KiB (an index, a flag, a ring entry).
                    MEMORY.writeByte(u16(in) & 0x3ffe, u8(in));
                }
                default -> {
                    QueueState s = q.state();
                    q = new SplitQueue(MEMORY, s);
                    assertEquals(s, q.state());
                    pending = 0;
                }
            }
        }
    }

    private static void check(DescriptorChain c, int size) {
        int n = c.readableCount() + c.writableCount();
        if (n < 1 || n > size) fail("chain of " + n + " buffers on a queue of " + size);
        long total = 0;
        for (int i = 0; i < n; i++) {
            DmaRange b = i < c.readableCount() ? c.readable(i) : c.writable(i - c.readableCount());
            if (!b.valid() || b.length() <= 0 || !inRam(b.gpa(), b.length())) {
                fail("buffer " + b + " outside RAM");
            }
            total += b.length();
        }
        assertEquals(total, c.readableLength() + c.writableLength());
        assertTrue(total <= 1L << 32);
    }

    /** Every byte of [gpa, gpa + length) in the model's RAM, counted without wrapping. */
    private static boolean inRam(long gpa, long length) {
        long at = gpa, left = length;
        while (left > 0) {
            long[] r = holding(at);
            if (r == null) return false;
            long n = Math.min(left, r[1] - at);
            at += n;
            left -= n;
        }
        return true;
    }

    private static long[] holding(long gpa) {
        for (long[] r : RAM) if (gpa >= r[0] && gpa < r[1]) return r;
        return null;
    }

    private static int u8(ByteBuffer b) { return b.hasRemaining() ? b.get() & 0xff : 0; }

    private static int u16(ByteBuffer b) { return b.remaining() >= 2 ? b.getShort() & 0xffff : 0; }
}
