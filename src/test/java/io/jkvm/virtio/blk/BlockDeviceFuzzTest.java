package io.jkvm.virtio.blk;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jkvm.memory.GuestMemory;
import io.jkvm.pci.GuestErrorLog;
import io.jkvm.virtio.Activation;
import io.jkvm.virtio.VirtioFeatures;
import io.jkvm.virtio.VirtioInterrupt;
import io.jkvm.virtio.queue.QueueState;
import io.jkvm.virtio.queue.SplitQueue;
import org.junit.jupiter.api.AfterAll;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link BlockDevice} fed a hostile driver: the fuzzer's bytes are the queue's setup, the guest
 * memory holding its rings, descriptors, request headers and data, and a program of
 * notifications, driver writes, resets and configuration accesses. Nothing may throw (a buffer
 * outside RAM would make {@code BlockRequestHandler} throw on its iovec bounds check, a bad push
 * would throw in {@link SplitQueue#push}), every notification ends (the input is finite and each
 * pass over the queue is bounded by its size), the images never change size (no write past the
 * capacity), and the read-only image never changes at all.
 *
 * <p>A plain {@code mvn test} replays the committed inputs in
 * {@code src/test/resources/io/jkvm/virtio/blk/BlockDeviceFuzzTestInputs/fuzzDevice/} (made by
 * {@code make-fuzz-seeds.py} beside that directory: reads, writes, flush, get-id, discard,
 * write-zeroes, indirect, malformed and out-of-range requests). To fuzz:
 * <pre>
 * JAZZER_FUZZ=1 JAZZER_MAX_DURATION=2m mvn -o test -Djkvm.test.excludedGroups=kvm -Dtest=BlockDeviceFuzzTest
 * </pre>
 *
 * <p>Input, little-endian, zeros past the end: u8 size selector (below 0xf0: 1 &lt;&lt; (s % 9),
 * else (s &amp; 15) * 3); u8 mode (bit 0 event-idx, bit 1 the three ring addresses follow as
 * u16s, else 0x0/0x1000/0x2000; bit 2 not ready; bit 3 the read-only disk); u16 starting index;
 * u16 blob length (&amp; 0x3fff) and the blob, written at guest address 0 over zeroed RAM. Then
 * op bytes (see the switch).
 */
class BlockDeviceFuzzTest {
    /** RAM: [0, 0x8000) in two adjacent regions, a hole, [0x10000, 0x11000), and 2^63 - 8 KiB. */
    private static final long[][] RAM = {{0, 0x4000}, {0x4000, 0x8000}, {0x10000, 0x11000},
            {0x7fff_ffff_ffff_e000L, 0x7fff_ffff_ffff_f000L}};
    private static final GuestMemory MEMORY = GuestMemory.allocate(List.of(
            new GuestMemory.Range(0x10000, 0x1000), new GuestMemory.Range(0, 0x4000),
            new GuestMemory.Range(0x4000, 0x4000), new GuestMemory.Range(RAM[3][0], 0x1000)));
    private static final byte[] ZEROS = new byte[0x4000];
    /** 16 sectors each: small, so that in-range and out-of-range sectors are both easy to hit. */
    private static final int IMAGE_BYTES = 16 * 512;
    private static final Path DIR;
    private static final BlockDevice WRITABLE, READ_ONLY;
    private static final byte[] READ_ONLY_CONTENT;

    static {
        try {
            DIR = Files.createTempDirectory("jkvm-blk-fuzz");
            byte[] content = new byte[IMAGE_BYTES];
            for (int i = 0; i < content.length; i++) content[i] = (byte) (i * 31 + 7);
            Path rw = Files.write(DIR.resolve("rw.img"), content);
            Path ro = Files.write(DIR.resolve("ro.img"), content);
            READ_ONLY_CONTENT = content;
            GuestErrorLog quiet = new GuestErrorLog(line -> {});
            WRITABLE = new BlockDevice(DiskImage.open(rw, false), "fuzz-rw", quiet);
            READ_ONLY = new BlockDevice(DiskImage.open(ro, true), "fuzz-ro", quiet);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void close() throws IOException {
        WRITABLE.close();
        READ_ONLY.close();
        MEMORY.close();
        try (Stream<Path> s = Files.walk(DIR)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    @FuzzTest
    void fuzzDevice(byte[] data) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        for (long[] r : RAM) MEMORY.write(r[0], Arrays.copyOf(ZEROS, (int) (r[1] - r[0])));
        int sel = u8(in);
        int size = sel < 0xf0 ? 1 << (sel % 9) : (sel & 15) * 3;
        int mode = u8(in);
        long desc = 0, avail = 0x1000, used = 0x2000;
        if ((mode & 2) != 0) {
            desc = u16(in) * 2L;
            avail = u16(in) * 2L;
            used = u16(in) * 2L;
        }
        int start = u16(in);
        int blob = Math.min(u16(in) & 0x3fff, in.remaining());
        MEMORY.write(0, Arrays.copyOfRange(data, in.position(), in.position() + blob));
        in.position(in.position() + blob);
        BlockDevice device = (mode & 8) != 0 ? READ_ONLY : WRITABLE;
        device.reset();
        SplitQueue q = activate(device, new QueueState(size, (mode & 4) == 0, desc, avail, used, start, start, (mode & 1) != 0));
        int ops = 0;
        while (in.hasRemaining() && ops++ < 256) {
            switch (u8(in) % 6) {
                case 0, 1 -> device.notify(0);
                // The driver writes a byte anywhere in the first 32 KiB: a ring index, a descriptor, a header.
                case 2 -> MEMORY.writeByte(u16(in) & 0x7fff, u8(in));
                case 3 -> {
                    // A reset, then the driver sets the queue up again where it was.
                    QueueState s = q.state();
                    device.reset();
                    q = activate(device, s);
                }
                case 4 -> {
                    int offset = u8(in) - 8;
                    device.readConfig(offset, 1 << (u8(in) % 4));
                    device.writeConfig(offset, 4, u16(in));
                }
                default -> device.notify(u8(in) - 1);
            }
        }
        assertEquals(IMAGE_BYTES, WRITABLE.disk().size());
        assertEquals(IMAGE_BYTES, Files.size(WRITABLE.disk().path()), "written past the capacity");
        assertEquals(IMAGE_BYTES, Files.size(READ_ONLY.disk().path()));
        if (device == READ_ONLY) assertArrayEquals(READ_ONLY_CONTENT, Files.readAllBytes(READ_ONLY.disk().path()));
    }

    private static SplitQueue activate(BlockDevice device, QueueState state) {
        SplitQueue q = new SplitQueue(MEMORY, state);
        long features = device.features() | VirtioFeatures.mask(VirtioFeatures.VIRTIO_F_VERSION_1);
        device.activate(new Activation(features, MEMORY, List.of(q), VirtioInterrupt.NONE, () -> {}));
        return q;
    }

    private static int u8(ByteBuffer b) { return b.hasRemaining() ? b.get() & 0xff : 0; }

    private static int u16(ByteBuffer b) { return b.remaining() >= 2 ? b.getShort() & 0xffff : 0; }
}
