/**
 * The virtio-pci modern transport (virtio 1.2 §4.1): a {@link io.jkvm.pci.PciDevice} per
 * {@link io.jkvm.virtio.VirtioDevice}, its vendor-specific capabilities, the common
 * configuration mapped onto {@link io.jkvm.virtio.VirtioTransport}, MSI-X or INTx# interrupts
 * and queue notifications bound as ioeventfds that follow the BAR.
 */
package io.jkvm.virtio.pci;
