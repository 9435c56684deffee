package io.jkvm.pci;

/**
 * How a PCI device model raises interrupt vector {@code n}: entry n of its MSI-X table
 * ({@link MsixCapability}). A virtio-pci transport, for instance, raises the vector the driver
 * chose for a queue or for configuration changes.
 *
 * <p>Called from vCPU and device threads; never blocks, never throws.
 */
@FunctionalInterface
public interface VectorTrigger {
    /**
     * Raises vector {@code vector}. Returns true if MSI-X took it (sent it, or set its pending
     * bit while it is masked), false if MSI-X is disabled: the device then signals through its
     * INTx# pin instead ({@link PciConfigSpace#setIntx}), as PCI Local Bus 3.0, 6.8.2 prescribes.
     */
    boolean trigger(int vector);

    /** No MSI-X: every device falls back to INTx. */
    VectorTrigger NONE = vector -> false;
}
