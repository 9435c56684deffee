/**
 * The virtio-mmio transport, version 2 (virtio 1.2 §4.2): {@link io.jkvm.virtio.mmio.VirtioMmio},
 * a register file on the MMIO bus mapped onto {@link io.jkvm.virtio.VirtioTransport}, and
 * {@link io.jkvm.virtio.mmio.MmioInterrupt}, its InterruptStatus behind one level-triggered line;
 * pure register models, no KVM and no threads.
 */
package io.jkvm.virtio.mmio;
