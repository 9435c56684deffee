package io.jkvm.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code struct kvm_cpuid2} (api.rst 4.46): a u32 count, u32 padding, then
 * {@code struct kvm_cpuid_entry2} entries of 40 bytes: function, index, flags, eax, ebx, ecx,
 * edx, 3 x u32 padding.
 */
public final class KvmCpuid2 {
    public static final long HEADER_SIZE = 8;
    public static final StructLayout ENTRY = MemoryLayout.structLayout(
            JAVA_INT.withName("function"), JAVA_INT.withName("index"), JAVA_INT.withName("flags"),
            JAVA_INT.withName("eax"), JAVA_INT.withName("ebx"), JAVA_INT.withName("ecx"), JAVA_INT.withName("edx"),
            MemoryLayout.paddingLayout(12)).withName("kvm_cpuid_entry2");
    public static final long ENTRY_SIZE = ENTRY.byteSize();
    public static final long FUNCTION = ENTRY.byteOffset(groupElement("function"));
    public static final long INDEX = ENTRY.byteOffset(groupElement("index"));
    public static final long FLAGS = ENTRY.byteOffset(groupElement("flags"));
    public static final long EAX = ENTRY.byteOffset(groupElement("eax"));
    public static final long EBX = ENTRY.byteOffset(groupElement("ebx"));
    public static final long ECX = ENTRY.byteOffset(groupElement("ecx"));
    public static final long EDX = ENTRY.byteOffset(groupElement("edx"));
    /** KVM_CPUID_FLAG_SIGNIFCANT_INDEX: the leaf has sub-leaves selected by ECX. */
    public static final int KVM_CPUID_FLAG_SIGNIFCANT_INDEX = 1;

    private KvmCpuid2() {}

    public static long sizeFor(int entries) {
        return HEADER_SIZE + entries * ENTRY_SIZE;
    }

    public static int count(MemorySegment cpuid) { return cpuid.get(JAVA_INT, 0); }

    public static void setCount(MemorySegment cpuid, int n) { cpuid.set(JAVA_INT, 0, n); }

    public static int get(MemorySegment cpuid, int entry, long field) {
        return cpuid.get(JAVA_INT, HEADER_SIZE + entry * ENTRY_SIZE + field);
    }

    public static void set(MemorySegment cpuid, int entry, long field, int value) {
        cpuid.set(JAVA_INT, HEADER_SIZE + entry * ENTRY_SIZE + field, value);
    }

    /** One CPUID leaf as read from KVM. */
    public record Leaf(int function, int index, int flags, int eax, int ebx, int ecx, int edx) {}
}
