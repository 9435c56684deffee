package io.jkvm.virtio.queue;

import io.jkvm.memory.DmaRange;

/**
 * One descriptor chain the driver made available (virtio 1.2 §2.7.5, §2.7.13): its head index,
 * for {@link SplitQueue#push}, and its buffers, each a {@link DmaRange} checked once to be guest
 * RAM. The device-readable buffers come first, then the device-writable ones (§2.7.4.2); a
 * device treats the readable ones as one stream of bytes and the writable ones as another, which
 * {@link #read} and {@link #write} copy from and to.
 *
 * <p>A {@link SplitQueue} fills one chain object again on every {@link SplitQueue#pop()}, so the
 * chain is valid until the next pop on that queue: a device that keeps several requests in flight
 * copies out what it needs (the head, the ranges) first.
 */
public final class DescriptorChain {
    private final DmaRange[] buffers;
    private int head;
    private int count;
    private int readable;
    private long readableLength;
    private long writableLength;

    DescriptorChain(int capacity) {
        buffers = new DmaRange[Math.max(capacity, 1)];
    }

    void reset(int head) {
        this.head = head;
        for (int i = 0; i < count; i++) buffers[i] = null;
        count = readable = 0;
        readableLength = writableLength = 0;
    }

    /** Adds a checked buffer; the queue has made sure readable ones come first and that it fits. */
    void add(DmaRange buffer, boolean writable) {
        buffers[count++] = buffer;
        if (writable) {
            writableLength += buffer.length();
        } else {
            readable++;
            readableLength += buffer.length();
        }
    }

    int count() { return count; }

    boolean hasWritable() { return count > readable; }

    /** The index of the chain's head descriptor: what {@link SplitQueue#push} gives back. */
    public int head() { return head; }

    public int readableCount() { return readable; }

    public int writableCount() { return count - readable; }

    /** Device-readable buffer {@code i} (0 &lt;= i &lt; {@link #readableCount()}): gpa() and length(). */
    public DmaRange readable(int i) {
        if (i < 0 || i >= readable) throw new IndexOutOfBoundsException(i);
        return buffers[i];
    }

    /** Device-writable buffer {@code i} (0 &lt;= i &lt; {@link #writableCount()}). */
    public DmaRange writable(int i) {
        if (i < 0 || i >= count - readable) throw new IndexOutOfBoundsException(i);
        return buffers[readable + i];
    }

    /** The readable buffers' lengths added up (at most 2^32, §2.7.5.2). */
    public long readableLength() { return readableLength; }

    /** The writable buffers' lengths added up (at most 2^32). */
    public long writableLength() { return writableLength; }

    /**
     * Copies up to {@code length} bytes of the readable stream, from its byte {@code from}, into
     * {@code dst} at {@code dstOffset}. Returns how many were copied: fewer when the stream ends
     * first, 0 when {@code from} is at or past its end.
     */
    public int read(long from, byte[] dst, int dstOffset, int length) {
        return copy(0, readable, from, dst, dstOffset, length, false);
    }

    /**
     * Copies up to {@code length} bytes of {@code src} from {@code srcOffset} into the writable
     * stream at its byte {@code at}. Returns how many were copied: fewer when the writable
     * buffers end first.
     */
    public int write(long at, byte[] src, int srcOffset, int length) {
        return copy(readable, count, at, src, srcOffset, length, true);
    }

    private int copy(int from, int to, long pos, byte[] array, int arrayOffset, int length, boolean toGuest) {
        if (length < 0 || pos < 0) return 0;
        int done = 0;
        for (int i = from; i < to && done < length; i++) {
            DmaRange b = buffers[i];
            if (pos >= b.length()) {
                pos -= b.length();
                continue;
            }
            int n = (int) Math.min(length - done, b.length() - pos);
            // The ranges were checked when the chain was built: these copies succeed.
            boolean ok = toGuest ? b.write(pos, array, arrayOffset + done, n) : b.read(pos, array, arrayOffset + done, n);
            if (!ok) return done;
            done += n;
            pos = 0;
        }
        return done;
    }
}
