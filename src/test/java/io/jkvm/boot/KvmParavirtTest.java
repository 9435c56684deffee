package io.jkvm.boot;

import io.jkvm.kvm.KvmCpuid2;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link KvmParavirt} on kvm_cpuid2 tables built in memory, as KVM_GET_SUPPORTED_CPUID fills them. */
class KvmParavirtTest {
    /**
     * 0x40000001 EAX as a 6.1 KVM offers it (arch/x86/kvm/cpuid.c, KVM_CPUID_FEATURES):
     * CLOCKSOURCE NOP_IO_DELAY CLOCKSOURCE2 ASYNC_PF STEAL_TIME PV_EOI PV_UNHALT PV_TLB_FLUSH
     * ASYNC_PF_VMEXIT PV_SEND_IPI POLL_CONTROL PV_SCHED_YIELD ASYNC_PF_INT CLOCKSOURCE_STABLE_BIT.
     */
    private static final int KVM_61_OFFERS = 0x0100_7efb;

    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void close() {
        arena.close();
    }

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

    /** Leaves 0, 1, the two KVM leaves as KVM lists them, and an extended leaf. */
    private MemorySegment supported(int offers) {
        return table(8,
                new int[] {0, 0, 0x10, 0x68747541, 0x444d4163, 0x69746e65},
                new int[] {1, 0, 0x00a00f11, 0x00100800, 0x7ed8320b, 0x178bfbff},
                new int[] {0x40000000, 0, 0x40000001, 0x4b4d564b, 0x564b4d56, 0x4d},
                new int[] {0x40000001, 0, offers, 0, 0, 0},
                new int[] {0x80000000, 0, 0x80000021, 0x68747541, 0x444d4163, 0x69746e65});
    }

    private static int get(MemorySegment cpuid, int entry, long field) {
        return KvmCpuid2.get(cpuid, entry, field);
    }

    private static String signature(MemorySegment cpuid, int entry) {
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(get(cpuid, entry, KvmCpuid2.EBX)).putInt(get(cpuid, entry, KvmCpuid2.ECX)).putInt(get(cpuid, entry, KvmCpuid2.EDX));
        return new String(b.array(), StandardCharsets.US_ASCII);
    }

    @Test
    void theSignatureRegistersSpellKvmkvmkvm() {
        MemorySegment cpuid = table(2);
        KvmParavirt.apply(cpuid, true, true);
        assertEquals("KVMKVMKVM\0\0\0", signature(cpuid, KvmParavirt.find(cpuid, 0x40000000)));
    }

    @Test
    void setsTheHypervisorBitAndKeepsTheRestOfLeaf1() {
        MemorySegment cpuid = supported(KVM_61_OFFERS);
        KvmParavirt.apply(cpuid, true, true);
        assertEquals(0x7ed8320b | 0x8000_0000, get(cpuid, 1, KvmCpuid2.ECX));
        assertEquals(0x8000_0000, CpuidTable.ECX_HYPERVISOR);
        assertEquals(0x178bfbff, get(cpuid, 1, KvmCpuid2.EDX));
        assertEquals(0x00100800, get(cpuid, 1, KvmCpuid2.EBX));
        assertEquals(0x00a00f11, get(cpuid, 1, KvmCpuid2.EAX));
    }

    @Test
    void withTheIrqchipTheGuestGetsWhatQemuCpuHostGives() {
        MemorySegment cpuid = supported(KVM_61_OFFERS);
        KvmParavirt.apply(cpuid, true, true);
        assertEquals(5, KvmCpuid2.count(cpuid), "no entry added");
        assertEquals(0x40000001, get(cpuid, 2, KvmCpuid2.EAX), "highest KVM leaf");
        assertEquals("KVMKVMKVM\0\0\0", signature(cpuid, 2));
        assertEquals(KVM_61_OFFERS, get(cpuid, 3, KvmCpuid2.EAX), "every bit a 6.1 KVM offers is in QEMU's -cpu host set");
        assertEquals(0, get(cpuid, 3, KvmCpuid2.EDX), "no hints");
        assertEquals(0x80000021, get(cpuid, 4, KvmCpuid2.EAX));
    }

    @Test
    void bitsQemuDoesNotTurnOnAreDropped() {
        int offers = KVM_61_OFFERS | 1 << KvmParavirt.KVM_FEATURE_MMU_OP | 1 << KvmParavirt.KVM_FEATURE_MSI_EXT_DEST_ID
                | 1 << KvmParavirt.KVM_FEATURE_HC_MAP_GPA_RANGE | 1 << KvmParavirt.KVM_FEATURE_MIGRATION_CONTROL | 1 << 30;
        assertEquals(KVM_61_OFFERS, KvmParavirt.features(offers, true, true));
    }

