package io.jkvm.virtio;

/**
 * How a device tells the driver something (virtio 1.2 §2.3, §2.7.14): a used buffer
 * notification for a queue, or a configuration change notification. The transport turns each
 * into its interrupt: virtio-mmio sets InterruptStatus and raises its line (§4.2.3.4);
 * virtio-pci sends the queue's or the configuration's MSI-X vector, or sets the ISR and asserts
 * INTx# (§4.1.4.5, §4.1.5.4). Thread-safe; never blocks on host I/O.
 */
public interface VirtioInterrupt {

    /** A used buffer notification for queue {@code queue}. The device asks {@link io.jkvm.virtio.queue.SplitQueue#needsNotification()} first. */
    void queue(int queue);

    /** A configuration change notification (the config space changed, or the device needs reset). */
    void config();

    /** Drops every notification (for tests, and a device with nothing to tell). */
    VirtioInterrupt NONE = new VirtioInterrupt() {
        @Override public void queue(int queue) {}
        @Override public void config() {}
    };
}
