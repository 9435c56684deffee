package io.jkvm.machine;

import io.jkvm.JkvmException;
import io.jkvm.boot.Layout;
import io.jkvm.kvm.KvmCap;
import io.jkvm.kvm.VmFd;

/** The VM-wide KVM set-up every machine shares. */
final class KvmVmSetup {
    private KvmVmSetup() {}

    /**
     * KVM_SET_TSS_ADDR and KVM_SET_IDENTITY_MAP_ADDR (api.rst 4.48, 4.65): three pages and one
     * page in the MMIO hole that Intel's real-mode emulation needs; harmless elsewhere.
     */
    static void realModeHelpers(VmFd vm) {
        if (vm.checkExtension(KvmCap.KVM_CAP_SET_TSS_ADDR) > 0) vm.setTssAddr(Layout.TSS_ADDR);
        if (vm.checkExtension(KvmCap.KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0) vm.setIdentityMapAddr(Layout.IDENTITY_MAP_ADDR);
    }

    /**
     * KVM's in-kernel PIC, IOAPIC, local APICs (KVM_CREATE_IRQCHIP) and PIT (KVM_CREATE_PIT2);
     * {@code pitReinject} false stops the PIT from catching up on ticks the guest missed.
     */
    static void irqchip(VmFd vm, boolean pitReinject) {
        if (vm.checkExtension(KvmCap.KVM_CAP_IRQCHIP) == 0 || vm.checkExtension(KvmCap.KVM_CAP_PIT2) == 0) {
            throw new JkvmException("this host's KVM has no in-kernel irqchip or PIT (KVM_CAP_IRQCHIP, KVM_CAP_PIT2)");
        }
        vm.createIrqchip();
        vm.createPit2();
        if (!pitReinject) vm.setPitReinject(false);
    }
}
