package io.jkvm.virtio;

import io.jkvm.memory.GuestMemory;
import io.jkvm.virtio.queue.SplitQueue;

import java.util.List;

/**
 * What a device is given at DRIVER_OK (virtio 1.2 §3.1.1): the features the driver accepted,
 * guest RAM, its queues as the driver set them up (index = queue number; a queue the driver
 * did not enable is there and not {@linkplain SplitQueue#ready() ready}), how to interrupt the
 * driver, and how to say the device broke (§2.1.2 DEVICE_NEEDS_RESET).
 *
 * @param features   the negotiated feature bits (what the driver wrote to driver_feature and
 *                   the device offered), including VIRTIO_F_VERSION_1
 * @param needsReset called by the device when it cannot go on (a queue is
 *                   {@linkplain SplitQueue#broken() broken}): the transport sets
 *                   DEVICE_NEEDS_RESET in the status and sends a configuration change notification
 */
public record Activation(long features, GuestMemory memory, List<SplitQueue> queues, VirtioInterrupt interrupt,
                         Runnable needsReset) {
    public Activation {
        queues = List.copyOf(queues);
    }

    /** Whether feature bit {@code bit} was negotiated. */
    public boolean has(int bit) {
        return (features & (1L << bit)) != 0;
    }

    public SplitQueue queue(int index) {
        return queues.get(index);
    }
}
