package io.jkvm.irq;

import io.jkvm.boot.Layout;
import io.jkvm.event.EventFd;

/**
 * One MSI or MSI-X vector as a GSI route (KVM_IRQ_ROUTING_MSI in the VM's routing table) fired
 * through an irqfd: {@link #trigger} writes the eventfd and KVM sends the message to the local
 * APICs, with no ioctl on the way. When the guest reprograms the vector (address and data in
 * the MSI capability or the MSI-X table), {@link #update} re-routes the GSI.
 *
 * <p>A message outside the local APIC window ({@link MsiMessage#valid}) is not routed: the
 * vector is held back (triggers do nothing) until a valid one is programmed.
 */
public final class MsiRoute implements InterruptTrigger, AutoCloseable {
    private final InterruptRouter router;
    private final int gsi;
    private final EventFd irqfd;
    private volatile MsiMessage message;
    private volatile boolean deliverable;
    private volatile boolean closed;

    MsiRoute(InterruptRouter router, MsiMessage message) {
        this.router = router;
        MsiMessage routed = message.valid() ? message : new MsiMessage(Layout.LOCAL_APIC_ADDR, 0);
        this.gsi = router.addMsi(routed);
        EventFd fd = null;
        try {
            fd = EventFd.nonBlocking();
            router.vm().irqfd(fd.fd(), gsi);
        } catch (RuntimeException e) {
            if (fd != null) fd.close();
            router.removeMsi(gsi);
            throw e;
        }
        this.irqfd = fd;
        this.message = message;
        this.deliverable = message.valid();
    }

    public int gsi() { return gsi; }

    /** The message last programmed (routed only if valid). */
    public MsiMessage message() { return message; }

    @Override
    public void trigger() {
        if (deliverable && !closed) irqfd.signal();
    }

    /**
     * Points the route at {@code next} (KVM_SET_GSI_ROUTING). False, and the vector held back,
     * if {@code next} is not a valid x86 MSI; never throws for a bad message.
     */
    public synchronized boolean update(MsiMessage next) {
        if (closed) return false;
        message = next;
        if (!next.valid()) {
            deliverable = false;
            return false;
        }
        router.setMsi(gsi, next);
        deliverable = true;
        return true;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            router.vm().deassignIrqfd(irqfd.fd(), gsi);
            router.removeMsi(gsi);
        } finally {
            irqfd.close();
        }
    }
}
