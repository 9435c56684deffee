package io.jkvm.virtio.queue;

import io.jkvm.memory.DmaRange;
import io.jkvm.memory.GuestMemory;

import java.lang.invoke.VarHandle;

/**
 * The device side of a split virtqueue (virtio 1.2 §2.7), over guest memory a hostile driver
 * writes. Pure: no KVM, no threads; one device thread uses a queue at a time.
 *
 * <pre>
 * descriptor table (§2.7.5), 16 bytes x size, 16-aligned:
 *   +0 le64 addr | +8 le32 len | +12 le16 flags (NEXT 1, WRITE 2, INDIRECT 4) | +14 le16 next
 * available ring (§2.7.6), driver-written, 2-aligned:
 *   +0 le16 flags (NO_INTERRUPT 1) | +2 le16 idx | +4 le16 ring[size] | +4+2*size le16 used_event
 * used ring (§2.7.8), device-written, 4-aligned:
 *   +0 le16 flags (NO_NOTIFY 1) | +2 le16 idx | +4 {le32 id, le32 len}[size] | +4+8*size le16 avail_event
 * </pre>
 * (Linux's {@code include/uapi/linux/virtio_ring.h}.)
 *
 * <p><b>Errors.</b> Nothing the driver writes makes this class throw or touch memory outside
 * guest RAM. The three rings are checked once, when the queue is made; every buffer once, through
 * {@link GuestMemory#dmaRange}, when its chain is taken. The first thing found wrong (a bad size, a
 * ring outside RAM, avail.idx too far ahead, any malformed chain: see {@link QueueError}) makes
 * the queue {@linkplain #broken() broken}: {@link #pop()} answers null from then on, and the
 * device should set DEVICE_NEEDS_RESET (virtio 1.2 §2.1.2) and wait for a reset, which makes a
 * new queue. The malformed chain is not consumed: {@link #state()} still points at it.
 *
 * <p><b>Allocation.</b> {@link #pop()} refills one {@link DescriptorChain}; the only allocation
 * per request is the one {@link DmaRange} per buffer (and per indirect table) that checks it.
 *
 * <p><b>Use.</b> A device thread on a notification, within {@link #BUDGET}:
 * <pre>
 * int budget = SplitQueue.BUDGET;
 * boolean more;
 * do {
 *     queue.disableNotification();
 *     for (DescriptorChain c; budget > 0 &amp;&amp; (c = queue.pop()) != null; budget--) { ...; queue.push(c.head(), written); }
 *     more = queue.enableNotification();
 * } while (more &amp;&amp; --budget > 0);
 * if (queue.needsNotification()) interrupt.trigger();
 * if (more) kick.accept(queueIndex); // come back after the device thread's other work
 * if (queue.broken()) ... DEVICE_NEEDS_RESET
 * </pre>
 */
public final class SplitQueue {
    // Descriptor flags and fields (§2.7.5).
    public static final int VIRTQ_DESC_F_NEXT = 1;
    public static final int VIRTQ_DESC_F_WRITE = 2;
    public static final int VIRTQ_DESC_F_INDIRECT = 4;
    public static final int DESC_SIZE = 16;
    // Available ring (§2.7.6).
    public static final int VIRTQ_AVAIL_F_NO_INTERRUPT = 1;
    static final int AVAIL_FLAGS = 0, AVAIL_IDX = 2, AVAIL_RING = 4;
    // Used ring (§2.7.8).
    public static final int VIRTQ_USED_F_NO_NOTIFY = 1;
    static final int USED_FLAGS = 0, USED_IDX = 2, USED_RING = 4, USED_ELEM_SIZE = 8;

    /**
     * The most chains plus rounds of the loop above one notification serves. Without a bound a
     * hostile driver could keep the device thread in that loop for good, holding the device's
     * lock so that not even the VM's end gets it: its rings can overlap so that the device's own
     * writes (used.idx, a buffer's data) move avail.idx on every round. Past the budget the
     * device kicks itself ({@link io.jkvm.virtio.VirtioDevice#connectKick}) and its thread comes
     * back after its other work. A full ring of QEMU's and Firecracker's size fits in one.
     */
    public static final int BUDGET = 256;

