package io.jkvm.irq;

import io.jkvm.event.EventFd;
import io.jkvm.event.EventLoop;
import io.jkvm.event.Registration;
import io.jkvm.kvm.VmFd;

/**
 * A level-triggered {@link InterruptLine} into KVM's irqchip through an irqfd with a resample
 * eventfd (api.rst 4.75 KVM_IRQFD, KVM_IRQFD_FLAG_RESAMPLE): the pattern VFIO and virtio use
 * for INTx, with no exit to userspace on the way in.
 * <ol>
 *   <li>{@code set(true)} on a low line writes the irqfd: KVM asserts the GSI, and keeps it
 *       asserted while the guest services it;</li>
 *   <li>the guest EOIs (the IOAPIC entry, or the PIC): KVM de-asserts the GSI and writes the
 *       resample eventfd;</li>
 *   <li>on the event loop, if the device still holds the line high, the irqfd is written again
 *       and the guest sees the interrupt again; otherwise the line stays low.</li>
 * </ol>
 * A {@code set(false)} therefore takes effect at the guest's next EOI, not at once: an
 * interrupt already asserted is still delivered and the guest's handler finds nothing to do, as
 * with any shared level line. Thread-safe; {@link #set} never blocks and allocates nothing.
 */
public final class IrqfdLine implements InterruptLine, AutoCloseable {
    private final VmFd vm;
    private final int gsi;
    private final EventFd irqfd;
    private final EventFd resample;
    private final Registration registration;
    /** Guarded by this. */
    private boolean level;
    private boolean closed;

    IrqfdLine(VmFd vm, int gsi, EventLoop loop) {
        this.vm = vm;
        this.gsi = gsi;
        EventFd i = EventFd.nonBlocking();
        EventFd r = null;
        Registration reg = null;
        boolean assigned = false;
        try {
            r = EventFd.nonBlocking();
            vm.irqfdResample(i.fd(), gsi, r.fd());
            assigned = true;
            reg = loop.register(r, count -> resampled());
        } catch (RuntimeException e) {
            if (assigned) vm.deassignIrqfd(i.fd(), gsi);
            if (r != null) r.close();
            i.close();
            throw e;
        }
        this.irqfd = i;
        this.resample = r;
        this.registration = reg;
    }

    public int gsi() { return gsi; }

    @Override
    public synchronized void set(boolean high) {
        if (closed || high == level) return;
        level = high;
        if (high) irqfd.signal();
    }

    /** Whether the device holds the line high. */
    public synchronized boolean level() { return level; }

    /** On the event loop: the guest EOI'd and KVM de-asserted the GSI; assert it again if still held. */
    private synchronized void resampled() {
        if (!closed && level) irqfd.signal();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        registration.close(); // outside the lock: it waits for a running resampled()
        try {
            vm.deassignIrqfd(irqfd.fd(), gsi);
        } finally {
            irqfd.close();
            resample.close();
        }
    }
}
