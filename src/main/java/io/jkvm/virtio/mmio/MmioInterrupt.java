package io.jkvm.virtio.mmio;

import io.jkvm.irq.InterruptLine;
import io.jkvm.virtio.VirtioInterrupt;

/**
 * virtio-mmio's interrupt (virtio 1.2 §4.2.3.4): the InterruptStatus register and the one
 * dedicated line, which is high while any of its bits is set. A used buffer notification sets
 * bit 0, a configuration change notification bit 1; the driver reads InterruptStatus and writes
 * the bits it handled to InterruptACK, which clears them (§4.2.2.1: a bit stays set "until the
 * driver acknowledges the interrupt"). A reset clears them all.
 *
 * <p>Thread-safe: device threads notify while vCPUs acknowledge. The status and the line change
 * together under one lock, so the line is never left high with no bit set (a level line stuck
 * high is an interrupt storm, which Linux ends by disabling the IRQ) nor low with one set (a lost
 * interrupt). {@link InterruptLine#set} does not block; the line is driven only when the status
 * goes from zero to non-zero or back, so a notification costs at most one irqfd write.
 */
public final class MmioInterrupt implements VirtioInterrupt {
    /** InterruptStatus bit 0: the device used a buffer in at least one queue. */
    public static final int USED_BUFFER = 1;
    /** InterruptStatus bit 1: the configuration space changed (or the device needs a reset, §2.1.2). */
    public static final int CONFIG_CHANGE = 2;

    private final InterruptLine line;
    private int status;

    public MmioInterrupt(InterruptLine line) {
        this.line = line;
    }

    /** InterruptStatus. */
    public synchronized int status() {
        return status;
    }

    /** InterruptACK: clears the bits written; lowers the line when none is left. */
    public synchronized void acknowledge(int bits) {
        if (status == 0) return;
        status &= ~bits;
        if (status == 0) line.set(false);
    }

    /** The device was reset (§4.2.2.1: "Upon reset, the device MUST clear all bits in InterruptStatus"). */
    public synchronized void reset() {
        if (status != 0) line.set(false);
        status = 0;
    }

    /** One queue's notification and another's look the same: the driver scans every queue (§4.2.3.4). */
    @Override
    public void queue(int queue) {
        raise(USED_BUFFER);
    }

    @Override
    public void config() {
        raise(CONFIG_CHANGE);
    }

    private synchronized void raise(int bit) {
        if (status == 0) line.set(true);
        status |= bit;
    }
}
