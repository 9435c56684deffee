package io.jkvm.boot;

import io.jkvm.kvm.KvmCpuid2;

import java.lang.foreign.MemorySegment;

/**
 * The CPUID table a vCPU gets: what KVM_GET_SUPPORTED_CPUID offers, with this vCPU's APIC ID
 * filled in (Intel SDM vol. 2A, CPUID leaf 01H EBX[31:24] "Initial APIC ID"; leaves 0BH and
 * 1FH EDX "x2APIC ID"). APIC IDs equal the vCPU index.
 */
public final class CpuidTable {
    /** CPUID.01H:ECX bit 21 (Intel SDM vol. 2A, Table 3-10): x2APIC. */
    public static final int ECX_X2APIC = 1 << 21;
    /** CPUID.01H:ECX bit 24: the local APIC timer supports TSC-deadline mode (SDM vol. 3A 11.5.4.1). */
    public static final int ECX_TSC_DEADLINE = 1 << 24;
    /**
     * CPUID.01H:ECX bit 31: the code runs under a hypervisor. Reserved for that use (AMD APM
     * vol. 3, CPUID Fn0000_0001_ECX bit 31; Linux X86_FEATURE_HYPERVISOR); never in
     * KVM_GET_SUPPORTED_CPUID's table: the VMM sets it ({@link KvmParavirt}).
     */
    public static final int ECX_HYPERVISOR = 1 << 31;

    private CpuidTable() {}

    /**
     * Sets feature bits of CPUID.01H:ECX. KVM_GET_SUPPORTED_CPUID leaves out the TSC-deadline
     * bit even when KVM emulates it (Documentation/virt/kvm/api.rst, KVM_CAP_TSC_DEADLINE_TIMER):
     * the VMM adds it, as QEMU's -cpu host does.
     */
    public static void addLeaf1Ecx(MemorySegment cpuid, int bits) {
        for (int i = 0; i < KvmCpuid2.count(cpuid); i++) {
            if (KvmCpuid2.get(cpuid, i, KvmCpuid2.FUNCTION) == 1) {
                KvmCpuid2.set(cpuid, i, KvmCpuid2.ECX, KvmCpuid2.get(cpuid, i, KvmCpuid2.ECX) | bits);
            }
        }
    }

    /** CPUID.01H:ECX as the table has it (0 if leaf 1 is missing). */
    public static int leaf1Ecx(MemorySegment cpuid) {
        for (int i = 0; i < KvmCpuid2.count(cpuid); i++) {
            if (KvmCpuid2.get(cpuid, i, KvmCpuid2.FUNCTION) == 1) return KvmCpuid2.get(cpuid, i, KvmCpuid2.ECX);
        }
        return 0;
    }

    public static void setApicId(MemorySegment cpuid, int apicId) {
        for (int i = 0; i < KvmCpuid2.count(cpuid); i++) {
            int function = KvmCpuid2.get(cpuid, i, KvmCpuid2.FUNCTION);
            if (function == 1) {
                int ebx = KvmCpuid2.get(cpuid, i, KvmCpuid2.EBX);
                KvmCpuid2.set(cpuid, i, KvmCpuid2.EBX, (ebx & 0x00ffffff) | (apicId << 24));
            } else if (function == 0xb || function == 0x1f) {
                KvmCpuid2.set(cpuid, i, KvmCpuid2.EDX, apicId);
            }
        }
    }
}