    private final GuestMemory memory;
    private final int size;
    private final boolean ready;
    private final long descAddr, availAddr, usedAddr;
    private final boolean eventIdx;
    private final DmaRange desc, avail, used;
    private final DescriptorChain chain;
    /**
     * Descriptors being walked, two longs each (addr; len, flags and next): a whole indirect
     * table, or the one entry of the ring's table just read.
     */
    private final long[] descriptors;
    private int nextAvail;
    private int nextUsed;
    /** used.idx when needsNotification last answered, for vring_need_event; invalid after restore. */
    private int signalledUsed;
    private boolean signalledValid;
    private QueueError error = QueueError.NONE;

    /**
     * The queue {@code state} describes, over {@code memory}. A queue that is not ready offers
     * nothing; a ready one with a bad size or rings outside RAM is made {@linkplain #broken() broken}.
     */
    public SplitQueue(GuestMemory memory, QueueState state) {
        this.memory = memory;
        this.size = state.size();
        this.ready = state.ready();
        this.descAddr = state.descTable();
        this.availAddr = state.availRing();
        this.usedAddr = state.usedRing();
        this.eventIdx = state.eventIdx();
        this.nextAvail = state.nextAvail() & 0xffff;
        this.nextUsed = state.nextUsed() & 0xffff;
        boolean sizeOk = size > 0 && size <= QueueState.MAX_SIZE && Integer.bitCount(size) == 1;
        if (ready && sizeOk) {
            // §2.7: alignment 16 / 2 / 4; the ring sizes include used_event and avail_event,
            // which exist whether or not VIRTIO_F_EVENT_IDX is negotiated.
            desc = (descAddr & 15) == 0 ? memory.dmaRange(descAddr, (long) DESC_SIZE * size) : null;
            avail = (availAddr & 1) == 0 ? memory.dmaRange(availAddr, AVAIL_RING + 2L * size + 2) : null;
            used = (usedAddr & 3) == 0 ? memory.dmaRange(usedAddr, USED_RING + (long) USED_ELEM_SIZE * size + 2) : null;
            if (desc == null || avail == null || used == null || !desc.valid() || !avail.valid() || !used.valid()) {
                error = QueueError.RING_OUTSIDE_RAM;
            }
        } else {
            desc = avail = used = null;
            if (ready) error = QueueError.BAD_SIZE;
        }
        int capacity = error == QueueError.NONE && ready ? size : 1;   // the longest chain it can pop
        chain = new DescriptorChain(capacity);
        descriptors = new long[2 * capacity];
    }

    /** The state to save, or to make this queue again from. */
    public QueueState state() {
        return new QueueState(size, ready, descAddr, availAddr, usedAddr, nextAvail, nextUsed, eventIdx);
    }

    public int size() { return size; }

    public boolean ready() { return ready; }

    /** Whether the driver broke the queue; see {@link #error()}. */
    public boolean broken() { return error != QueueError.NONE; }

    /** What broke the queue, or {@link QueueError#NONE}. */
    public QueueError error() { return error; }

    private boolean usable() { return ready && error == QueueError.NONE; }

    /**
     * The next chain the driver made available, or null when there is none, the queue is not
     * ready, or it is (or just became) {@linkplain #broken() broken}. The chain is reused by the
     * next pop.
     */
    public DescriptorChain pop() {
        if (!usable()) return null;
        // Acquire (§2.7.13.3): the ring entry and descriptors the driver wrote before publishing
        // idx are read after it, never as they were before.
        int idx = avail.getU16Acquire(AVAIL_IDX);
        int pending = (idx - nextAvail) & 0xffff;
        if (pending == 0) return null;
        if (pending > size) return fail(QueueError.AVAIL_IDX_TOO_FAR);
        // size is a power of two, so the free-running u16 index wraps onto the ring (§2.7.6).
        int head = avail.getU16(AVAIL_RING + 2L * (nextAvail & (size - 1)));
        if (head < 0 || head >= size) return fail(QueueError.BAD_DESCRIPTOR_INDEX);
        QueueError e = walk(head);
        if (e != QueueError.NONE) return fail(e);
        nextAvail = (nextAvail + 1) & 0xffff;
        if (eventIdx) {
            // §2.7.10: tell the driver which avail index it should notify at. Plain store: the
            // driver reads it after a full barrier of its own; enableNotification adds ours.
            used.setU16(USED_RING + (long) USED_ELEM_SIZE * size, nextAvail);
        }
        return chain;
    }

