package io.jkvm.kvm;

/**
 * {@code struct kvm_lapic_state} (api.rst 4.57-4.58, KVM_GET_LAPIC / KVM_SET_LAPIC), 1024 bytes:
 * {@code char regs[KVM_APIC_REG_SIZE]}, the local APIC's register page as the xAPIC MMIO layout
 * has it (Intel SDM 3A, 11.4.1, table 11-1: each register at a 16-byte aligned offset).
 */
public final class KvmLapicState {
    /** KVM_APIC_REG_SIZE. */
    public static final long SIZE = 0x400;
    /** Local APIC ID register; bits 31:24 in xAPIC mode. */
    public static final long APIC_ID = 0x20;
    public static final long APIC_LVR = 0x30;
    /** Spurious-interrupt vector register; bit 8 is the software enable. */
    public static final long APIC_SPIV = 0xf0;
    public static final long APIC_LVT0 = 0x350;
    /** Timer current count: KVM_GET_LAPIC computes it from the running timer. */
    public static final long APIC_TMCCT = 0x390;

    private KvmLapicState() {}
}
