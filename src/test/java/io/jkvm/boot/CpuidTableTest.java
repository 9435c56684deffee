package io.jkvm.boot;

import io.jkvm.kvm.KvmCpuid2;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link CpuidTable} on a kvm_cpuid2 built in memory, as KVM_GET_SUPPORTED_CPUID would fill it. */
class CpuidTableTest {
    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void close() {
        arena.close();
    }

    /** A table of {@code leaves} (function, index, eax, ebx, ecx, edx each), with room for {@code capacity} entries. */
    private MemorySegment table(int capacity, int[]... leaves) {
        MemorySegment cpuid = arena.allocate(KvmCpuid2.sizeFor(capacity));
        KvmCpuid2.setCount(cpuid, leaves.length);
        for (int i = 0; i < leaves.length; i++) {
            int[] l = leaves[i];
            KvmCpuid2.set(cpuid, i, KvmCpuid2.FUNCTION, l[0]);
            KvmCpuid2.set(cpuid, i, KvmCpuid2.INDEX, l[1]);
            KvmCpuid2.set(cpuid, i, KvmCpuid2.EAX, l[2]);
            KvmCpuid2.set(cpuid, i, KvmCpuid2.EBX, l[3]);
            KvmCpuid2.set(cpuid, i, KvmCpuid2.ECX, l[4]);
            KvmCpuid2.set(cpuid, i, KvmCpuid2.EDX, l[5]);
        }
        return cpuid;
    }

    private MemorySegment typical() {
        return table(8,
                new int[] {0, 0, 0x1f, 0x756e6547, 0x6c65746e, 0x49656e69},
                new int[] {1, 0, 0x000906ea, 0x00100800, 0x80000001, 0x0f8bfbff},
                new int[] {4, 0, 0x1c004121, 0x01c0003f, 0x3f, 0x77},
                new int[] {0xb, 0, 1, 1, 0x100, 0x55},
                new int[] {0xb, 1, 4, 4, 0x201, 0x55},
                new int[] {0x1f, 0, 1, 1, 0x100, 0x55},
                new int[] {0x80000001, 0, 0, 0, 0x121, 0x2c100800});
    }

    private static int get(MemorySegment cpuid, int entry, long field) {
        return KvmCpuid2.get(cpuid, entry, field);
    }

    @Test
    void addLeaf1EcxSetsTheBitsAndKeepsTheRest() {
        MemorySegment cpuid = typical();
        CpuidTable.addLeaf1Ecx(cpuid, CpuidTable.ECX_TSC_DEADLINE);
        assertEquals(0x81000001, get(cpuid, 1, KvmCpuid2.ECX));
        assertEquals(0x81000001, CpuidTable.leaf1Ecx(cpuid));
        CpuidTable.addLeaf1Ecx(cpuid, CpuidTable.ECX_TSC_DEADLINE); // idempotent
        assertEquals(0x81000001, CpuidTable.leaf1Ecx(cpuid));
        // the other registers of leaf 1 and the other leaves are untouched
        assertEquals(0x000906ea, get(cpuid, 1, KvmCpuid2.EAX));
        assertEquals(0x00100800, get(cpuid, 1, KvmCpuid2.EBX));
        assertEquals(0x0f8bfbff, get(cpuid, 1, KvmCpuid2.EDX));
        assertEquals(0x6c65746e, get(cpuid, 0, KvmCpuid2.ECX));
        assertEquals(0x3f, get(cpuid, 2, KvmCpuid2.ECX));
        assertEquals(0x121, get(cpuid, 6, KvmCpuid2.ECX));
    }

    @Test
    void bitConstants() {
        assertEquals(0x0100_0000, CpuidTable.ECX_TSC_DEADLINE);
        assertEquals(0x0020_0000, CpuidTable.ECX_X2APIC);
    }

    @Test
    void addLeaf1EcxSeveralBits() {
        MemorySegment cpuid = table(1, new int[] {1, 0, 0, 0, 0, 0});
        CpuidTable.addLeaf1Ecx(cpuid, CpuidTable.ECX_TSC_DEADLINE | CpuidTable.ECX_X2APIC);
        assertEquals(0x0120_0000, CpuidTable.leaf1Ecx(cpuid));
    }