    private DescriptorChain fail(QueueError e) {
        error = e;
        chain.reset(0);
        return null;
    }

    /**
     * Fills {@link #chain} from descriptor {@code head} (§2.7.5, §2.7.5.3). Bounded: at most
     * {@code size} buffers, plus one indirect descriptor, so a loop ends in CHAIN_TOO_LONG.
     */
    private QueueError walk(int head) {
        chain.reset(head);
        boolean indirect = false;
        int tableSize = size;
        int i = head;
        long total = 0;
        while (true) {
            if (chain.count() >= size) return QueueError.CHAIN_TOO_LONG;
            int at = 2 * i;
            if (!indirect) {
                // One descriptor of the ring's table, in one read; the table was checked to be
                // RAM as a whole, so it succeeds.
                desc.readU64s((long) DESC_SIZE * i, descriptors, 0, 2);
                at = 0;
            }
            // struct virtq_desc (§2.7.5): le64 addr, then le32 len, le16 flags, le16 next in one le64.
            long addr = descriptors[at];
            long word = descriptors[at + 1];
            long len = word & 0xffff_ffffL;
            int flags = (int) (word >>> 32) & 0xffff;
            int next = (int) (word >>> 48);
            if ((flags & VIRTQ_DESC_F_INDIRECT) != 0) {
                // §2.7.5.3.1: never nested, never with NEXT, len a multiple of 16; jkvm takes it
                // only as the head, and no longer than the queue (a chain is at most size long).
                // The WRITE flag of the indirect descriptor itself is ignored, as the spec says.
                if (indirect) return QueueError.NESTED_INDIRECT;
                if ((flags & VIRTQ_DESC_F_NEXT) != 0) return QueueError.INDIRECT_WITH_NEXT;
                if (chain.count() != 0) return QueueError.INDIRECT_NOT_HEAD;
                if (len == 0 || len % DESC_SIZE != 0 || len / DESC_SIZE > size) return QueueError.BAD_INDIRECT_LENGTH;
                DmaRange t = memory.dmaRange(addr, len);
                if (!t.valid()) return QueueError.BUFFER_OUTSIDE_RAM;
                // The whole table in one bulk read (a 1 MiB block request has up to 256 entries),
                // walked from the copy: the driver cannot change an entry between its check and its use.
                t.readU64s(0, descriptors, 0, (int) (len / 8));
                indirect = true;
                tableSize = (int) (len / DESC_SIZE);
                i = 0;
                continue;
            }
            if (len == 0) return QueueError.ZERO_LENGTH;
            boolean writable = (flags & VIRTQ_DESC_F_WRITE) != 0;
            if (!writable && chain.hasWritable()) return QueueError.READABLE_AFTER_WRITABLE;
            total += len;
            if (total > 0x1_0000_0000L) return QueueError.CHAIN_TOO_LARGE;
            DmaRange buffer = memory.dmaRange(addr, len);
            if (!buffer.valid()) return QueueError.BUFFER_OUTSIDE_RAM;
            chain.add(buffer, writable);
            if ((flags & VIRTQ_DESC_F_NEXT) == 0) return QueueError.NONE;
            if (next >= tableSize) return QueueError.BAD_DESCRIPTOR_INDEX;
            i = next;
        }
    }

