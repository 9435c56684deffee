package io.jkvm.boot;

import io.jkvm.kvm.KvmCpuid2;

import java.lang.foreign.MemorySegment;

/**
 * The CPUID table a vCPU gets: what KVM_GET_SUPPORTED_CPUID offers, with this vCPU's APIC ID
 * filled in (Intel SDM vol. 2A, CPUID leaf 01H EBX[31:24] "Initial APIC ID"; leaves 0BH and
 * 1FH EDX "x2APIC ID"). APIC IDs equal the vCPU index.
 */
public final class CpuidTable {
    private CpuidTable() {}

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
