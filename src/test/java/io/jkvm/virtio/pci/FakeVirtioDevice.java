package io.jkvm.virtio.pci;

import io.jkvm.virtio.Activation;
import io.jkvm.virtio.VirtioDevice;
import io.jkvm.virtio.VirtioFeatures;
import io.jkvm.virtio.queue.DescriptorChain;
import io.jkvm.virtio.queue.SplitQueue;

import java.util.List;

/**
 * A small virtio device for transport tests: entropy's ID, two queues of up to 16, an 8-byte
 * configuration space whose bytes 4-7 the driver may write, feature bit 0 and
 * VIRTIO_F_EVENT_IDX offered. Each notification answers every available chain (its writable
 * bytes filled with 0xab) and sends a used buffer notification when the queue asks for one.
 * Records what the transport did to it.
 */
public class FakeVirtioDevice implements VirtioDevice {
    public static final int QUEUES = 2;
    public static final int MAX_QUEUE_SIZE = 16;
    public static final int CONFIG_SIZE = 8;
    public static final long FEATURES = VirtioFeatures.mask(0, VirtioFeatures.VIRTIO_F_EVENT_IDX);

    public final byte[] configBytes = {1, 2, 3, 4, 5, 6, 7, 8};
    public final List<Integer> notified = new java.util.concurrent.CopyOnWriteArrayList<>();
    public volatile Activation activation;
    /** Sees every chain the device takes, before it is answered (the fuzz target checks them). */
    public volatile java.util.function.Consumer<DescriptorChain> onChain = chain -> { };
    public int activations;
    public int resets;
    public boolean closed;
    private final byte[] fill = new byte[256];

    public FakeVirtioDevice() {
        java.util.Arrays.fill(fill, (byte) 0xab);
    }

    @Override public int deviceId() { return VirtioFeatures.ID_ENTROPY; }

    @Override public String name() { return "fake-virtio"; }

    @Override public long features() { return FEATURES; }

    @Override public int queueCount() { return QUEUES; }

    @Override public int maxQueueSize(int queue) { return MAX_QUEUE_SIZE; }

    @Override public int configSize() { return CONFIG_SIZE; }

    @Override
    public synchronized long readConfig(int offset, int size) {
        long value = 0;
        for (int i = 0; i < size; i++) {
            if (offset + i >= 0 && offset + i < CONFIG_SIZE) value |= (configBytes[offset + i] & 0xffL) << (8 * i);
        }
        return value;
    }

    @Override
    public synchronized void writeConfig(int offset, int size, long value) {
        for (int i = 0; i < size; i++) {
            if (offset + i >= 4 && offset + i < CONFIG_SIZE) configBytes[offset + i] = (byte) (value >>> (8 * i));
        }
    }

    @Override
    public synchronized void activate(Activation activation) {
        this.activation = activation;
        activations++;
    }

    @Override
    public synchronized void notify(int queue) {
        notified.add(queue);
        Activation a = activation;
        if (a == null || queue < 0 || queue >= a.queues().size()) return;
        SplitQueue q = a.queue(queue);
        if (!q.ready()) return;
        boolean used = false;
        for (DescriptorChain c = q.pop(); c != null; c = q.pop()) {
            onChain.accept(c);
            long written = 0;
            for (int i = 0; i < c.writableCount(); i++) {
                int n = (int) Math.min(c.writable(i).length(), fill.length);
                c.writable(i).write(0, fill, 0, n);
                written += n;
            }
            q.push(c.head(), written);
            used = true;
        }
        if (q.broken()) a.needsReset().run();
        else if (used && q.needsNotification()) a.interrupt().queue(queue);
    }

    @Override
    public synchronized void reset() {
        activation = null;
        resets++;
    }

    @Override
    public synchronized void close() {
        closed = true;
    }
}
