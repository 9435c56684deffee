package io.jkvm.virtio.queue;

import io.jkvm.memory.GuestMemory;

/**
 * The driver's side of a split virtqueue, for tests of the queue and of devices: lays the
 * descriptor table, available ring and used ring out in a {@link GuestMemory}, adds chains (direct
 * or through an indirect table) as Linux's virtio_ring does, and reads back what the device used.
 * The shape of rust-vmm's virtio-queue {@code mock.rs}. Raw writers ({@link #writeDescriptor},
 * {@link #publish}, {@link #setAvailIdx}) make malformed queues.
 *
 * <p>Descriptors are handed out in order, round the table, with no free list: enough for tests
 * that use fewer than {@code size} descriptors in flight.
 */
public final class MockDriver {
    /** One buffer of a chain: device-writable or device-readable. */
    public record Buf(long addr, int len, boolean writable) {
        public static Buf in(long addr, int len) { return new Buf(addr, len, false); }
        public static Buf out(long addr, int len) { return new Buf(addr, len, true); }
    }

    private final GuestMemory memory;
    private final int size;
    private final long desc, avail, used;
    private int nextDesc;
    private int availIdx;
    private int startIdx;

    /** A queue of {@code size} at {@code desc}, {@code avail}, {@code used}, zeroed, indices at 0. */
    public MockDriver(GuestMemory memory, int size, long desc, long avail, long used) {
        this.memory = memory;
        this.size = size;
        this.desc = desc;
        this.avail = avail;
        this.used = used;
        memory.write(desc, new byte[16 * size]);
        memory.write(avail, new byte[6 + 2 * size]);
        memory.write(used, new byte[6 + 8 * size]);
    }

    /** Starts both rings' indices at {@code idx} (to test wrap-around near 0xffff). */
    public MockDriver startAt(int idx) {
        availIdx = startIdx = idx & 0xffff;
        writeU16(avail + 2, availIdx);
        writeU16(used + 2, availIdx);
        return this;
    }

    /** The state a transport would hand the device after the driver set this queue up (indices where {@link #startAt} put them). */
    public QueueState state(boolean eventIdx) {
        return new QueueState(size, true, desc, avail, used, startIdx, startIdx, eventIdx);
    }

    public int size() { return size; }

    /** Writes chain {@code bufs} into the table and makes it available; returns its head. */
    public int addChain(Buf... bufs) {
        int head = nextDesc;
        for (int k = 0; k < bufs.length; k++) {
            int i = (head + k) % size;
            boolean last = k == bufs.length - 1;
            int flags = (bufs[k].writable ? SplitQueue.VIRTQ_DESC_F_WRITE : 0) | (last ? 0 : SplitQueue.VIRTQ_DESC_F_NEXT);
            writeDescriptor(i, bufs[k].addr, bufs[k].len, flags, (i + 1) % size);
        }
        nextDesc = (head + bufs.length) % size;
        publish(head);
        return head;
    }

    /** Writes {@code bufs} as an indirect table at {@code table} and makes it available through one descriptor. */
    public int addIndirect(long table, Buf... bufs) {
        writeIndirectTable(table, bufs);
        int head = nextDesc;
        writeDescriptor(head, table, 16 * bufs.length, SplitQueue.VIRTQ_DESC_F_INDIRECT, 0);
        nextDesc = (head + 1) % size;
        publish(head);
        return head;
    }

    /** Writes {@code bufs} as a chained indirect table at {@code table}, entries 0..n-1 in order. */
    public void writeIndirectTable(long table, Buf... bufs) {
        for (int k = 0; k < bufs.length; k++) {
            boolean last = k == bufs.length - 1;
            int flags = (bufs[k].writable ? SplitQueue.VIRTQ_DESC_F_WRITE : 0) | (last ? 0 : SplitQueue.VIRTQ_DESC_F_NEXT);
            writeDescriptorAt(table + 16L * k, bufs[k].addr, bufs[k].len, flags, k + 1);
        }
    }

    public void writeDescriptor(int index, long addr, long len, int flags, int next) {
        writeDescriptorAt(desc + 16L * index, addr, len, flags, next);
    }

    public void writeDescriptorAt(long gpa, long addr, long len, int flags, int next) {
        memory.writeLong(gpa, addr);
        memory.writeInt(gpa + 8, (int) len);
        writeU16(gpa + 12, flags);
        writeU16(gpa + 14, next);
    }

    /** Puts {@code head} in the next avail ring entry and publishes avail.idx + 1 (§2.7.13). */
    public void publish(int head) {
        writeU16(avail + 4 + 2L * (availIdx % size), head);
        setAvailIdx(availIdx + 1);
    }

    /** Writes avail.idx as is. */
    public void setAvailIdx(int idx) {
        availIdx = idx & 0xffff;
        writeU16(avail + 2, availIdx);
    }

    public int availIdx() { return availIdx; }

    public void setAvailFlags(int flags) { writeU16(avail, flags); }

    /** used_event, the driver's "interrupt me when used.idx passes this" (§2.7.7). */
    public void setUsedEvent(int idx) { writeU16(avail + 4 + 2L * size, idx); }

    public int usedIdx() { return readU16(used + 2); }

    public int usedFlags() { return readU16(used); }

    /** avail_event, the device's "notify me when avail.idx passes this" (§2.7.10). */
    public int availEvent() { return readU16(used + 4 + 8L * size); }

    /** The id of used ring entry {@code idx} (free-running). */
    public int usedId(int idx) { return memory.readInt(used + 4 + 8L * (idx % size)); }

    /** The len of used ring entry {@code idx} (free-running). */
    public int usedLen(int idx) { return memory.readInt(used + 8 + 8L * (idx % size)); }

    /** Linux's virtqueue_kick_prepare with event-idx: whether publishing old..new needs a notification. */
    public boolean kickNeeded(int oldIdx, int newIdx) {
        return SplitQueue.vringNeedEvent(availEvent(), newIdx & 0xffff, oldIdx & 0xffff);
    }

    private void writeU16(long gpa, int v) {
        memory.writeByte(gpa, v);
        memory.writeByte(gpa + 1, v >>> 8);
    }

    private int readU16(long gpa) {
        return memory.readByte(gpa) | memory.readByte(gpa + 1) << 8;
    }

    /**
     * A hostile queue of {@code size} that never runs dry: the used ring placed over the
     * available ring at {@code rings}, and the device's next used index one ahead of its next
     * available one, so each used.idx the device publishes makes one more chain available. Every
     * descriptor is a 1-byte device-writable buffer at {@code data} + its index; the ring entries
     * the device reads are the halves of the used elements it wrote (ids and lengths of 0 or 1),
     * valid heads. A device that served it until it ran dry would never stop.
     */
    public static QueueState selfRefillingQueue(GuestMemory memory, int size, long desc, long rings, long data) {
        MockDriver d = new MockDriver(memory, size, desc, rings, rings);
        for (int i = 0; i < size; i++) d.writeDescriptor(i, data + i, 1, SplitQueue.VIRTQ_DESC_F_WRITE, 0);
        d.writeU16(rings + 2, 1);
        return new QueueState(size, true, desc, rings, rings, 0, 1, false);
    }
}
