package io.jkvm.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** {@code struct kvm_translation} (api.rst 4.16), 24 bytes: linear address in, physical out. */
public final class KvmTranslation {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("linear_address"), JAVA_LONG.withName("physical_address"),
            JAVA_BYTE.withName("valid"), JAVA_BYTE.withName("writeable"), JAVA_BYTE.withName("usermode"),
            MemoryLayout.paddingLayout(5)).withName("kvm_translation");
    public static final long SIZE = LAYOUT.byteSize();
    public static final long LINEAR_ADDRESS = LAYOUT.byteOffset(groupElement("linear_address"));
    public static final long PHYSICAL_ADDRESS = LAYOUT.byteOffset(groupElement("physical_address"));
    public static final long VALID = LAYOUT.byteOffset(groupElement("valid"));

    private KvmTranslation() {}
}
