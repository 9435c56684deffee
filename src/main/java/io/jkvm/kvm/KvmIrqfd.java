package io.jkvm.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code struct kvm_irqfd} (api.rst 4.75 KVM_IRQFD), 32 bytes:
 * <pre>
 *   0    4     8       12           16          32
 *   | fd | gsi | flags | resamplefd | pad[16]   |
 * </pre>
 * A write to eventfd {@code fd} injects GSI {@code gsi} through the routing table. With
 * FLAG_RESAMPLE the GSI stays asserted until the guest EOIs it; KVM then de-asserts it and
 * signals {@code resamplefd} (level-triggered interrupts).
 */
public final class KvmIrqfd {
    public static final int KVM_IRQFD_FLAG_DEASSIGN = 1 << 0;
    public static final int KVM_IRQFD_FLAG_RESAMPLE = 1 << 1;

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("fd"), JAVA_INT.withName("gsi"), JAVA_INT.withName("flags"),
            JAVA_INT.withName("resamplefd"), MemoryLayout.paddingLayout(16))
            .withName("kvm_irqfd");
    public static final long SIZE = LAYOUT.byteSize();
    public static final long FD = LAYOUT.byteOffset(groupElement("fd"));
    public static final long GSI = LAYOUT.byteOffset(groupElement("gsi"));
    public static final long FLAGS = LAYOUT.byteOffset(groupElement("flags"));
    public static final long RESAMPLEFD = LAYOUT.byteOffset(groupElement("resamplefd"));

    private KvmIrqfd() {}

    public static void fill(MemorySegment s, int fd, int gsi, int flags, int resampleFd) {
        s.fill((byte) 0);
        s.set(JAVA_INT, FD, fd);
        s.set(JAVA_INT, GSI, gsi);
        s.set(JAVA_INT, FLAGS, flags);
        s.set(JAVA_INT, RESAMPLEFD, resampleFd);
    }
}