    @Test
    void onlyWhatKvmOffersIsGiven() {
        int old = 1 << KvmParavirt.KVM_FEATURE_CLOCKSOURCE | 1 << KvmParavirt.KVM_FEATURE_CLOCKSOURCE2
                | 1 << KvmParavirt.KVM_FEATURE_NOP_IO_DELAY;
        MemorySegment cpuid = supported(old);
        KvmParavirt.apply(cpuid, true, true);
        assertEquals(old, get(cpuid, 3, KvmCpuid2.EAX));
    }

    @Test
    void withoutAnIrqchipNothingThatNeedsTheLocalApic() {
        int f = KvmParavirt.features(KVM_61_OFFERS, false, true);
        assertEquals(0, f & (1 << KvmParavirt.KVM_FEATURE_ASYNC_PF | 1 << KvmParavirt.KVM_FEATURE_ASYNC_PF_INT
                | 1 << KvmParavirt.KVM_FEATURE_ASYNC_PF_VMEXIT | 1 << KvmParavirt.KVM_FEATURE_PV_EOI
                | 1 << KvmParavirt.KVM_FEATURE_PV_UNHALT | 1 << KvmParavirt.KVM_FEATURE_PV_SEND_IPI));
        // kvm-clock and the rest stay
        assertEquals(KvmParavirt.bits(0, 1, 3, 5, 9, 12, 13, 24), f);
    }

    @Test
    void whereHypercallsNeverReturnNoFeatureThatMakesOne() {
        int f = KvmParavirt.features(KVM_61_OFFERS, true, false);
        assertEquals(KVM_61_OFFERS & ~KvmParavirt.bits(7, 11, 13), f);
        assertEquals(KvmParavirt.bits(0, 1, 3, 5, 9, 12, 24), KvmParavirt.features(KVM_61_OFFERS, false, false));
    }

    @Test
    void missingKvmLeavesAreAppended() {
        MemorySegment cpuid = table(4, new int[] {0, 0, 0xd, 1, 2, 3}, new int[] {1, 0, 0, 0, 0, 0});
        KvmParavirt.apply(cpuid, true, true);
        assertEquals(4, KvmCpuid2.count(cpuid));
        assertEquals(0x8000_0000, CpuidTable.leaf1Ecx(cpuid));
        assertEquals(0x40000000, get(cpuid, 2, KvmCpuid2.FUNCTION));
        assertEquals(0x40000001, get(cpuid, 2, KvmCpuid2.EAX));
        assertEquals("KVMKVMKVM\0\0\0", signature(cpuid, 2));
        assertEquals(0x40000001, get(cpuid, 3, KvmCpuid2.FUNCTION));
        assertEquals(0, get(cpuid, 3, KvmCpuid2.EAX), "KVM offered nothing");
        assertEquals(0, get(cpuid, 3, KvmCpuid2.FLAGS));
    }

    @Test
    void applyingTwiceChangesNothingMore() {
        MemorySegment cpuid = supported(KVM_61_OFFERS);
        KvmParavirt.apply(cpuid, false, true);
        int features = get(cpuid, 3, KvmCpuid2.EAX);
        KvmParavirt.apply(cpuid, false, true);
        assertEquals(features, get(cpuid, 3, KvmCpuid2.EAX));
        assertEquals(5, KvmCpuid2.count(cpuid));
    }

    @Test
    void aFullTableIsRefusedWithAMessage() {
        MemorySegment cpuid = table(1, new int[] {1, 0, 0, 0, 0, 0});
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> KvmParavirt.apply(cpuid, true, true));
        assertEquals(true, e.getMessage().contains("0x40000000"), e.getMessage());
    }

    @Test
    void kvmLeavesOldHostsReportWithEaxZeroGetTheirHighestLeaf() {
        // cpuid.rst: old hosts set EAX to 0, to be read as 0x40000001; jkvm writes it out.
        MemorySegment cpuid = table(3, new int[] {1, 0, 0, 0, 0, 0}, new int[] {0x40000000, 0, 0, 0x4b4d564b, 0x564b4d56, 0x4d},
                new int[] {0x40000001, 0, 1, 0, 0, 0});
        KvmParavirt.apply(cpuid, true, true);
        assertEquals(0x40000001, get(cpuid, 1, KvmCpuid2.EAX));
        assertEquals(1, get(cpuid, 2, KvmCpuid2.EAX));
    }
}
