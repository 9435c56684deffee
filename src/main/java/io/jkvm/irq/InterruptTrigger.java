package io.jkvm.irq;

/**
 * An interrupt that is an event, not a level: an edge on an interrupt controller pin, or one
 * MSI message. Each {@link #trigger} may raise one interrupt; several before the guest takes
 * the first may merge into one (as edges and MSIs merge in an IRR bit on real hardware).
 *
 * <p>Device models call this from vCPU threads or their own threads; implementations are
 * thread-safe, never block, and allocate nothing.
 */
@FunctionalInterface
public interface InterruptTrigger {
    void trigger();

    /** A trigger connected to nothing. */
    InterruptTrigger NONE = () -> { };
}
