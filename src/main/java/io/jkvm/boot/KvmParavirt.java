package io.jkvm.boot;

import io.jkvm.kvm.KvmCpuid2;

import java.lang.foreign.MemorySegment;

/**
 * What tells a guest it runs on KVM, as QEMU's {@code -accel kvm -cpu host} tells it: the
 * hypervisor bit CPUID.01H:ECX[31] and KVM's leaves 0x40000000 (signature) and 0x40000001
 * (paravirtual features), Documentation/virt/kvm/x86/cpuid.rst.
 *
 * <p>KVM_GET_SUPPORTED_CPUID (Documentation/virt/kvm/api.rst 4.46) already carries both KVM
 * leaves, with every feature this KVM implements in 0x40000001 EAX, but never the hypervisor
 * bit; QEMU adds that bit itself ({@code kvm_arch_get_supported_cpuid} in
 * target/i386/kvm/kvm.c: "We can set the hypervisor flag, even if KVM does not return it").
 * Linux looks at the 0x40000000 leaves only with the bit set ({@code hypervisor_cpuid_base},
 * called by {@code kvm_cpuid_base}), so without it a Linux guest finds no KVM: no kvm-clock,
 * hence no TSC rate from pvclock, and "tsc: Unable to calibrate against PIT" on a host where the
 * PIT calibration fails.
 *
 * <p>What the VMM has to do for each feature kept here: nothing beyond KVM's in-kernel
 * irqchip. kvmclock, steal time, PV EOI, async PF, poll control are MSRs KVM handles itself;
 * PV unhalt, PV IPIs and PV sched-yield are hypercalls KVM handles itself (QEMU drops PV unhalt
 * without the in-kernel irqchip). KVM_CAP_ENFORCE_PV_FEATURE_CPUID (refuse the MSRs and
 * hypercalls whose bit is clear) stays off, as in QEMU by default.
 */
public final class KvmParavirt {
    /** KVM_CPUID_SIGNATURE: EAX = the highest KVM leaf, EBX ECX EDX = "KVMKVMKVM\0\0\0" (cpuid.rst). */
    public static final int KVM_CPUID_SIGNATURE = 0x4000_0000;
    /** KVM_CPUID_FEATURES: EAX = paravirtual features, EDX = hints (cpuid.rst). */
    public static final int KVM_CPUID_FEATURES = 0x4000_0001;
    /** "KVMK", "VMKV", "M\0\0\0" as the little-endian registers EBX, ECX, EDX. */
    public static final int SIGNATURE_EBX = 0x4b4d_564b;
    public static final int SIGNATURE_ECX = 0x564b_4d56;
    public static final int SIGNATURE_EDX = 0x0000_004d;

    // Feature bits of 0x40000001 EAX (cpuid.rst; arch/x86/include/uapi/asm/kvm_para.h).
    public static final int KVM_FEATURE_CLOCKSOURCE = 0;
    public static final int KVM_FEATURE_NOP_IO_DELAY = 1;
    public static final int KVM_FEATURE_MMU_OP = 2;
    public static final int KVM_FEATURE_CLOCKSOURCE2 = 3;
    public static final int KVM_FEATURE_ASYNC_PF = 4;
    public static final int KVM_FEATURE_STEAL_TIME = 5;
    public static final int KVM_FEATURE_PV_EOI = 6;
    public static final int KVM_FEATURE_PV_UNHALT = 7;
    public static final int KVM_FEATURE_PV_TLB_FLUSH = 9;
    public static final int KVM_FEATURE_ASYNC_PF_VMEXIT = 10;
    public static final int KVM_FEATURE_PV_SEND_IPI = 11;
    public static final int KVM_FEATURE_POLL_CONTROL = 12;
    public static final int KVM_FEATURE_PV_SCHED_YIELD = 13;
    public static final int KVM_FEATURE_ASYNC_PF_INT = 14;
    public static final int KVM_FEATURE_MSI_EXT_DEST_ID = 15;
    public static final int KVM_FEATURE_HC_MAP_GPA_RANGE = 16;
    public static final int KVM_FEATURE_MIGRATION_CONTROL = 17;
    public static final int KVM_FEATURE_CLOCKSOURCE_STABLE_BIT = 24;

