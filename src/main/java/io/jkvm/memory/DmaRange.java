package io.jkvm.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.util.Objects;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * A device's view of the guest-physical range [gpa, gpa + length), for DMA at addresses the
 * guest chose. It is checked once, when {@link GuestMemory#dmaRange} makes it: every byte must be
 * guest RAM, and the range may run from one region into the next only where they are
 * guest-physically contiguous (never across a hole, such as the PC's MMIO hole below 4 GiB).
 * A range that fails the check is {@linkplain #valid() invalid}: nothing is touched through it
 * and every access on it fails. An empty range names no byte and is valid wherever it is.
 *
 * <p>Accesses take offsets relative to the range's start and are bounds-checked against the
 * range. <b>Nothing here throws for a bad guest address or offset</b>: an access outside the
 * range (or on an invalid range) fails, so a device sees a failed access it can report to the
 * guest (a virtio status byte, fw_cfg's ERROR bit):
 * <ul>
 * <li>{@code setU*}, {@code read}, {@code write} and {@link #fill} answer {@code false} and
 *     change nothing;</li>
 * <li>{@code getU8}, {@code getU16} ({@code int}) and {@code getU32} ({@code long}) answer the
 *     value zero-extended, or {@link #FAILED} (-1), which no value can be: test {@code < 0};</li>
 * <li>{@link #getU64} answers {@link #FAILED} too, but -1 is also a u64 value: a device that
 *     must tell them apart checks {@link #contains} once for the span that holds the field
 *     (a whole descriptor, a header) and then reads its fields.</li>
 * </ul>
 * The caller's own buffers are the caller's business: a {@code byte[]}, segment or buffer too
 * small for the requested count throws {@link IndexOutOfBoundsException} as usual in Java.
 *
 * <p>Fields are little-endian, as virtio's (virtio 1.2 §1.4, "le16/le32/le64") and as x86's.
 * Field accesses, the ordered ones and {@code byte[]} copies allocate nothing (the hot path of
 * virtqueue processing); making a range allocates the one object (none when it is invalid), and a
 * range across regions, {@link #fill} and the buffer copies allocate a small view or two.
 * A range is immutable and may be shared between threads; it must not be used after its
 * {@link GuestMemory} is closed.
 *
 * <p>Ring indexes shared with a driver running on other CPUs use the ordered accessors, as
 * Netty's io_uring CompletionQueue reads the kernel's tail with acquire and publishes its head
 * with release: {@link #getU16Acquire}/{@link #getU32Acquire} for what the driver publishes
 * (virtq_avail.idx), {@link #setU16Release}/{@link #setU32Release} for what the device
 * publishes (virtq_used.idx). They must be naturally aligned (virtio 1.2 §2.7 gives the rings
 * 2- and 4-byte alignment); a misaligned one fails. On x86 (TSO) both compile to plain moves;
 * what they add is that neither the JIT nor the CPU moves the neighbouring accesses across them.
 */
public final class DmaRange {
    /** What a failed read answers. */
    public static final int FAILED = -1;

    /** The one invalid range: length 0, every access fails. */
    static final DmaRange INVALID = new DmaRange(false, 0, 0, MemorySegment.NULL, 0, null, null);

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Aligned layouts: the access modes beyond plain get/set need natural alignment. */
    private static final VarHandle U16_ORDERED = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle U32_ORDERED = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    private final boolean valid;
    private final long gpa;
    private final long length;
    /** Within one region (pieces == null): the region's host memory and the range's start in it. */
    private final MemorySegment host;
    private final long hostOffset;
    /** Across regions: piece i is the part in one region, exactly, starting at range offset starts[i]. */
    private final MemorySegment[] pieces;
    private final long[] starts;

    private DmaRange(boolean valid, long gpa, long length, MemorySegment host, long hostOffset,
                     MemorySegment[] pieces, long[] starts) {
        this.valid = valid;
        this.gpa = gpa;
        this.length = length;
        this.host = host;
        this.hostOffset = hostOffset;
        this.pieces = pieces;
        this.starts = starts;
    }

    /**
     * [gpa, gpa + length) of {@code regions} (whose guest-physical bounds {@code regionStarts} and
     * {@code regionEnds} hold, index by index), or {@link #INVALID}. The address is unsigned (a
     * negative {@code gpa} is at or above 2^63, never RAM); a negative length is invalid.
     */
    static DmaRange of(MemoryRegion[] regions, long[] regionStarts, long[] regionEnds, long gpa, long length) {
        if (length < 0) return INVALID;
        if (length == 0) return new DmaRange(true, gpa, 0, MemorySegment.NULL, 0, null, null);
        // The region holding gpa, by the bounds the caller keeps in arrays: this runs once per
        // buffer of every virtqueue request. Starts are below 2^63, so a negative gpa is in none.
        int region = -1;
        for (int i = 0; i < regionStarts.length; i++) {
            if (gpa >= regionStarts[i] && gpa < regionEnds[i]) {
                region = i;
                break;
            }
        }
        if (region < 0) return INVALID;
        MemoryRegion first = regions[region];
        long inFirst = regionEnds[region] - gpa;
        if (length <= inFirst) {
            return new DmaRange(true, gpa, length, first.host(), gpa - regionStarts[region], null, null);
        }
        // Regions end below 2^63, so walking them cannot overflow: gpa + length past 2^64 simply
        // runs out of adjacent regions.
        int count = 1;
        long left = length - inFirst;
        for (MemoryRegion r = first; left > 0; count++) {
            r = startingAt(regions, r.end());
            if (r == null) return INVALID;
            left -= Math.min(left, r.size());
        }
        MemorySegment[] pieces = new MemorySegment[count];
        long[] starts = new long[count];
        pieces[0] = first.host().asSlice(gpa - first.guestPhysAddr(), inFirst);
        long at = inFirst;
        MemoryRegion r = first;
        for (int i = 1; i < count; i++) {
            r = startingAt(regions, r.end());
            long n = Math.min(length - at, r.size());
            pieces[i] = r.host().asSlice(0, n);
            starts[i] = at;
            at += n;
        }
        return new DmaRange(true, gpa, length, null, 0, pieces, starts);
    }

    private static MemoryRegion startingAt(MemoryRegion[] regions, long gpa) {
        for (MemoryRegion r : regions) {
            if (r.guestPhysAddr() == gpa) return r;
        }
        return null;
    }

    /** Whether the whole range is guest RAM; an invalid range has length 0 and fails every access. */
    public boolean valid() { return valid; }

    /** The guest-physical start, as asked for (0 for an invalid range). */
    public long gpa() { return gpa; }

    public long length() { return length; }

    /** Whether [offset, offset + size) lies in this (valid) range: the one check behind every access. */
    public boolean contains(long offset, long size) {
        return valid && offset >= 0 && size >= 0 && offset <= length - size;
    }

    /** The sub-range [offset, offset + length) of this one, or an invalid range when it does not fit. */
    public DmaRange slice(long offset, long length) {
        if (!contains(offset, length)) return INVALID;
        if (pieces == null || length == 0) {
            MemorySegment h = length == 0 ? MemorySegment.NULL : host;
            return new DmaRange(true, gpa + offset, length, h, length == 0 ? 0 : hostOffset + offset, null, null);
        }
        int first = pieceAt(offset);
        int last = pieceAt(offset + length - 1);
        if (first == last) {
            return new DmaRange(true, gpa + offset, length, pieces[first], offset - starts[first], null, null);
        }
        MemorySegment[] p = new MemorySegment[last - first + 1];
        long[] s = new long[p.length];
        for (int i = first; i <= last; i++) {
            long from = Math.max(offset, starts[i]);
            long to = Math.min(offset + length, starts[i] + pieces[i].byteSize());
            p[i - first] = pieces[i].asSlice(from - starts[i], to - from);
            s[i - first] = from - offset;
        }
        return new DmaRange(true, gpa + offset, length, null, 0, p, s);
    }

    // ---- little-endian fields ----

    public int getU8(long offset) {
        if (!contains(offset, 1)) return FAILED;
        if (pieces == null) return Byte.toUnsignedInt(host.get(JAVA_BYTE, hostOffset + offset));
        return (int) spanningGet(offset, 1);
    }

    public int getU16(long offset) {
        if (!contains(offset, 2)) return FAILED;
        if (pieces == null) return Short.toUnsignedInt(host.get(U16, hostOffset + offset));
        return (int) spanningGet(offset, 2);
    }

    public long getU32(long offset) {
        if (!contains(offset, 4)) return FAILED;
        if (pieces == null) return Integer.toUnsignedLong(host.get(U32, hostOffset + offset));
        return spanningGet(offset, 4);
    }

    /** The u64 at {@code offset}, or {@link #FAILED}, which is also a value: see the class comment. */
    public long getU64(long offset) {
        if (!contains(offset, 8)) return FAILED;
        if (pieces == null) return host.get(U64, hostOffset + offset);
        return spanningGet(offset, 8);
    }

    public boolean setU8(long offset, int value) {
        if (!contains(offset, 1)) return false;
        if (pieces == null) host.set(JAVA_BYTE, hostOffset + offset, (byte) value);
        else spanningSet(offset, 1, value);
        return true;
    }

    public boolean setU16(long offset, int value) {
        if (!contains(offset, 2)) return false;
        if (pieces == null) host.set(U16, hostOffset + offset, (short) value);
        else spanningSet(offset, 2, value);
        return true;
    }

    public boolean setU32(long offset, int value) {
        if (!contains(offset, 4)) return false;
        if (pieces == null) host.set(U32, hostOffset + offset, value);
        else spanningSet(offset, 4, value);
        return true;
    }

    public boolean setU64(long offset, long value) {
        if (!contains(offset, 8)) return false;
        if (pieces == null) host.set(U64, hostOffset + offset, value);
        else spanningSet(offset, 8, value);
        return true;
    }

    // ---- ring indexes: acquire loads, release stores ----

    /**
     * Acquire load of a u16 the driver publishes, such as virtq_avail.idx. Acquire: no later load
     * or store of this thread moves before it, so the ring entries and descriptors the driver
     * wrote before this index (it must order them first, virtio 1.2 §2.7.13.3 "Updating idx")
     * are read as the driver wrote them, never as they were before. A plain load would let the
     * JIT hoist those reads above it.
     */
    public int getU16Acquire(long offset) {
        if (!alignedIn(offset, 2)) return FAILED;
        return Short.toUnsignedInt((short) U16_ORDERED.getAcquire(segmentAt(offset), segmentOffset(offset)));
    }

    /** Acquire load of a u32 the other side publishes; the same ordering as {@link #getU16Acquire}. */
    public long getU32Acquire(long offset) {
        if (!alignedIn(offset, 4)) return FAILED;
        return Integer.toUnsignedLong((int) U32_ORDERED.getAcquire(segmentAt(offset), segmentOffset(offset)));
    }

    /**
     * Release store of a u16 the device publishes, such as virtq_used.idx. Release: no earlier
     * load or store of this thread moves after it, so a driver that sees the new index also sees
     * the used elements and buffer bytes written before it (virtio 1.2 §2.7.8: the device
     * writes len and the element before it updates idx). Release does not order this store
     * before a later load: where that matters (writing used idx, then reading the driver's
     * flags or used_event to decide on an interrupt, virtio 1.2 §2.7.10), put
     * {@link VarHandle#fullFence()} between them.
     */
    public boolean setU16Release(long offset, int value) {
        if (!alignedIn(offset, 2)) return false;
        U16_ORDERED.setRelease(segmentAt(offset), segmentOffset(offset), (short) value);
        return true;
    }

    /** Release store of a u32; the same ordering as {@link #setU16Release}. */
    public boolean setU32Release(long offset, int value) {
        if (!alignedIn(offset, 4)) return false;
        U32_ORDERED.setRelease(segmentAt(offset), segmentOffset(offset), value);
        return true;
    }

    /**
     * In range and naturally aligned, in guest-physical and host terms. Regions start on page
     * boundaries, so an aligned access never straddles two of them, and the host address is
     * aligned whenever the guest one is; checking both keeps the VarHandle from ever throwing.
     */
    private boolean alignedIn(long offset, int size) {
        if (!contains(offset, size) || ((gpa + offset) & (size - 1)) != 0) return false;
        return ((segmentAt(offset).address() + segmentOffset(offset)) & (size - 1)) == 0;
    }

    // ---- bytes in and out ----

    /** Copies {@code length} bytes from {@code offset} into {@code dst} at {@code dstOffset}. */
    public boolean read(long offset, byte[] dst, int dstOffset, int length) {
        Objects.checkFromIndexSize(dstOffset, length, dst.length);
        if (!contains(offset, length)) return false;
        if (pieces == null) MemorySegment.copy(host, JAVA_BYTE, hostOffset + offset, dst, dstOffset, length);
        else spanningCopy(offset, MemorySegment.ofArray(dst), dstOffset, length, true);
        return true;
    }

    /** Fills {@code dst} from {@code offset}. */
    public boolean read(long offset, byte[] dst) {
        return read(offset, dst, 0, dst.length);
    }

    /** Copies {@code length} bytes from {@code offset} into {@code dst} at {@code dstOffset}. */
    public boolean read(long offset, MemorySegment dst, long dstOffset, long length) {
        Objects.checkFromIndexSize(dstOffset, length, dst.byteSize());
        if (!contains(offset, length)) return false;
        if (pieces == null) MemorySegment.copy(host, hostOffset + offset, dst, dstOffset, length);
        else spanningCopy(offset, dst, dstOffset, length, true);
        return true;
    }

    /** Copies {@code dst.remaining()} bytes from {@code offset} into {@code dst}, advancing its position. */
    public boolean read(long offset, ByteBuffer dst) {
        if (dst.isReadOnly()) throw new ReadOnlyBufferException();
        int n = dst.remaining();
        if (!read(offset, MemorySegment.ofBuffer(dst), 0, n)) return false;
        dst.position(dst.position() + n);
        return true;
    }

    /** Copies {@code length} bytes of {@code src} from {@code srcOffset} to {@code offset}. */
    public boolean write(long offset, byte[] src, int srcOffset, int length) {
        Objects.checkFromIndexSize(srcOffset, length, src.length);
        if (!contains(offset, length)) return false;
        if (pieces == null) MemorySegment.copy(src, srcOffset, host, JAVA_BYTE, hostOffset + offset, length);
        else spanningCopy(offset, MemorySegment.ofArray(src), srcOffset, length, false);
        return true;
    }

    /**
     * Copies {@code count} little-endian u64s from {@code offset} into {@code dst} from
     * {@code dstIndex}: one bounds check and one bulk copy for a whole table (a virtqueue's
     * descriptors), where a get per field would cost a check and an access each. Answers false
     * and leaves {@code dst} as it was when the range does not hold them all.
     */
    public boolean readU64s(long offset, long[] dst, int dstIndex, int count) {
        Objects.checkFromIndexSize(dstIndex, count, dst.length);
        long bytes = 8L * count;
        if (!contains(offset, bytes)) return false;
        if (pieces == null) {
            MemorySegment.copy(host, U64, hostOffset + offset, dst, dstIndex, count);
        } else {
            spanningCopy(offset, MemorySegment.ofArray(dst), 8L * dstIndex, bytes, true);
            // A long[] holds its elements in the host's order; the guest's are little-endian.
            if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
                for (int i = dstIndex; i < dstIndex + count; i++) dst[i] = Long.reverseBytes(dst[i]);
            }
        }
        return true;
    }

    /**
     * The host memory behind [offset, offset + length) as {@code struct iovec} pairs (host
     * address, byte count), one per region the bytes lie in, written into {@code dst} from pair
     * {@code entry} (index 2 * entry): for a system call that moves the bytes itself (virtio-blk's
     * preadv/pwritev into guest RAM, no copy). Answers how many pairs it wrote, or -1, having
     * written nothing, when the range does not hold the bytes or {@code dst} has no room for them.
     * The addresses stay valid while the {@link GuestMemory} is open.
     */
    public int iovecs(long offset, long length, long[] dst, int entry) {
        if (!contains(offset, length) || length == 0 || entry < 0) return -1;
        if (pieces == null) {
            if (2L * entry + 2 > dst.length) return -1;
            // Checked when the range was made; checked again here, where a jkvm bug would throw
            // rather than hand the kernel an address outside the mapping.
            Objects.checkFromIndexSize(hostOffset + offset, length, host.byteSize());
            dst[2 * entry] = host.address() + hostOffset + offset;
            dst[2 * entry + 1] = length;
            return 1;
        }
        int first = pieceAt(offset), last = pieceAt(offset + length - 1);
        if (2L * (entry + last - first + 1) > dst.length) return -1;
        for (int i = first; i <= last; i++) {
            long from = Math.max(offset, starts[i]);
            long to = Math.min(offset + length, starts[i] + pieces[i].byteSize());
            dst[2 * (entry + i - first)] = pieces[i].address() + (from - starts[i]);
            dst[2 * (entry + i - first) + 1] = to - from;
        }
        return last - first + 1;
    }

    /** Copies all of {@code src} to {@code offset}. */
    public boolean write(long offset, byte[] src) {
        return write(offset, src, 0, src.length);
    }

    /** Copies {@code length} bytes of {@code src} from {@code srcOffset} to {@code offset}. */
    public boolean write(long offset, MemorySegment src, long srcOffset, long length) {
        Objects.checkFromIndexSize(srcOffset, length, src.byteSize());
        if (!contains(offset, length)) return false;
        if (pieces == null) MemorySegment.copy(src, srcOffset, host, hostOffset + offset, length);
        else spanningCopy(offset, src, srcOffset, length, false);
        return true;
    }

    /** Copies {@code src.remaining()} bytes of {@code src} to {@code offset}, advancing its position. */
    public boolean write(long offset, ByteBuffer src) {
        int n = src.remaining();
        if (!write(offset, MemorySegment.ofBuffer(src), 0, n)) return false;
        src.position(src.position() + n);
        return true;
    }

    /** Sets [offset, offset + length) to {@code value}. */
    public boolean fill(long offset, long length, byte value) {
        if (!contains(offset, length)) return false;
        if (length == 0) return true;
        if (pieces == null) {
            host.asSlice(hostOffset + offset, length).fill(value);
            return true;
        }
        for (int i = pieceAt(offset); i < pieces.length && starts[i] < offset + length; i++) {
            long from = Math.max(offset, starts[i]);
            long to = Math.min(offset + length, starts[i] + pieces[i].byteSize());
            pieces[i].asSlice(from - starts[i], to - from).fill(value);
        }
        return true;
    }

    @Override
    public String toString() {
        if (!valid) return "DmaRange[invalid]";
        return String.format("DmaRange[0x%x, +0x%x%s]", gpa, length, pieces == null ? "" : ", " + pieces.length + " regions");
    }

    // ---- ranges across regions (checked by the caller) ----

    /** The piece holding range offset {@code offset} (in the range). */
    private int pieceAt(long offset) {
        int i = pieces.length - 1;
        while (starts[i] > offset) i--;
        return i;
    }

    private MemorySegment segmentAt(long offset) {
        return pieces == null ? host : pieces[pieceAt(offset)];
    }

    private long segmentOffset(long offset) {
        return pieces == null ? hostOffset + offset : offset - starts[pieceAt(offset)];
    }

    private long spanningGet(long offset, int size) {
        int i = pieceAt(offset);
        long in = offset - starts[i];
        MemorySegment p = pieces[i];
        if (in + size <= p.byteSize()) {
            return switch (size) {
                case 1 -> Byte.toUnsignedLong(p.get(JAVA_BYTE, in));
                case 2 -> Short.toUnsignedLong(p.get(U16, in));
                case 4 -> Integer.toUnsignedLong(p.get(U32, in));
                default -> p.get(U64, in);
            };
        }
        long value = 0; // straddles two regions: byte by byte, little-endian
        for (int k = 0; k < size; k++) {
            long o = offset + k;
            int j = pieceAt(o);
            value |= Byte.toUnsignedLong(pieces[j].get(JAVA_BYTE, o - starts[j])) << (8 * k);
        }
        return value;
    }

    private void spanningSet(long offset, int size, long value) {
        for (int k = 0; k < size; k++) {
            long o = offset + k;
            int j = pieceAt(o);
            pieces[j].set(JAVA_BYTE, o - starts[j], (byte) (value >>> (8 * k)));
        }
    }

    /** Copies between the range at {@code offset} and {@code other} at {@code otherOffset}, piece by piece. */
    private void spanningCopy(long offset, MemorySegment other, long otherOffset, long length, boolean out) {
        for (int i = pieceAt(offset); i < pieces.length && starts[i] < offset + length; i++) {
            long from = Math.max(offset, starts[i]);
            long to = Math.min(offset + length, starts[i] + pieces[i].byteSize());
            long at = otherOffset + (from - offset);
            if (out) MemorySegment.copy(pieces[i], from - starts[i], other, at, to - from);
            else MemorySegment.copy(other, at, pieces[i], from - starts[i], to - from);
        }
    }
}
