package io.jkvm.irq;

import io.jkvm.event.EventLoop;
import io.jkvm.kvm.KvmCap;
import io.jkvm.kvm.VmFd;

/**
 * A VM's interrupt routing into KVM's in-kernel irqchip through eventfds: level lines with
 * resampling ({@link IrqfdLine}), edges ({@link IrqfdEdge}) and MSI routes ({@link MsiRoute}).
 * It owns the VM's {@link GsiRoutingTable}: one router per VM, or two would overwrite each
 * other's routes. Needs the in-kernel irqchip (KVM_CREATE_IRQCHIP); each kind checks the
 * capabilities it needs when made, and fails naming them.
 */
public final class InterruptRouter {
    private final VmFd vm;
    private final GsiRoutingTable table = new GsiRoutingTable();

    public InterruptRouter(VmFd vm) {
        this.vm = vm;
    }

    VmFd vm() { return vm; }

    /**
     * A level-triggered line on irqchip pin {@code gsi} (0-23) over an irqfd with a resample
     * eventfd (KVM_CAP_IRQFD_RESAMPLE); {@code loop} watches the resample fd.
     */
    public IrqfdLine levelLine(int gsi, EventLoop loop) {
        checkIrqchipGsi(gsi);
        return new IrqfdLine(vm, gsi, loop);
    }

    /** An edge on irqchip pin {@code gsi} (0-23): each trigger pulses the pin through an irqfd. */
    public IrqfdEdge edge(int gsi) {
        checkIrqchipGsi(gsi);
        return new IrqfdEdge(vm, gsi);
    }

    /** An MSI route: a new GSI (24 and up) routed to {@code message}, fired through an irqfd. */
    public MsiRoute msiRoute(MsiMessage message) {
        vm.require(KvmCap.KVM_CAP_IRQ_ROUTING, "an MSI route");
        vm.require(KvmCap.KVM_CAP_IRQFD, "an MSI route");
        return new MsiRoute(this, message);
    }

    /** The routes handed to KVM (a copy of what it holds). */
    public GsiRoutingTable table() { return table; }

    synchronized int addMsi(MsiMessage message) {
        int gsi = table.addMsi(message);
        try {
            commit();
        } catch (RuntimeException e) {
            table.removeMsi(gsi);
            throw e;
        }
        return gsi;
    }

    synchronized void setMsi(int gsi, MsiMessage message) {
        MsiMessage old = table.msi(gsi);
        table.setMsi(gsi, message);
        try {
            commit();
        } catch (RuntimeException e) {
            table.setMsi(gsi, old);
            throw e;
        }
    }

    synchronized void removeMsi(int gsi) {
        table.removeMsi(gsi);
        commit();
    }

    /** KVM_SET_GSI_ROUTING with the whole table: it replaces KVM's, defaults included. */
    private void commit() {
        vm.setGsiRouting(table.routes());
    }

    private static void checkIrqchipGsi(int gsi) {
        if (gsi < 0 || gsi >= GsiRoutingTable.IRQCHIP_GSIS) {
            throw new IllegalArgumentException("GSI " + gsi + " is not an irqchip pin (0-23)");
        }
    }
}
