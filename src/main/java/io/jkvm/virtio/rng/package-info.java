/**
 * virtio-rng, the entropy device (virtio 1.2 §5.4): {@link io.jkvm.virtio.rng.RngDevice} fills
 * the driver's buffers with bytes from the host's {@code /dev/urandom}, optionally at a limited
 * rate ({@link io.jkvm.virtio.rng.TokenBucket}, retried through a {@link io.jkvm.virtio.rng.DeviceTimer}).
 * The simplest virtio device: copy it to start a new one.
 */
package io.jkvm.virtio.rng;
