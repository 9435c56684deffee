package io.jkvm.irq;

import io.jkvm.event.EventFd;
import io.jkvm.kvm.VmFd;

/**
 * An edge on an in-kernel irqchip pin through an irqfd (api.rst 4.75 KVM_IRQFD, no resample):
 * each {@link #trigger} writes the eventfd and KVM pulses the GSI (asserts, then de-asserts),
 * which an edge-triggered IOAPIC entry or PIC input latches. Triggers before the guest takes the
 * interrupt merge into one.
 */
public final class IrqfdEdge implements InterruptTrigger, AutoCloseable {
    private final VmFd vm;
    private final int gsi;
    private final EventFd irqfd = EventFd.nonBlocking();
    private volatile boolean closed;

    IrqfdEdge(VmFd vm, int gsi) {
        this.vm = vm;
        this.gsi = gsi;
        try {
            vm.irqfd(irqfd.fd(), gsi);
        } catch (RuntimeException e) {
            irqfd.close();
            throw e;
        }
    }

    public int gsi() { return gsi; }

    @Override
    public void trigger() {
        if (!closed) irqfd.signal();
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            vm.deassignIrqfd(irqfd.fd(), gsi);
        } finally {
            irqfd.close();
        }
    }
}
