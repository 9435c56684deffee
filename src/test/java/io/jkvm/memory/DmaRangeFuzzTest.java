package io.jkvm.memory;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link DmaRange} against a model: guest RAM as byte arrays at addresses with holes, where a
 * range is good when every one of its bytes is RAM and it does not wrap past 2^64, and an access
 * is good when it lies in a good range (and, for the ordered ones, is naturally aligned). The
 * fuzzer's bytes are a program of ranges and accesses; after each step the view must agree with
 * the model (success, values, bytes written), and nothing may throw.
 *
 * <p>A plain {@code mvn test} runs this in Jazzer's regression mode: only the committed inputs in
 * {@code src/test/resources/io/jkvm/memory/DmaRangeFuzzTestInputs/fuzzAgainstModel/} (plus an
 * empty one), in milliseconds. To fuzz for real (findings land in that directory, the corpus in
 * {@code .cifuzz-corpus/}):
 * <pre>
 * JAZZER_FUZZ=1 JAZZER_MAX_DURATION=2m mvn -o test -Djkvm.test.excludedGroups=kvm -Dtest=DmaRangeFuzzTest
 * </pre>
 *
 * <p>Input format, read little-endian; past the end every read is 0. Repeatedly: one op byte
 * ({@code % 20}, see {@link #step}) and its operands, each "pick" a selector byte then:
 * <ul>
 * <li>address: 0 boundary+s8, 1 u64, 2 u16, 3 boundary+s16 (boundary = a u8 index into
 *     {@link #BOUNDARIES});</li>
 * <li>length: 0 u8, 1 u16, 2 u64, 3 (boundary+s8) minus the range's address;</li>
 * <li>offset: 0 s8, 1 range length+s8, 2 u64, 3 u16;</li>
 * <li>count (copies): u16 &amp; 0x3fff; value: u64.</li>
 * </ul>
 */
class DmaRangeFuzzTest {
    private static final long TOP = 0x7fff_ffff_ffff_e000L; // the last page a region may hold
    /** The model's RAM: a stretch of three adjacent regions, holes, jkvm's MMIO hole, the top. */
    private static final long[][] RAM = {
            {0x0000, 0x1000}, {0x1000, 0x3000}, {0x3000, 0x4000},
            {0x6000, 0x7000},
            {0xbfff_f000L, 0xc000_0000L},
            {0x1_0000_0000L, 0x1_0000_1000L},
            {TOP, TOP + 0x1000},
    };
    private static final long[] BOUNDARIES = {
            0, 0x1000, 0x3000, 0x4000, 0x6000, 0x7000, 0xbfff_f000L, 0xc000_0000L, 0x1_0000_0000L,
            0x1_0000_1000L, TOP, TOP + 0x1000, Long.MAX_VALUE, Long.MIN_VALUE, -1L, -0x1000L,
    };
    private static final int OPS = 20;

    private static final GuestMemory MEMORY = allocate();
    /** What RAM holds at the start of each input: address-derived bytes, so reads are telling. */
    private static final byte[][] INITIAL = new byte[RAM.length][];
    private static final byte[][] MODEL = new byte[RAM.length][];

    static {
        for (int i = 0; i < RAM.length; i++) {
            byte[] b = new byte[(int) (RAM[i][1] - RAM[i][0])];
            for (int j = 0; j < b.length; j++) b[j] = (byte) ((RAM[i][0] + j) * 0x9e37_79b9L >>> 24);
            INITIAL[i] = b;
            MODEL[i] = new byte[b.length];
        }
    }

    private static GuestMemory allocate() {
        // Regions handed over out of address order: nothing may depend on it.
        int[] order = {5, 0, 6, 2, 1, 4, 3};
        GuestMemory.Range[] ranges = new GuestMemory.Range[RAM.length];
        for (int i = 0; i < order.length; i++) {
            long[] r = RAM[order[i]];
            ranges[i] = new GuestMemory.Range(r[0], r[1] - r[0]);
        }
        return GuestMemory.allocate(List.of(ranges));
    }

    @AfterAll
    static void close() {
        MEMORY.close();
    }

    @FuzzTest
    void fuzzAgainstModel(byte[] data) {
        reset();
        Input in = new Input(data);
        Current cur = newRange(in);
        while (in.remaining()) cur = step(in, cur);
        for (int i = 0; i < RAM.length; i++) {
            long differs = MEMORY.slice(RAM[i][0], MODEL[i].length).mismatch(MemorySegment.ofArray(MODEL[i]));
            if (differs >= 0) fail("RAM differs from the model at 0x" + Long.toHexString(RAM[i][0] + differs));
        }
    }

    /** A range and what the model says it is. */
    private record Current(DmaRange range, boolean valid, long gpa, long length) {}

    /** Puts {@link #INITIAL} in RAM and in the model. */
    private static void reset() {
        for (int i = 0; i < RAM.length; i++) {
            System.arraycopy(INITIAL[i], 0, MODEL[i], 0, INITIAL[i].length);
            MEMORY.write(RAM[i][0], INITIAL[i]);
        }
    }

    // ---- the model ----

    /** Index into RAM of the region holding {@code gpa}, or -1. */
    private static int modelRegion(long gpa) {
        for (int i = 0; i < RAM.length; i++) {
            if (gpa >= RAM[i][0] && gpa < RAM[i][1]) return i;
        }
        return -1;
    }

    /** Every byte of [gpa, gpa + length) is RAM, counting up without wrapping past 2^64. */
    private static boolean modelValid(long gpa, long length) {
        if (length < 0) return false;
        for (long i = 0; i < length; i++) {
            long a = gpa + i;
            if (i > 0 && a == 0) return false; // wrapped
            if (modelRegion(a) < 0) return false;
        }
        return true;
    }

    private static int modelByte(long gpa) {
        int r = modelRegion(gpa);
        return MODEL[r][(int) (gpa - RAM[r][0])] & 0xff;
    }

    private static void modelSet(long gpa, int b) {
        int r = modelRegion(gpa);
        MODEL[r][(int) (gpa - RAM[r][0])] = (byte) b;
    }

    private static long modelGet(long gpa, int size) {
        long v = 0;
        for (int k = 0; k < size; k++) v |= (long) modelByte(gpa + k) << (8 * k);
        return v;
    }

    /** Whether [offset, offset + size) lies in the model's range. */
    private static boolean fits(Current c, long offset, long size) {
        if (!c.valid || offset < 0 || size < 0) return false;
        long end;
        try {
            end = Math.addExact(offset, size);
        } catch (ArithmeticException e) {
            return false;
        }
        return end <= c.length;
    }

    // ---- the program ----

    private static Current newRange(Input in) {
        long gpa = in.address();
        long length = in.length(gpa);
        DmaRange r = MEMORY.dmaRange(gpa, length);
        Current c = new Current(r, modelValid(gpa, length), gpa, length);
        checkRange(c, () -> "dmaRange(0x" + Long.toHexString(gpa) + ", 0x" + Long.toHexString(length) + ")");
        return c;
    }

    private static void checkRange(Current c, Supplier<String> what) {
        assertEquals(c.valid, c.range.valid(), () -> what.get() + " valid");
        assertEquals(c.valid ? c.length : 0, c.range.length(), () -> what.get() + " length");
        if (c.valid) assertEquals(c.gpa, c.range.gpa(), () -> what.get() + " gpa");
    }

    private static Current step(Input in, Current c) {
        int op = in.u8() % OPS;
        DmaRange r = c.range;
        switch (op) {
            case 0 -> { return newRange(in); }
            case 1 -> {
                long off = in.offset(c);
                long len = in.length(c.gpa + off);
                Current s = new Current(r.slice(off, len), fits(c, off, len), c.gpa + off, len);
                checkRange(s, () -> r + ".slice(" + off + ", " + len + ")");
                return s;
            }
            case 2, 3, 4, 5 -> {
                int size = 1 << (op - 2);
                long off = in.offset(c);
                long expected = fits(c, off, size) ? modelGet(c.gpa + off, size) : DmaRange.FAILED;
                long got = switch (size) {
                    case 1 -> r.getU8(off);
                    case 2 -> r.getU16(off);
                    case 4 -> r.getU32(off);
                    default -> r.getU64(off);
                };
                assertEquals(expected, got, () -> r + " get u" + 8 * size + " at " + off);
            }
            case 6, 7, 8, 9 -> {
                int size = 1 << (op - 6);
                long off = in.offset(c);
                long value = in.u64();
                boolean ok = fits(c, off, size);
                boolean done = switch (size) {
                    case 1 -> r.setU8(off, (int) value);
                    case 2 -> r.setU16(off, (int) value);
                    case 4 -> r.setU32(off, (int) value);
                    default -> r.setU64(off, value);
                };
                assertEquals(ok, done, () -> r + " set u" + 8 * size + " at " + off);
                if (ok) for (int k = 0; k < size; k++) modelSet(c.gpa + off + k, (int) (value >>> (8 * k)));
            }
            case 10, 11 -> {
                int size = op == 10 ? 2 : 4;
                long off = in.offset(c);
                boolean ok = fits(c, off, size) && (c.gpa + off) % size == 0;
                long expected = ok ? modelGet(c.gpa + off, size) : DmaRange.FAILED;
                long got = size == 2 ? r.getU16Acquire(off) : r.getU32Acquire(off);
                assertEquals(expected, got, () -> r + " acquire u" + 8 * size + " at " + off);
            }
            case 12, 13 -> {
                int size = op == 12 ? 2 : 4;
                long off = in.offset(c);
                int value = (int) in.u64();
                boolean ok = fits(c, off, size) && (c.gpa + off) % size == 0;
                boolean done = size == 2 ? r.setU16Release(off, value) : r.setU32Release(off, value);
                assertEquals(ok, done, () -> r + " release u" + 8 * size + " at " + off);
                if (ok) for (int k = 0; k < size; k++) modelSet(c.gpa + off + k, value >>> (8 * k));
            }
            case 14, 17 -> copyOut(in, c, op == 17);
            case 15, 18 -> copyIn(in, c, op == 18);
            case 16 -> {
                long off = in.offset(c);
                long len = in.length(c.gpa + off);
                byte value = (byte) in.u8();
                boolean ok = fits(c, off, len);
                assertEquals(ok, r.fill(off, len, value), () -> r + " fill " + off + "+" + len);
                if (ok) for (long k = 0; k < len; k++) modelSet(c.gpa + off + k, value);
            }
            default -> {
                long off = in.offset(c);
                long len = in.length(c.gpa + off);
                assertEquals(fits(c, off, len), r.contains(off, len), () -> r + " contains " + off + "+" + len);
            }
        }
        return c;
    }

    /** read() into a byte[] or (viaSegment) a native segment or a direct buffer. */
    private static void copyOut(Input in, Current c, boolean viaSegment) {
        long off = in.offset(c);
        int n = in.count();
        int at = in.u8() & 7;
        byte[] dst = new byte[n + at];
        Arrays.fill(dst, (byte) 0xa5);
        boolean ok = fits(c, off, n);
        boolean done;
        if (!viaSegment) {
            done = c.range.read(off, dst, at, n);
        } else if ((at & 1) == 0) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = arena.allocate(dst.length);
                seg.fill((byte) 0xa5);
                done = c.range.read(off, seg, at, n);
                MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, 0, dst, 0, dst.length);
            }
        } else {
            ByteBuffer buf = ByteBuffer.allocateDirect(dst.length).put(dst).position(at);
            done = c.range.read(off, buf);
            assertEquals(done ? dst.length : at, buf.position(), () -> "the buffer moves on only on success");
            buf.get(0, dst);
        }
        assertEquals(ok, done, () -> c.range + " read " + off + "+" + n);
        for (int k = 0; k < dst.length; k++) {
            int expected = ok && k >= at && k < at + n ? modelByte(c.gpa + off + k - at) : 0xa5;
            if ((dst[k] & 0xff) != expected) fail(c.range + " read " + off + "+" + n + ": byte " + k);
        }
    }

    /** write() from a byte[] or (viaSegment) a heap segment or a heap buffer. */
    private static void copyIn(Input in, Current c, boolean viaSegment) {
        long off = in.offset(c);
        int n = in.count();
        long seed = in.u64();
        byte[] src = new byte[n];
        for (int k = 0; k < n; k++) src[k] = (byte) ((seed + k) * 0x2545_f491_4f6c_dd1dL >>> 56);
        boolean ok = fits(c, off, n);
        boolean done;
        if (!viaSegment) done = c.range.write(off, src);
        else if ((seed & 1) == 0) done = c.range.write(off, MemorySegment.ofArray(src), 0, n);
        else {
            ByteBuffer buf = ByteBuffer.wrap(src);
            done = c.range.write(off, buf);
            assertEquals(done ? n : 0, buf.position());
        }
        assertEquals(ok, done, () -> c.range + " write " + off + "+" + n);
        if (ok) for (int k = 0; k < n; k++) modelSet(c.gpa + off + k, src[k]);
    }

    /** The fuzzer's bytes, little-endian; zeros once they run out. */
    private static final class Input {
        private final ByteBuffer b;

        Input(byte[] data) {
            b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        }

        boolean remaining() { return b.hasRemaining(); }

        int u8() { return b.remaining() >= 1 ? b.get() & 0xff : 0; }

        int u16() { return b.remaining() >= 2 ? b.getShort() & 0xffff : 0; }

        long u64() { return b.remaining() >= 8 ? b.getLong() : 0; }

        long boundary() { return BOUNDARIES[u8() % BOUNDARIES.length]; }

        long address() {
            return switch (u8() & 3) {
                case 0 -> boundary() + (byte) u8();
                case 1 -> u64();
                case 2 -> u16();
                default -> boundary() + (short) u16();
            };
        }

        long length(long gpa) {
            return switch (u8() & 3) {
                case 0 -> u8();
                case 1 -> u16();
                case 2 -> u64();
                default -> boundary() + (byte) u8() - gpa;
            };
        }

        long offset(Current c) {
            return switch (u8() & 3) {
                case 0 -> (byte) u8();
                case 1 -> c.range.length() + (byte) u8();
                case 2 -> u64();
                default -> u16();
            };
        }

        int count() { return u16() & 0x3fff; }
    }
}
