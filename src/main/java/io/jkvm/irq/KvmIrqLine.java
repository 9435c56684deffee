package io.jkvm.irq;

import io.jkvm.kvm.VmFd;

/**
 * An {@link InterruptLine} into KVM's in-kernel irqchip: each level change is a KVM_IRQ_LINE
 * on one GSI (for ISA IRQs 0-15, GSI = IRQ, wired to both the PIC and the IOAPIC). Only changes
 * reach the kernel, so a device may repeat its level freely.
 */
public final class KvmIrqLine implements InterruptLine {
    private final VmFd vm;
    private final int gsi;
    private boolean level;

    public KvmIrqLine(VmFd vm, int gsi) {
        this.vm = vm;
        this.gsi = gsi;
    }

    public int gsi() { return gsi; }

    @Override
    public synchronized void set(boolean high) {
        if (high == level) return;
        level = high;
        vm.irqLine(gsi, high);
    }
}
