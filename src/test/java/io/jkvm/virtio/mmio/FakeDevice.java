package io.jkvm.virtio.mmio;

import io.jkvm.virtio.Activation;
import io.jkvm.virtio.VirtioDevice;
import io.jkvm.virtio.VirtioFeatures;
import io.jkvm.virtio.queue.DescriptorChain;
import io.jkvm.virtio.queue.SplitQueue;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small virtio device for transport tests: two queues (16 and 8 entries); each chain's
 * readable bytes come back in its writable buffers with every byte plus one; 8 bytes of
 * configuration, the first four read-only (0x11 0x22 0x33 0x44), the last four writable. A
 * broken queue asks for a reset, as a real device does. Counts what the transport calls.
 */
final class FakeDevice implements VirtioDevice {
    static final int ID = VirtioFeatures.ID_ENTROPY;
    /** Device bit 0 and indirect descriptors. */
    static final long FEATURES = 1L | VirtioFeatures.mask(VirtioFeatures.VIRTIO_F_INDIRECT_DESC, VirtioFeatures.VIRTIO_F_EVENT_IDX);
    static final int[] SIZES = {16, 8};

    final AtomicInteger activations = new AtomicInteger();
    final AtomicInteger resets = new AtomicInteger();
    final AtomicInteger notifies = new AtomicInteger();
    final AtomicInteger served = new AtomicInteger();
    volatile Activation activation;
    final byte[] config = {0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0};
    /** Sees each chain the device takes, before it is served (the fuzz test checks its buffers). */
    volatile java.util.function.Consumer<DescriptorChain> inspector = c -> { };
    private final byte[] buffer = new byte[4096];

    @Override public int deviceId() { return ID; }
    @Override public String name() { return "fake"; }
    @Override public long features() { return FEATURES; }
    @Override public int queueCount() { return SIZES.length; }
    @Override public int maxQueueSize(int queue) { return SIZES[queue]; }
    @Override public int configSize() { return config.length; }

    @Override
    public synchronized long readConfig(int offset, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) {
            int at = offset + i;
            if (at >= 0 && at < config.length) v |= (config[at] & 0xffL) << (8 * i);
        }
        return v;
    }

    @Override
    public synchronized void writeConfig(int offset, int size, long value) {
        for (int i = 0; i < size; i++) {
            int at = offset + i;
            if (at >= 4 && at < config.length) config[at] = (byte) (value >>> (8 * i));
        }
    }

    @Override
    public synchronized void activate(Activation a) {
        activations.incrementAndGet();
        activation = a;
    }

    @Override
    public synchronized void notify(int queue) {
        notifies.incrementAndGet();
        Activation a = activation;
        if (a == null || queue < 0 || queue >= a.queues().size()) return;
        SplitQueue q = a.queue(queue);
        if (!q.ready()) return;
        boolean used = false;
        DescriptorChain c;
        while ((c = q.pop()) != null) {
            inspector.accept(c);
            int n = (int) Math.min(c.readableLength(), buffer.length);
            c.read(0, buffer, 0, n);
            for (int i = 0; i < n; i++) buffer[i]++;
            int written = c.write(0, buffer, 0, (int) Math.min(n, c.writableLength()));
            q.push(c.head(), Math.max(written, 0));
            served.incrementAndGet();
            used = true;
        }
        if (q.broken()) a.needsReset().run();
        else if (used && q.needsNotification()) a.interrupt().queue(queue);
    }

    @Override
    public synchronized void reset() {
        resets.incrementAndGet();
        activation = null;
    }

    @Override
    public void close() {}
}
