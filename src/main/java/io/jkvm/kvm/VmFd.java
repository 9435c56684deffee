package io.jkvm.kvm;

import io.jkvm.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A VM fd from KVM_CREATE_VM (api.rst 4.2): memory slots, vCPUs and VM-wide set-up. */
public final class VmFd implements AutoCloseable {
    private final int fd;
    private final int vcpuMmapSize;
    private boolean closed;

    VmFd(int fd, int vcpuMmapSize) {
        this.fd = fd;
        this.vcpuMmapSize = vcpuMmapSize;
    }

    public int fd() { return fd; }

    public int checkExtension(KvmCap cap) {
        return Math.max(Libc.ioctl(Libc.callState(), fd, KvmIoctls.KVM_CHECK_EXTENSION, cap.number()), 0);
    }

    /** KVM_SET_USER_MEMORY_REGION (api.rst 4.35): maps host memory at a guest-physical address. */
    public void setUserMemoryRegion(int slot, long guestPhysAddr, MemorySegment hostMemory) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment region = arena.allocate(KvmUserspaceMemoryRegion.LAYOUT);
            KvmUserspaceMemoryRegion.fill(region, slot, guestPhysAddr, hostMemory.byteSize(), hostMemory.address());
            Libc.ioctlOrThrow("KVM_SET_USER_MEMORY_REGION(slot " + slot + ")", fd,
                    KvmIoctls.KVM_SET_USER_MEMORY_REGION, region);
        }
    }

    /** KVM_SET_TSS_ADDR (api.rst 4.48): three pages KVM uses for real mode on Intel. */
    public void setTssAddr(long address) {
        Libc.ioctlOrThrow("KVM_SET_TSS_ADDR", fd, KvmIoctls.KVM_SET_TSS_ADDR, address);
    }

    /** KVM_SET_IDENTITY_MAP_ADDR (api.rst 4.61): one page for the EPT identity map. */
    public void setIdentityMapAddr(long address) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_LONG, address);
            Libc.ioctlOrThrow("KVM_SET_IDENTITY_MAP_ADDR", fd, KvmIoctls.KVM_SET_IDENTITY_MAP_ADDR, a);
        }
    }

    /** KVM_CREATE_VCPU (api.rst 4.7), and the mmap of its kvm_run. */
    public VcpuFd createVcpu(int id) {
        int vcpuFd = Libc.ioctlOrThrow("KVM_CREATE_VCPU(" + id + ")", fd, KvmIoctls.KVM_CREATE_VCPU, id);
        try {
            MemorySegment run = Libc.mmap(vcpuMmapSize, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED,
                    vcpuFd, 0, "kvm_run of vCPU " + id);
            return new VcpuFd(id, vcpuFd, run);
        } catch (RuntimeException e) {
            Libc.close(vcpuFd);
            throw e;
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Libc.close(fd);
        }
    }
}