    /**
     * Returns chain {@code head} to the driver with {@code bytesWritten} bytes written into its
     * writable buffers (§2.7.8, §2.7.14). Does nothing on a queue that is not usable.
     *
     * @throws IllegalArgumentException for a head outside the table or a negative length or one
     *         of 2^32 or more: a device bug, not a driver's
     */
    public void push(int head, long bytesWritten) {
        if (head < 0 || head >= Math.max(size, 1) || bytesWritten < 0 || bytesWritten > 0xffff_ffffL) {
            throw new IllegalArgumentException("push(" + head + ", " + bytesWritten + ") on a queue of " + size);
        }
        if (!usable()) return;
        long elem = USED_RING + (long) USED_ELEM_SIZE * (nextUsed & (size - 1));
        // struct virtq_used_elem: le32 id, le32 len, written as one le64.
        used.setU64(elem, head | bytesWritten << 32);
        nextUsed = (nextUsed + 1) & 0xffff;
        // Release (§2.7.8): the element and the bytes written into the buffers are visible to
        // a driver that sees the new idx.
        used.setU16Release(USED_IDX, nextUsed);
    }

    /**
     * Whether the driver wants a used buffer notification (an interrupt) for what was pushed
     * since the last call that answered. With VIRTIO_F_EVENT_IDX, §2.7.7's used_event and
     * vring_need_event; without, the avail ring's VIRTQ_AVAIL_F_NO_INTERRUPT flag. A broken queue
     * answers true, so the driver looks (and finds the device needing reset).
     */
    public boolean needsNotification() {
        if (!ready) return false;
        if (!usable()) return true;
        // Full fence (§2.7.7, Linux virtqueue_kick_prepare's mirror): our used.idx store must
        // be globally visible before we load used_event/flags, or we and the driver could each
        // miss the other's update and the guest would wait for an interrupt forever.
        VarHandle.fullFence();
        if (eventIdx) {
            int usedEvent = avail.getU16(AVAIL_RING + 2L * size);
            boolean need = !signalledValid || vringNeedEvent(usedEvent, nextUsed, signalledUsed);
            signalledUsed = nextUsed;
            signalledValid = true;
            return need;
        }
        return (avail.getU16(AVAIL_FLAGS) & VIRTQ_AVAIL_F_NO_INTERRUPT) == 0;
    }

    /** Linux's vring_need_event: whether {@code eventIdx} lies in (old, new], modulo 2^16. */
    static boolean vringNeedEvent(int eventIdx, int newIdx, int oldIdx) {
        return ((newIdx - eventIdx - 1) & 0xffff) < ((newIdx - oldIdx) & 0xffff);
    }

    /**
     * Asks the driver not to notify the device while it works through the queue (§2.7.10):
     * VIRTQ_USED_F_NO_NOTIFY without event-idx; with event-idx nothing (avail_event is left
     * where the last pop put it, so at most one notification arrives).
     */
    public void disableNotification() {
        if (!usable() || eventIdx) return;
        used.setU16(USED_FLAGS, VIRTQ_USED_F_NO_NOTIFY);
    }

    /**
     * Asks the driver to notify the device for the next buffer (§2.7.10): avail_event =
     * next_avail with event-idx, the flags cleared without. Returns whether buffers arrived
     * meanwhile, in which case the device must pop again, for the driver may have read the old
     * setting and not notified. An avail.idx more than a ring ahead breaks the queue here, as in
     * {@link #pop()}, and answers false: a driver never makes that many available, but a ring
     * that overlaps the used ring's flags moves with the device's own writes above.
     */
    public boolean enableNotification() {
        if (!usable()) return false;
        if (eventIdx) {
            used.setU16(USED_RING + (long) USED_ELEM_SIZE * size, nextAvail);
        } else {
            used.setU16(USED_FLAGS, 0);
        }
        // Full fence: the store above before the load of avail.idx below (store-load order).
        VarHandle.fullFence();
        int pending = (avail.getU16Acquire(AVAIL_IDX) - nextAvail) & 0xffff;
        if (pending > size) {
            fail(QueueError.AVAIL_IDX_TOO_FAR);
            return false;
        }
        return pending != 0;
    }
}
