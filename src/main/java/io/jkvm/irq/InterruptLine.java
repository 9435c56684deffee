package io.jkvm.irq;

/**
 * One interrupt line from a device to the interrupt controller, level-triggered as ISA and
 * PCI lines are: the device raises it while it has a reason to interrupt and lowers it when
 * the reason is gone. An edge-triggered consumer (the PIC in edge mode) sees the rising edge.
 *
 * <p>Device models call this from vCPU threads or their own worker threads; implementations
 * must be thread-safe and must not block.
 */
public interface InterruptLine {
    /** Drives the line high ({@code true}) or low. Repeating the current level is harmless. */
    void set(boolean high);

    /** A line connected to nothing. */
    InterruptLine NONE = high -> { };
}