    /**
     * The features QEMU's {@code -cpu host} turns on with KVM's in-kernel irqchip: every bit of
     * its FEAT_KVM word (target/i386/cpu.c: kvmclock, kvm-nopiodelay, kvm-asyncpf,
     * kvm-steal-time, kvm-pv-eoi, kvm-pv-unhalt, kvm-pv-tlb-flush, kvm-asyncpf-vmexit,
     * kvm-pv-ipi, kvm-poll-control, kvm-pv-sched-yield, kvm-asyncpf-int,
     * kvmclock-stable-bit) that KVM offers. Left out: MMU_OP (deprecated, never offered),
     * MSI_EXT_DEST_ID (QEMU sets it only with a split irqchip, whose IOAPIC is in user space;
     * jkvm's is in the kernel), HC_MAP_GPA_RANGE and MIGRATION_CONTROL (encrypted guests).
     */
    public static final int QEMU_HOST_FEATURES = bits(KVM_FEATURE_CLOCKSOURCE, KVM_FEATURE_NOP_IO_DELAY,
            KVM_FEATURE_CLOCKSOURCE2, KVM_FEATURE_ASYNC_PF, KVM_FEATURE_STEAL_TIME, KVM_FEATURE_PV_EOI,
            KVM_FEATURE_PV_UNHALT, KVM_FEATURE_PV_TLB_FLUSH, KVM_FEATURE_ASYNC_PF_VMEXIT, KVM_FEATURE_PV_SEND_IPI,
            KVM_FEATURE_POLL_CONTROL, KVM_FEATURE_PV_SCHED_YIELD, KVM_FEATURE_ASYNC_PF_INT,
            KVM_FEATURE_CLOCKSOURCE_STABLE_BIT);

    /**
     * Features that need KVM's in-kernel local APIC: KVM refuses a non-zero write of
     * MSR_KVM_ASYNC_PF_EN without it (arch/x86/kvm/x86.c, kvm_pv_enable_async_pf), PV EOI is an
     * APIC register shortcut, PV unhalt and PV IPIs are delivered through the APICs (QEMU drops
     * PV unhalt without the in-kernel irqchip). The bare machine of {@code jkvm run IMAGE} has
     * no irqchip.
     */
    public static final int NEED_IN_KERNEL_LAPIC = bits(KVM_FEATURE_ASYNC_PF, KVM_FEATURE_ASYNC_PF_VMEXIT,
            KVM_FEATURE_ASYNC_PF_INT, KVM_FEATURE_PV_EOI, KVM_FEATURE_PV_UNHALT, KVM_FEATURE_PV_SEND_IPI);

    /**
     * Features a Linux guest uses through {@code vmcall}/{@code vmmcall} at CPL0: KVM_HC_KICK_CPU
     * (PV unhalt), KVM_HC_SEND_IPI, KVM_HC_SCHED_YIELD. On a nested kvm-pvm host a vmcall at CPL0
     * never returns (HOST-NOTES.md), so there they are withheld even from a kernel booted without
     * {@code nopv}. The other features are MSRs and shared memory, no hypercall.
     */
    public static final int HYPERCALLS = bits(KVM_FEATURE_PV_UNHALT, KVM_FEATURE_PV_SEND_IPI, KVM_FEATURE_PV_SCHED_YIELD);

    private KvmParavirt() {}

    static int bits(int... bits) {
        int mask = 0;
        for (int b : bits) mask |= 1 << b;
        return mask;
    }

    /**
     * The paravirtual features the guest gets out of those KVM offers ({@code kvmOffers}, from
     * KVM_GET_SUPPORTED_CPUID 0x40000001 EAX): QEMU's {@code -cpu host} set, less what needs an
     * in-kernel local APIC when there is none, less the hypercalls when they never return.
     */
    public static int features(int kvmOffers, boolean inKernelLapic, boolean hypercallsReturn) {
        int f = kvmOffers & QEMU_HOST_FEATURES;
        if (!inKernelLapic) f &= ~NEED_IN_KERNEL_LAPIC;
        if (!hypercallsReturn) f &= ~HYPERCALLS;
        return f;
    }

