/**
 * The split virtqueue (virtio 1.2 §2.7) seen from the device: {@link io.jkvm.virtio.queue.SplitQueue}
 * takes descriptor chains a hostile driver offers, validated through {@link io.jkvm.memory.DmaRange},
 * and returns them used; pure Java, no KVM and no threads, its state a
 * {@link io.jkvm.virtio.queue.QueueState} record.
 */
package io.jkvm.virtio.queue;
