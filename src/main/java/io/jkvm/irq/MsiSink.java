package io.jkvm.irq;

/**
 * Where a device's MSI and MSI-X messages go: into the local APICs (KVM_SIGNAL_MSI, or a GSI
 * route fed by an irqfd). The one contract between a PCI function's MSI-X table and the VM.
 *
 * <p>Called from vCPU threads and device threads; implementations are thread-safe, do not
 * block, and never throw on a message the guest programmed badly: they refuse it and say so
 * through the return value (the device may log it, rate-limited).
 */
@FunctionalInterface
public interface MsiSink {
    /** Delivers {@code message}; false if it was not delivered (a bad address, no irqchip). */
    boolean signal(MsiMessage message);

    /** No interrupt controller: every message is refused. */
    MsiSink NONE = message -> false;
}
