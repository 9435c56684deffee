package io.jkvm.virtio;

import io.jkvm.memory.GuestMemory;
import io.jkvm.virtio.queue.QueueState;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * The guest of the device fuzz targets: SplitQueueFuzzTest's RAM (two adjacent regions, a hole,
 * one page past it, one page near 2^63), and a driver that writes what the fuzzer's bytes say
 * into the first 32 KiB: descriptors, avail ring entries, any byte. Every write stays in RAM, so
 * only the device under test can go wrong.
 */
public final class FuzzGuest {
    /** RAM: [0, 0x8000) in two adjacent regions, a hole, [0x10000, 0x11000), and 2^63 - 8 KiB. */
    public static final long LOW_END = 0x8000;
    private static final long[][] RAM = {{0, 0x4000}, {0x4000, 0x8000}, {0x10000, 0x11000},
            {0x7fff_ffff_ffff_e000L, 0x7fff_ffff_ffff_f000L}};
    private static final byte[] ZEROS = new byte[0x4000];

    private FuzzGuest() {}

    public static GuestMemory allocate() {
        return GuestMemory.allocate(List.of(new GuestMemory.Range(0x10000, 0x1000), new GuestMemory.Range(0, 0x4000),
                new GuestMemory.Range(0x4000, 0x4000), new GuestMemory.Range(RAM[3][0], 0x1000)));
    }

    /** Zeroes RAM, then writes a blob (u16 length &amp; 0x3fff, then its bytes) at address 0. */
    public static void reset(GuestMemory memory, ByteBuffer in) {
        for (long[] r : RAM) memory.write(r[0], java.util.Arrays.copyOf(ZEROS, (int) (r[1] - r[0])));
        int blob = Math.min(u16(in) & 0x3fff, in.remaining());
        byte[] b = new byte[blob];
        in.get(b);
        memory.write(0, b);
    }

    /** Queue size from a selector byte: below 0xf0 a power of two up to 256, else (s &amp; 15) * 3 (often not one). */
    public static int size(int selector) {
        return selector < 0xf0 ? 1 << (selector % 9) : (selector & 15) * 3;
    }

    /**
     * Writes {@code bytes} at {@code gpa} if all of it lies in the low 32 KiB and in this test's
     * RAM (a target may give less than 32 KiB: the driver's write is then dropped, not thrown).
     */
    static void poke(GuestMemory memory, long gpa, byte... bytes) {
        if (gpa >= 0 && gpa + bytes.length <= LOW_END && memory.contains(gpa, bytes.length)) memory.write(gpa, bytes);
    }

    /** The driver's side of one queue at fixed addresses; indices start at {@code start}. */
    public static final class Ring {
        private final GuestMemory memory;
        final int size;
        final long desc, avail, used;
        final boolean ready, eventIdx;
        final int start;
        private int availIdx;

        public Ring(GuestMemory memory, int size, long desc, long avail, long used, boolean ready, boolean eventIdx, int start) {
            this.memory = memory;
            this.size = size;
            this.desc = desc;
            this.avail = avail;
            this.used = used;
            this.ready = ready;
            this.eventIdx = eventIdx;
            this.start = availIdx = start & 0xffff;
        }

        /** What the transport hands the device at DRIVER_OK; after a reset the indices start at 0. */
        public QueueState state(boolean afterReset) {
            int s = afterReset ? 0 : start;
            return new QueueState(size, ready, desc, avail, used, s, s, eventIdx);
        }

        /** Back to the reset state of the driver: its avail index at 0. */
        public void restart() {
            availIdx = 0;
            poke(memory, avail + 2, (byte) 0, (byte) 0);
        }

        /**
         * u8 index, u16 address (x 4: the low RAM, the hole, the page past it, beyond), u16 length,
         * u8 flags (NEXT, WRITE, INDIRECT), u8 next: one descriptor of the table.
         */
        public void descriptor(ByteBuffer in) {
            int i = u8(in) % Math.max(size, 1);
            long addr = u16(in) * 4L;
            int len = u16(in);
            int flags = u8(in) & 7;
            int next = u8(in);
            ByteBuffer d = ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            d.putLong(addr).putInt(len).putShort((short) flags).putShort((short) next);
            poke(memory, desc + 16L * i, d.array());
        }

        /** u8 head: makes it available, as a driver does (§2.7.13): the ring entry, then idx + 1. */
        public void publish(ByteBuffer in) {
            int head = u8(in);
            if (size > 0) poke(memory, avail + 4 + 2L * (availIdx % size), (byte) head, (byte) 0);
            availIdx = (availIdx + 1) & 0xffff;
            poke(memory, avail + 2, (byte) availIdx, (byte) (availIdx >>> 8));
        }

        /** u16: used_event (§2.7.7), or with bit 0 of the next byte the avail flags. */
        public void suppress(ByteBuffer in) {
            int v = u16(in);
            if ((u8(in) & 1) != 0) poke(memory, avail, (byte) v, (byte) 0);
            else poke(memory, avail + 4 + 2L * size, (byte) v, (byte) (v >>> 8));
        }
    }

    /** u16 address &amp; 0x7fff, u8 value: any byte of the low RAM. */
    public static void pokeAny(GuestMemory memory, ByteBuffer in) {
        poke(memory, u16(in) & 0x7fff, (byte) u8(in));
    }

    public static int u8(ByteBuffer b) { return b.hasRemaining() ? b.get() & 0xff : 0; }

    public static int u16(ByteBuffer b) { return b.remaining() >= 2 ? b.getShort() & 0xffff : 0; }
}