    /**
     * Makes {@code cpuid} (a kvm_cpuid2 from KVM_GET_SUPPORTED_CPUID, with room for more
     * entries) say "KVM" as QEMU's does: sets CPUID.01H:ECX[31], makes 0x40000000 the KVM
     * signature with EAX = 0x40000001 (the highest leaf given: QEMU adds 0x40000010, the TSC and
     * APIC-bus frequencies, only with an invariant TSC of known rate and {@code -cpu host} hides
     * invtsc by default; Linux takes the TSC rate from kvm-clock), and sets 0x40000001 to
     * {@link #features} with no hints (EDX: QEMU's kvm-hint-dedicated is off by default; jkvm
     * cannot promise KVM_HINTS_REALTIME, vCPUs never preempted). Leaves that KVM did not list are
     * appended (with no features: none were offered).
     */
    public static void apply(MemorySegment cpuid, boolean inKernelLapic, boolean hypercallsReturn) {
        CpuidTable.addLeaf1Ecx(cpuid, CpuidTable.ECX_HYPERVISOR);
        int signature = find(cpuid, KVM_CPUID_SIGNATURE);
        if (signature < 0) signature = append(cpuid, KVM_CPUID_SIGNATURE);
        KvmCpuid2.set(cpuid, signature, KvmCpuid2.EAX, KVM_CPUID_FEATURES);
        KvmCpuid2.set(cpuid, signature, KvmCpuid2.EBX, SIGNATURE_EBX);
        KvmCpuid2.set(cpuid, signature, KvmCpuid2.ECX, SIGNATURE_ECX);
        KvmCpuid2.set(cpuid, signature, KvmCpuid2.EDX, SIGNATURE_EDX);
        int features = find(cpuid, KVM_CPUID_FEATURES);
        if (features < 0) features = append(cpuid, KVM_CPUID_FEATURES);
        int offered = KvmCpuid2.get(cpuid, features, KvmCpuid2.EAX);
        KvmCpuid2.set(cpuid, features, KvmCpuid2.EAX, features(offered, inKernelLapic, hypercallsReturn));
        KvmCpuid2.set(cpuid, features, KvmCpuid2.EBX, 0);
        KvmCpuid2.set(cpuid, features, KvmCpuid2.ECX, 0);
        KvmCpuid2.set(cpuid, features, KvmCpuid2.EDX, 0);
    }

    /** The index of the entry for {@code function} (sub-leaf 0), or -1. */
    static int find(MemorySegment cpuid, int function) {
        for (int i = 0; i < KvmCpuid2.count(cpuid); i++) {
            if (KvmCpuid2.get(cpuid, i, KvmCpuid2.FUNCTION) == function && KvmCpuid2.get(cpuid, i, KvmCpuid2.INDEX) == 0) return i;
        }
        return -1;
    }

    private static int append(MemorySegment cpuid, int function) {
        int n = KvmCpuid2.count(cpuid);
        if (KvmCpuid2.sizeFor(n + 1) > cpuid.byteSize()) {
            throw new IllegalStateException("no room for CPUID leaf 0x" + Integer.toHexString(function) + " after " + n + " entries");
        }
        KvmCpuid2.setCount(cpuid, n + 1);
        KvmCpuid2.set(cpuid, n, KvmCpuid2.FUNCTION, function);
        KvmCpuid2.set(cpuid, n, KvmCpuid2.INDEX, 0);
        KvmCpuid2.set(cpuid, n, KvmCpuid2.FLAGS, 0);
        KvmCpuid2.set(cpuid, n, KvmCpuid2.EAX, 0);
        KvmCpuid2.set(cpuid, n, KvmCpuid2.EBX, 0);
        KvmCpuid2.set(cpuid, n, KvmCpuid2.ECX, 0);
        KvmCpuid2.set(cpuid, n, KvmCpuid2.EDX, 0);
        return n;
    }
}
