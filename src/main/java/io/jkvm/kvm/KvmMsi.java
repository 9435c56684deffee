package io.jkvm.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code struct kvm_msi} (api.rst 4.71, KVM_SIGNAL_MSI), 32 bytes:
 * <pre>
 *  0 address_lo  u32      4 address_hi  u32      8 data  u32
 * 12 flags       u32     16 devid       u32     20 pad   u8[12]
 * </pre>
 * {@code flags} is 0 on x86 (KVM_MSI_VALID_DEVID is for ARM's ITS, which needs {@code devid}).
 */
public final class KvmMsi {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("address_lo"), JAVA_INT.withName("address_hi"), JAVA_INT.withName("data"),
            JAVA_INT.withName("flags"), JAVA_INT.withName("devid"), MemoryLayout.sequenceLayout(12, JAVA_BYTE).withName("pad"))
            .withName("kvm_msi");
    public static final long SIZE = LAYOUT.byteSize();
    public static final long ADDRESS_LO = LAYOUT.byteOffset(groupElement("address_lo"));
    public static final long ADDRESS_HI = LAYOUT.byteOffset(groupElement("address_hi"));
    public static final long DATA = LAYOUT.byteOffset(groupElement("data"));
    public static final long FLAGS = LAYOUT.byteOffset(groupElement("flags"));
    public static final long DEVID = LAYOUT.byteOffset(groupElement("devid"));

    private KvmMsi() {}

    /** Fills {@code s} with the message: address, data, flags 0, devid 0 (the pad is left as it is, zero from allocation). */
    public static void fill(MemorySegment s, long address, int data) {
        s.set(JAVA_INT, ADDRESS_LO, (int) address);
        s.set(JAVA_INT, ADDRESS_HI, (int) (address >>> 32));
        s.set(JAVA_INT, DATA, data);
        s.set(JAVA_INT, FLAGS, 0);
        s.set(JAVA_INT, DEVID, 0);
    }
}