    @Test
    void withoutLeaf1NothingChangesAndEcxReadsZero() {
        MemorySegment cpuid = table(2, new int[] {0, 0, 0xd, 1, 2, 3}, new int[] {7, 0, 0, 4, 5, 6});
        CpuidTable.addLeaf1Ecx(cpuid, CpuidTable.ECX_TSC_DEADLINE);
        assertEquals(0, CpuidTable.leaf1Ecx(cpuid));
        assertEquals(2, get(cpuid, 0, KvmCpuid2.ECX));
        assertEquals(5, get(cpuid, 1, KvmCpuid2.ECX));
    }

    @Test
    void entriesPastTheCountAreIgnored() {
        MemorySegment cpuid = table(2, new int[] {0, 0, 1, 0, 0, 0});
        // a stale leaf 1 beyond count (KVM leaves the rest of the buffer as it was)
        KvmCpuid2.set(cpuid, 1, KvmCpuid2.FUNCTION, 1);
        KvmCpuid2.set(cpuid, 1, KvmCpuid2.ECX, 0x1234);
        KvmCpuid2.set(cpuid, 1, KvmCpuid2.EBX, 0x00abcdef);
        assertEquals(0, CpuidTable.leaf1Ecx(cpuid));
        CpuidTable.addLeaf1Ecx(cpuid, CpuidTable.ECX_TSC_DEADLINE);
        CpuidTable.setApicId(cpuid, 3);
        assertEquals(0x1234, get(cpuid, 1, KvmCpuid2.ECX));
        assertEquals(0x00abcdef, get(cpuid, 1, KvmCpuid2.EBX));
    }

    @Test
    void setApicIdFillsLeaf1EbxHighByteAndX2apicIds() {
        MemorySegment cpuid = typical();
        CpuidTable.setApicId(cpuid, 5);
        assertEquals(0x05100800, get(cpuid, 1, KvmCpuid2.EBX)); // bits 23:0 kept (logical count 0x10, CLFLUSH 8)
        assertEquals(5, get(cpuid, 3, KvmCpuid2.EDX));          // 0BH subleaf 0
        assertEquals(5, get(cpuid, 4, KvmCpuid2.EDX));          // 0BH subleaf 1
        assertEquals(5, get(cpuid, 5, KvmCpuid2.EDX));          // 1FH
        // nothing else
        assertEquals(0x77, get(cpuid, 2, KvmCpuid2.EDX));
        assertEquals(0x2c100800, get(cpuid, 6, KvmCpuid2.EDX));
        assertEquals(0x0f8bfbff, get(cpuid, 1, KvmCpuid2.EDX));
        assertEquals(0x80000001, get(cpuid, 1, KvmCpuid2.ECX));
        assertEquals(0x100, get(cpuid, 3, KvmCpuid2.ECX));
        assertEquals(1, get(cpuid, 3, KvmCpuid2.EBX));
    }

    @Test
    void setApicIdOverwritesThePreviousVcpusId() {
        MemorySegment cpuid = typical();
        CpuidTable.setApicId(cpuid, 0xff);
        assertEquals(0xff100800, get(cpuid, 1, KvmCpuid2.EBX));
        CpuidTable.setApicId(cpuid, 2);   // the table is reused for the next vCPU
        assertEquals(0x02100800, get(cpuid, 1, KvmCpuid2.EBX));
        assertEquals(2, get(cpuid, 3, KvmCpuid2.EDX));
        CpuidTable.setApicId(cpuid, 0);
        assertEquals(0x00100800, get(cpuid, 1, KvmCpuid2.EBX));
        assertEquals(0, get(cpuid, 5, KvmCpuid2.EDX));
    }

    @Test
    void x2apicIdsAboveAByteAreWholeInLeafB() {
        MemorySegment cpuid = typical();
        CpuidTable.setApicId(cpuid, 0x1234);
        assertEquals(0x1234, get(cpuid, 3, KvmCpuid2.EDX));
        assertEquals(0x34100800, get(cpuid, 1, KvmCpuid2.EBX)); // the 8-bit initial APIC ID: the low byte
    }
}
