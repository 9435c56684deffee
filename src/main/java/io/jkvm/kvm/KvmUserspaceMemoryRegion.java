package io.jkvm.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** {@code struct kvm_userspace_memory_region} (api.rst 4.35), 32 bytes. */
public final class KvmUserspaceMemoryRegion {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("slot"), JAVA_INT.withName("flags"), JAVA_LONG.withName("guest_phys_addr"),
            JAVA_LONG.withName("memory_size"), JAVA_LONG.withName("userspace_addr"))
            .withName("kvm_userspace_memory_region");
    public static final long SIZE = LAYOUT.byteSize();
    public static final long SLOT = LAYOUT.byteOffset(groupElement("slot"));
    public static final long FLAGS = LAYOUT.byteOffset(groupElement("flags"));
    public static final long GUEST_PHYS_ADDR = LAYOUT.byteOffset(groupElement("guest_phys_addr"));
    public static final long MEMORY_SIZE = LAYOUT.byteOffset(groupElement("memory_size"));
    public static final long USERSPACE_ADDR = LAYOUT.byteOffset(groupElement("userspace_addr"));

    private KvmUserspaceMemoryRegion() {}

    public static void fill(MemorySegment s, int slot, long guestPhysAddr, long size, long userspaceAddr) {
        s.set(JAVA_INT, SLOT, slot);
        s.set(JAVA_INT, FLAGS, 0);
        s.set(JAVA_LONG, GUEST_PHYS_ADDR, guestPhysAddr);
        s.set(JAVA_LONG, MEMORY_SIZE, size);
        s.set(JAVA_LONG, USERSPACE_ADDR, userspaceAddr);
    }
}
