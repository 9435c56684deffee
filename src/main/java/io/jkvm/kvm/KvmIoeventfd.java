package io.jkvm.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct kvm_ioeventfd} (api.rst, KVM_IOEVENTFD), 64 bytes:
 * <pre>
 *   0           8       16    20   24      28               64
 *   | datamatch | addr  | len | fd | flags | pad[36]        |
 * </pre>
 * A guest write of {@code len} bytes at {@code addr} (port I/O with FLAG_PIO, else MMIO; with
 * FLAG_DATAMATCH only when the value equals {@code datamatch}) signals eventfd {@code fd} in
 * the kernel instead of exiting to userspace.
 */
public final class KvmIoeventfd {
    public static final int KVM_IOEVENTFD_FLAG_DATAMATCH = 1 << 0;
    public static final int KVM_IOEVENTFD_FLAG_PIO = 1 << 1;
    public static final int KVM_IOEVENTFD_FLAG_DEASSIGN = 1 << 2;

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("datamatch"), JAVA_LONG.withName("addr"), JAVA_INT.withName("len"),
            JAVA_INT.withName("fd"), JAVA_INT.withName("flags"), MemoryLayout.paddingLayout(36))
            .withName("kvm_ioeventfd");
    public static final long SIZE = LAYOUT.byteSize();
    public static final long DATAMATCH = LAYOUT.byteOffset(groupElement("datamatch"));
    public static final long ADDR = LAYOUT.byteOffset(groupElement("addr"));
    public static final long LEN = LAYOUT.byteOffset(groupElement("len"));
    public static final long FD = LAYOUT.byteOffset(groupElement("fd"));
    public static final long FLAGS = LAYOUT.byteOffset(groupElement("flags"));

    private KvmIoeventfd() {}

    /** Fills {@code s} (zeroed padding) for {@code where} and {@code fd}, plus {@code extraFlags} (DEASSIGN). */
    public static void fill(MemorySegment s, IoEvent where, int fd, int extraFlags) {
        s.fill((byte) 0);
        s.set(JAVA_LONG, DATAMATCH, where.datamatch() ? where.value() : 0);
        s.set(JAVA_LONG, ADDR, where.address());
        s.set(JAVA_INT, LEN, where.length());
        s.set(JAVA_INT, FD, fd);
        int flags = extraFlags;
        if (where.space() == IoEvent.Space.PIO) flags |= KVM_IOEVENTFD_FLAG_PIO;
        if (where.datamatch()) flags |= KVM_IOEVENTFD_FLAG_DATAMATCH;
        s.set(JAVA_INT, FLAGS, flags);
    }
}
