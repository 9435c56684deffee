package io.jkvm.virtio.console;

import io.jkvm.virtio.queue.DescriptorChain;

/**
 * A bounded FIFO of bytes: host input waiting for the guest's receive buffers. Allocates nothing
 * after it is made. Not thread-safe: its device's lock guards it.
 */
final class ByteRing {
    private final byte[] bytes;
    private int head;
    private int count;

    ByteRing(int capacity) {
        bytes = new byte[capacity];
    }

    int size() { return count; }

    int free() { return bytes.length - count; }

    /** Appends as much of {@code src[off, off + len)} as fits; returns how much. */
    int put(byte[] src, int off, int len) {
        int n = Math.min(len, free());
        int tail = (head + count) % bytes.length;
        int first = Math.min(n, bytes.length - tail);
        System.arraycopy(src, off, bytes, tail, first);
        System.arraycopy(src, off + first, bytes, 0, n - first);
        count += n;
        return n;
    }

    /** Moves bytes from the front into {@code chain}'s writable buffers, as many as fit; returns how many. */
    int drainInto(DescriptorChain chain) {
        int n = (int) Math.min(count, chain.writableLength());
        int first = Math.min(n, bytes.length - head);
        int done = chain.write(0, bytes, head, first);
        if (done == first && n > first) done += chain.write(first, bytes, 0, n - first);
        head = (head + done) % bytes.length;
        count -= done;
        return done;
    }
}
