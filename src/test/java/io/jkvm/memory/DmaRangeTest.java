package io.jkvm.memory;

import io.jkvm.boot.Layout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.Arrays;
import java.util.List;

import static io.jkvm.memory.DmaRange.FAILED;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RAM: [0, 0x10000) and right after it [0x10000, 0x11000) (two regions, one contiguous stretch),
 * a hole, then [4 GiB, 4 GiB + 0x10000).
 */
class DmaRangeTest {
    private static final long A_END = 0x10000;
    private static final long B_END = 0x11000;
    private static final long HIGH = 0x1_0000_0000L;
    private static final long HIGH_END = HIGH + 0x10000;

    private final GuestMemory memory = GuestMemory.allocate(List.of(new GuestMemory.Range(0, A_END),
            new GuestMemory.Range(A_END, B_END - A_END), new GuestMemory.Range(HIGH, HIGH_END - HIGH)));

    @AfterEach
    void close() {
        memory.close();
    }

    private byte[] guest(long gpa, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) b[i] = (byte) memory.readByte(gpa + i); // byte by byte: may span regions
        return b;
    }

    private void fill(long gpa, int length, int value) {
        for (int i = 0; i < length; i++) memory.writeByte(gpa + i, value);
    }

    private static void assertInvalid(DmaRange r, String what) {
        assertFalse(r.valid(), what);
        assertEquals(0, r.length(), what);
        assertFalse(r.contains(0, 0), what + ": not even an empty access");
        assertEquals(FAILED, r.getU8(0), what);
        assertFalse(r.read(0, new byte[0]), what);
        assertFalse(r.fill(0, 0, (byte) 0), what);
    }

    @Test
    void aRangeInsideOneRegionReadsAndWritesLittleEndianFields() {
        DmaRange r = memory.dmaRange(0x1000, 0x100);
        assertTrue(r.valid());
        assertEquals(0x1000, r.gpa());
        assertEquals(0x100, r.length());
        assertTrue(r.setU32(0x10, 0x1122_3344));
        assertArrayEquals(new byte[] {0x44, 0x33, 0x22, 0x11}, guest(0x1010, 4), "little-endian in guest memory");
        assertTrue(r.setU64(0x21, 0x0102_0304_0506_0708L), "unaligned is fine for plain fields");
        assertEquals(0x0102_0304_0506_0708L, memory.readLong(0x1021));
        assertTrue(r.setU16(0x30, 0xbeef));
        assertTrue(r.setU8(0x32, 0x1ab), "only the low byte is stored");
        assertEquals(0xbeef, r.getU16(0x30));
        assertEquals(0xab, r.getU8(0x32));
        assertEquals(0x1122_3344L, r.getU32(0x10));
        assertEquals(0x3344, r.getU16(0x10));
        assertEquals(0x0102_0304_0506_0708L, r.getU64(0x21));
    }

    @Test
    void readsAreUnsignedSoTheFailureValueIsNeverAValue() {
        DmaRange r = memory.dmaRange(0x2000, 16);
        fill(0x2000, 16, 0xff);
        assertEquals(0xff, r.getU8(0));
        assertEquals(0xffff, r.getU16(0));
        assertEquals(0xffff_ffffL, r.getU32(0));
        assertEquals(-1L, r.getU64(0), "u64 all ones reads as -1, the same as FAILED: check contains() first");
        assertTrue(r.contains(8, 8));
    }

    @Test
    void zeroLengthIsValidAnywhereAndTouchesNothing() {
        for (long gpa : new long[] {0, A_END, B_END, 0x5000_0000L, HIGH_END, -1L, Long.MIN_VALUE, Long.MAX_VALUE}) {
            DmaRange r = memory.dmaRange(gpa, 0);
            String what = "empty range at 0x" + Long.toHexString(gpa);
            assertTrue(r.valid(), what);
            assertEquals(gpa, r.gpa(), what);
            assertTrue(r.contains(0, 0), what);
            assertFalse(r.contains(0, 1), what);
            assertTrue(r.read(0, new byte[0]), what);
            assertTrue(r.write(0, new byte[0]), what);
            assertTrue(r.fill(0, 0, (byte) 1), what);
            assertFalse(r.read(0, new byte[1]), what);
            assertEquals(FAILED, r.getU8(0), what);
            assertFalse(r.setU8(0, 1), what);
            assertTrue(r.slice(0, 0).valid(), what);
            assertFalse(r.slice(0, 1).valid(), what);
        }
    }

    @Test
    void aRangeMayEndExactlyAtARegionsEnd() {
        assertTrue(memory.dmaRange(HIGH_END - 8, 8).valid());
        assertTrue(memory.dmaRange(HIGH, HIGH_END - HIGH).valid(), "the whole region");
        assertInvalid(memory.dmaRange(HIGH_END - 8, 9), "one byte past the last region");
        assertInvalid(memory.dmaRange(HIGH_END, 1), "starting at the end");
        assertInvalid(memory.dmaRange(HIGH - 1, 2), "starting just below a region");
        assertTrue(memory.dmaRange(B_END - 1, 1).valid());
        assertInvalid(memory.dmaRange(B_END - 1, 2), "running from RAM into the hole");
        DmaRange last = memory.dmaRange(HIGH_END - 8, 8);
        assertTrue(last.setU64(0, 42));
        assertEquals(42, memory.readLong(HIGH_END - 8));
        assertFalse(last.setU64(1, 42), "past the range's end");
    }

    @Test
    void aRangeRunsAcrossContiguousRegions() {
        long start = A_END - 0x10;
        DmaRange r = memory.dmaRange(start, 0x20);
        assertTrue(r.valid());
        assertEquals(0x20, r.length());
        assertTrue(memory.dmaRange(0, B_END).valid(), "all of the contiguous stretch");
        assertInvalid(memory.dmaRange(0, B_END + 1), "and one byte more");

        assertTrue(r.setU64(0xc, 0x1122_3344_5566_7788L), "a field straddling the regions' seam");
        assertArrayEquals(new byte[] {(byte) 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11}, guest(A_END - 4, 8));
        assertEquals(0x1122_3344_5566_7788L, r.getU64(0xc));
        assertEquals(0x5566_7788L, r.getU32(0xc));
        assertEquals(0x3344_5566L, r.getU32(0xe));
        assertEquals(0x5566, r.getU16(0xe));
        assertEquals(0x44, r.getU8(0x10), "the first byte of the second region");
        assertTrue(r.setU16(0xf, 0xaabb));
        assertArrayEquals(new byte[] {(byte) 0xbb, (byte) 0xaa}, guest(A_END - 1, 2));
        assertTrue(r.setU32(0x12, 0xcafe_f00d), "a field wholly in the second region");
        assertEquals(0xcafe_f00dL, memory.readInt(A_END + 2) & 0xffff_ffffL);

        byte[] data = new byte[0x20];
        for (int i = 0; i < data.length; i++) data[i] = (byte) (i + 1);
        assertTrue(r.write(0, data));
        assertArrayEquals(data, guest(start, 0x20));
        byte[] back = new byte[0x18];
        assertTrue(r.read(4, back, 0, back.length));
        assertArrayEquals(Arrays.copyOfRange(data, 4, 0x1c), back);
        assertTrue(r.fill(0x8, 0x10, (byte) 0x5a));
        assertArrayEquals(new byte[] {8, 0x5a, 0x5a}, guest(start + 7, 3));
        assertArrayEquals(new byte[] {0x5a, 0x19}, guest(start + 0x17, 2));
    }

    @Test
    void iovecsNameTheHostMemoryOfEachRegionARangeLiesIn() {
        DmaRange inOne = memory.dmaRange(0x3000, 0x2000);
        long[] iov = new long[6];
        assertEquals(1, inOne.iovecs(0x100, 0x800, iov, 1));
        assertEquals(memory.slice(0x3100, 1).address(), iov[2]);
        assertEquals(0x800, iov[3]);

        DmaRange across = memory.dmaRange(A_END - 0x100, 0x300);
        assertEquals(2, across.iovecs(0x80, 0x200, iov, 0), "one iovec per region");
        assertEquals(memory.slice(A_END - 0x80, 1).address(), iov[0]);
        assertEquals(0x80, iov[1]);
        assertEquals(memory.slice(A_END, 1).address(), iov[2]);
        assertEquals(0x180, iov[3]);
        assertEquals(1, across.iovecs(0x100, 0x10, iov, 2), "a part wholly in the second region");
        assertEquals(memory.slice(A_END, 1).address(), iov[4]);

        long[] untouched = {7, 7, 7, 7};
        assertEquals(-1, inOne.iovecs(0x1800, 0x900, untouched, 0), "past the range's end");
        assertEquals(-1, inOne.iovecs(0, 0, untouched, 0), "nothing to name");
        assertEquals(-1, across.iovecs(0, 0x300, untouched, 1), "two iovecs, room for one");
        assertEquals(-1, inOne.iovecs(0, 0x10, untouched, 2), "no room at all");
        assertEquals(-1, DmaRange.INVALID.iovecs(0, 1, untouched, 0));
        assertArrayEquals(new long[] {7, 7, 7, 7}, untouched, "a refusal writes nothing");
    }

    @Test
    void u64sAreReadInBulkInsideARegionAndAcrossTheSeam() {
        long start = A_END - 0x18;   // three u64s in each of the two regions
        DmaRange r = memory.dmaRange(start, 0x30);
        for (int i = 0; i < 6; i++) assertTrue(r.setU64(8L * i, 0x0102_0304_0506_0700L + i));
        long[] all = new long[8];
        assertTrue(r.readU64s(0, all, 1, 6));
        assertArrayEquals(new long[] {0, 0x0102_0304_0506_0700L, 0x0102_0304_0506_0701L, 0x0102_0304_0506_0702L,
                0x0102_0304_0506_0703L, 0x0102_0304_0506_0704L, 0x0102_0304_0506_0705L, 0}, all);
        long[] straddling = new long[1];
        assertTrue(r.readU64s(0x14, straddling, 0, 1), "a u64 with four bytes on each side of the seam");
        assertEquals(r.getU64(0x14), straddling[0]);

        DmaRange inOne = memory.dmaRange(0x2000, 0x20);
        assertTrue(inOne.setU64(0x8, 0x8877_6655_4433_2211L));
        long[] one = new long[2];
        assertTrue(inOne.readU64s(0x8, one, 0, 2));
        assertEquals(0x8877_6655_4433_2211L, one[0], "little-endian, as the guest wrote it");

        long[] untouched = {7, 7};
        assertFalse(inOne.readU64s(0x18, untouched, 0, 2), "past the range's end");
        assertFalse(DmaRange.INVALID.readU64s(0, untouched, 0, 1));
        assertArrayEquals(new long[] {7, 7}, untouched, "a failed read leaves the array alone");
        assertThrows(IndexOutOfBoundsException.class, () -> inOne.readU64s(0, new long[1], 0, 2),
                "the caller's array too small is the caller's bug");
    }

    @Test
    void slicesOfASpanningRange() {
        DmaRange r = memory.dmaRange(A_END - 0x100, 0x200);
        for (int i = 0; i < 0x200; i++) assertTrue(r.setU8(i, i));
        DmaRange inFirst = r.slice(0x10, 0x20);
        assertEquals(A_END - 0xf0, inFirst.gpa());
        assertEquals(0x10, inFirst.getU8(0));
        DmaRange inSecond = r.slice(0x180, 0x80);
        assertEquals(A_END + 0x80, inSecond.gpa());
        assertEquals(0x80, inSecond.getU8(0));
        assertEquals(0xff, inSecond.getU8(0x7f));
        assertEquals(FAILED, inSecond.getU8(0x80), "a slice's bounds are its own");
        DmaRange across = r.slice(0xfe, 4);
        assertEquals(0x0100_fffeL, across.getU32(0), "bytes fe ff 00 01, little-endian");
        assertTrue(across.slice(1, 2).valid());
        assertEquals(0x00ff, across.slice(1, 2).getU16(0));
        assertInvalid(r.slice(0x1ff, 2), "past the range");
        assertInvalid(r.slice(-1, 1), "before the range");
    }

    @Test
    void aRangeAcrossTheMmioHoleIsInvalid() {
        // jkvm's own layout: RAM up to the hole at 3 GiB, the rest from 4 GiB. mmap'd with
        // MAP_NORESERVE, so the 3 GiB cost nothing until touched.
        try (GuestMemory pc = GuestMemory.map(Layout.ramRanges(Layout.MMIO_HOLE_START + 0x10000))) {
            long hole = Layout.MMIO_HOLE_START;
            long high = Layout.HIGH_RAM_START;
            assertTrue(pc.dmaRange(hole - 8, 8).valid(), "the last bytes below the hole");
            assertInvalid(pc.dmaRange(hole - 8, 9), "one byte into the hole");
            assertInvalid(pc.dmaRange(hole - 8, high - hole + 16), "across the hole to RAM above 4 GiB");
            assertInvalid(pc.dmaRange(hole, 4), "inside the hole");
            assertInvalid(pc.dmaRange(high - 4, 8), "from the hole into high RAM");
            DmaRange h = pc.dmaRange(high, 0x10000);
            assertTrue(h.valid());
            assertTrue(h.setU32(0xfffc, 7));
            assertEquals(7, pc.readInt(high + 0xfffc));
        }
    }

    @Test
    void addressAndLengthOverflowsAreInvalid() {
        assertInvalid(memory.dmaRange(-8, 8), "the top 8 bytes of the 64-bit space");
        assertInvalid(memory.dmaRange(-1, 2), "wrapping past 2^64 to address 0");
        assertInvalid(memory.dmaRange(-1, 1), "address 2^64 - 1");
        assertInvalid(memory.dmaRange(Long.MIN_VALUE, 1), "address 2^63");
        assertInvalid(memory.dmaRange(Long.MAX_VALUE, 1), "address 2^63 - 1");
        assertInvalid(memory.dmaRange(HIGH, Long.MAX_VALUE), "a length that overflows gpa + length");
        assertInvalid(memory.dmaRange(0, Long.MAX_VALUE), "all of it from 0");
        assertInvalid(memory.dmaRange(0x1000, -1), "a negative length");
        assertInvalid(memory.dmaRange(HIGH + 0x10, -0x10), "a negative length reaching back into RAM");
        assertInvalid(memory.dmaRange(0x5000_0000L, 4), "in the hole");
    }

    @Test
    void badOffsetsFailAndChangeNothing() {
        fill(0x3000, 0x20, 0x55);
        DmaRange r = memory.dmaRange(0x3008, 0x10);
        assertEquals(FAILED, r.getU16(-1), "negative offset");
        assertEquals(FAILED, r.getU32(0xd), "running past the end");
        assertEquals(FAILED, r.getU64(Long.MAX_VALUE), "offset + size overflows");
        assertEquals(FAILED, r.getU8(Long.MIN_VALUE));
        assertEquals(FAILED, r.getU8(0x10));
        assertFalse(r.setU32(-4, 0));
        assertFalse(r.setU64(0x9, 0));
        assertFalse(r.setU16(Long.MAX_VALUE, 0));
        assertFalse(r.write(0x8, new byte[9]));
        assertFalse(r.write(-1, new byte[1]));
        assertFalse(r.fill(0, 0x11, (byte) 0));
        assertFalse(r.fill(0, -1, (byte) 0));
        assertFalse(r.fill(Long.MAX_VALUE, Long.MAX_VALUE, (byte) 0));
        assertFalse(r.contains(0, -1));
        assertFalse(r.contains(Long.MAX_VALUE, 8));
        assertFalse(r.contains(8, Long.MAX_VALUE));
        byte[] into = {1, 2, 3};
        assertFalse(r.read(0xe, into), "a read that fails leaves the buffer alone");
        assertArrayEquals(new byte[] {1, 2, 3}, into);
        byte[] all = new byte[0x20];
        Arrays.fill(all, (byte) 0x55);
        assertArrayEquals(all, guest(0x3000, 0x20), "nothing was written");
        assertTrue(r.setU64(8, 1), "the last field in range is fine");
    }

    @Test
    void anInvalidRangeFailsEveryAccess() {
        DmaRange r = memory.dmaRange(B_END, 0x10);
        assertSame(memory.dmaRange(-1, 5), r, "one shared object: nothing allocated for a refusal");
        assertEquals("DmaRange[invalid]", r.toString());
        assertInvalid(r, "in the hole");
        assertEquals(FAILED, r.getU16(0));
        assertEquals(FAILED, r.getU32(0));
        assertEquals(FAILED, r.getU64(0));
        assertEquals(FAILED, r.getU16Acquire(0));
        assertEquals(FAILED, r.getU32Acquire(0));
        assertFalse(r.setU8(0, 0));
        assertFalse(r.setU16Release(0, 0));
        assertFalse(r.setU32Release(0, 0));
        assertFalse(r.write(0, ByteBuffer.allocate(0)));
        assertFalse(r.slice(0, 0).valid());
    }

    @Test
    void orderedAccessesRoundTripAndNeedNaturalAlignment() {
        DmaRange ring = memory.dmaRange(0x4000, 0x40);
        assertTrue(ring.setU16Release(2, 0xfffe));
        assertEquals(0xfffe, ring.getU16Acquire(2));
        assertEquals(0xfffe, ring.getU16(2), "the same little-endian bytes as the plain accessor");
        assertTrue(ring.setU32Release(4, 0x8000_0001));
        assertEquals(0x8000_0001L, ring.getU32Acquire(4));
        assertArrayEquals(new byte[] {1, 0, 0, (byte) 0x80}, guest(0x4004, 4));

        assertEquals(FAILED, ring.getU16Acquire(1), "misaligned u16");
        assertEquals(FAILED, ring.getU32Acquire(2), "misaligned u32");
        assertFalse(ring.setU16Release(3, 1));
        assertFalse(ring.setU32Release(6, 1));
        assertEquals(FAILED, ring.getU32Acquire(0x40), "past the end");
        assertFalse(ring.setU16Release(-2, 1));

        DmaRange odd = memory.dmaRange(0x4001, 0x10);
        assertEquals(FAILED, odd.getU16Acquire(0), "alignment is the guest address's, not the offset's");
        assertEquals(0xfffe, odd.getU16Acquire(1), "gpa 0x4002");
        assertTrue(odd.setU32Release(3, 9), "gpa 0x4004");
        assertEquals(9, memory.readInt(0x4004));
    }

    @Test
    void orderedAccessesInTheSecondRegionOfASpanningRange() {
        DmaRange r = memory.dmaRange(A_END - 8, 16);
        assertTrue(r.setU32Release(4, 0x0a0b_0c0d), "the last word of the first region");
        assertTrue(r.setU16Release(8, 0x1234), "the first of the second");
        assertEquals(0x0a0b_0c0dL, r.getU32Acquire(4));
        assertEquals(0x1234, r.getU16Acquire(8));
        assertEquals(0x1234, memory.readByte(A_END) | memory.readByte(A_END + 1) << 8);
        assertEquals(0x1234_0a0b_0c0dL, r.getU64(4), "and across the seam, plain");
    }

    @Test
    void copiesToAndFromSegmentsAndBuffers() {
        DmaRange r = memory.dmaRange(A_END - 4, 8); // across the seam
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(16);
            for (int i = 0; i < 16; i++) src.set(ValueLayout.JAVA_BYTE, i, (byte) (0x10 + i));
            assertTrue(r.write(0, src, 4, 8));
            assertArrayEquals(new byte[] {0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b}, guest(A_END - 4, 8));
            MemorySegment dst = arena.allocate(8);
            assertTrue(r.read(2, dst, 1, 6));
            assertEquals(0x16, dst.get(ValueLayout.JAVA_BYTE, 1));
            assertEquals(0x1b, dst.get(ValueLayout.JAVA_BYTE, 6));
            assertFalse(r.read(4, dst, 0, 5), "past the range");
            assertFalse(r.write(-1, src, 0, 1));
        }

        ByteBuffer in = ByteBuffer.allocate(6).position(1).limit(5);
        assertTrue(r.read(1, in));
        assertEquals(5, in.position(), "the buffer's position moves on");
        assertArrayEquals(new byte[] {0, 0x15, 0x16, 0x17, 0x18, 0}, in.array());
        ByteBuffer out = ByteBuffer.allocateDirect(3).put(new byte[] {7, 8, 9}).flip();
        assertTrue(r.write(5, out));
        assertEquals(3, out.position());
        assertArrayEquals(new byte[] {7, 8, 9}, guest(A_END + 1, 3));
        ByteBuffer tooMuch = ByteBuffer.allocate(9);
        assertFalse(r.read(0, tooMuch));
        assertEquals(0, tooMuch.position(), "a failed copy leaves the position alone");
    }

    @Test
    void theCallersOwnBufferIsTheCallersBusiness() {
        DmaRange r = memory.dmaRange(0x1000, 0x100);
        assertThrows(IndexOutOfBoundsException.class, () -> r.read(0, new byte[4], 2, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> r.write(0, new byte[4], -1, 2));
        assertThrows(ReadOnlyBufferException.class, () -> r.read(0, ByteBuffer.allocate(4).asReadOnlyBuffer()));
    }

    @Test
    void aRangeIsAViewOfGuestMemory() {
        DmaRange r = memory.dmaRange(HIGH + 0x100, 8);
        memory.writeLong(HIGH + 0x100, 0x55aa);
        assertEquals(0x55aa, r.getU64(0));
        assertEquals("DmaRange[0x100000100, +0x8]", r.toString());
        assertEquals("DmaRange[0xfff8, +0x10, 2 regions]", memory.dmaRange(A_END - 8, 16).toString());
    }

    @Test
    void regionsMayNotEndPastTwoToTheSixtyThree() {
        assertThrows(IllegalArgumentException.class,
                () -> GuestMemory.allocate(List.of(new GuestMemory.Range(Long.MAX_VALUE & ~0xfffL, 0x2000))));
    }
}
