package io.jkvm.kvm;

import io.jkvm.JkvmException;
import io.jkvm.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

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

    /**
     * KVM_CREATE_IRQCHIP (api.rst 4.24): the 8259 PICs, the IOAPIC and a local APIC per vCPU,
     * emulated in the kernel, with the PC's default routing (GSI 0-15 to both PIC and IOAPIC,
     * 16-23 to the IOAPIC). Must precede KVM_CREATE_VCPU. From then on HLT waits in the kernel
     * for an interrupt instead of exiting.
     */
    public void createIrqchip() {
        Libc.ioctlOrThrow("KVM_CREATE_IRQCHIP", fd, KvmIoctls.KVM_CREATE_IRQCHIP, 0L);
    }

    /** KVM_CREATE_PIT2 (api.rst 4.62): the 8254 timer (ports 0x40-0x43) in the kernel, on GSI 0. */
    public void createPit2() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment config = arena.allocate(64, 8); // struct kvm_pit_config, flags 0
            Libc.ioctlOrThrow("KVM_CREATE_PIT2", fd, KvmIoctls.KVM_CREATE_PIT2, config);
        }
    }

    /**
     * KVM_REINJECT_CONTROL (api.rst 4.51, KVM_CAP_REINJECT_CONTROL): whether the in-kernel PIT
     * delivers ticks the guest missed later (on, KVM's default and QEMU's lost_tick_policy=delay)
     * or drops them (off: lost_tick_policy=discard).
     */
    public void setPitReinject(boolean on) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment control = arena.allocate(32, 1);
            control.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) (on ? 1 : 0));
            Libc.ioctlOrThrow("KVM_REINJECT_CONTROL", fd, KvmIoctls.KVM_REINJECT_CONTROL, control);
        }
    }

    /**
     * KVM_GET_IRQCHIP (api.rst 4.26): the state of chip {@code chipId}
     * ({@link KvmIrqchip#KVM_IRQCHIP_PIC_MASTER}, {@code _PIC_SLAVE}, {@code _IOAPIC}) into
     * {@code irqchip}, a {@link KvmIrqchip#LAYOUT}-sized segment. The kernel fills only that
     * chip's part of the union: the rest keeps what the segment held (zero it for stable bytes).
     */
    public void getIrqchip(int chipId, MemorySegment irqchip) {
        irqchip.set(java.lang.foreign.ValueLayout.JAVA_INT, KvmIrqchip.CHIP_ID, chipId);
        Libc.ioctlOrThrow("KVM_GET_IRQCHIP(" + chipId + ")", fd, KvmIoctls.KVM_GET_IRQCHIP, irqchip);
    }

    /** KVM_SET_IRQCHIP (api.rst 4.27): loads the chip named by {@code irqchip}'s chip_id. */
    public void setIrqchip(MemorySegment irqchip) {
        Libc.ioctlOrThrow("KVM_SET_IRQCHIP(" + irqchip.get(java.lang.foreign.ValueLayout.JAVA_INT, KvmIrqchip.CHIP_ID) + ")",
                fd, KvmIoctls.KVM_SET_IRQCHIP, irqchip);
    }

    /** KVM_GET_PIT2 (api.rst 4.72): the in-kernel PIT's state into a {@link KvmPitState2#LAYOUT}-sized segment. */
    public void getPit2(MemorySegment pitState2) {
        Libc.ioctlOrThrow("KVM_GET_PIT2", fd, KvmIoctls.KVM_GET_PIT2, pitState2);
    }

    /** KVM_SET_PIT2 (api.rst 4.73): loads the PIT; every counter restarts from its count now. */
    public void setPit2(MemorySegment pitState2) {
        Libc.ioctlOrThrow("KVM_SET_PIT2", fd, KvmIoctls.KVM_SET_PIT2, pitState2);
    }

    /** KVM_IRQ_LINE (api.rst 4.25): sets the level of in-kernel irqchip input {@code gsi}. */
    public void irqLine(int gsi, boolean high) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment level = arena.allocate(8, 4); // struct kvm_irq_level { u32 irq; u32 level; }
            level.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, gsi);
            level.set(java.lang.foreign.ValueLayout.JAVA_INT, 4, high ? 1 : 0);
            Libc.ioctlOrThrow("KVM_IRQ_LINE(" + gsi + ")", fd, KvmIoctls.KVM_IRQ_LINE, level);
        }
    }

    /** Throws, naming the capability and what needs it, when this VM's KVM lacks {@code cap}. */
    public void require(KvmCap cap, String what) {
        if (checkExtension(cap) <= 0) {
            throw new JkvmException("this host's KVM has no " + cap.use() + " (" + cap + "), which " + what + " needs");
        }
    }

    /**
     * KVM_IOEVENTFD (api.rst, KVM_IOEVENTFD): from now on a guest write matching {@code where}
     * signals eventfd {@code fd} inside the kernel; the vCPU does not exit to userspace for it.
     */
    public void ioeventfd(IoEvent where, int fd) {
        require(KvmCap.KVM_CAP_IOEVENTFD, "an ioeventfd");
        if (where.length() == 0) require(KvmCap.KVM_CAP_IOEVENTFD_ANY_LENGTH, "an ioeventfd of any length");
        ioeventfd(where, fd, 0, "KVM_IOEVENTFD(" + where + ")");
    }

    /** KVM_IOEVENTFD with KVM_IOEVENTFD_FLAG_DEASSIGN: the same {@code where} and {@code fd} as assigned. */
    public void deassignIoeventfd(IoEvent where, int fd) {
        ioeventfd(where, fd, KvmIoeventfd.KVM_IOEVENTFD_FLAG_DEASSIGN, "KVM_IOEVENTFD(deassign " + where + ")");
    }

    private void ioeventfd(IoEvent where, int fd, int flags, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmIoeventfd.LAYOUT);
            KvmIoeventfd.fill(s, where, fd, flags);
            Libc.ioctlOrThrow(name, this.fd, KvmIoctls.KVM_IOEVENTFD, s);
        }
    }

    /**
     * 4.75 KVM_IRQFD: a write to eventfd {@code fd} injects {@code gsi}. On an irqchip pin that
     * is a pulse (asserted then de-asserted: an edge); on an MSI route, one message.
     */
    public void irqfd(int fd, int gsi) {
        require(KvmCap.KVM_CAP_IRQFD, "an irqfd");
        irqfd(fd, gsi, 0, 0, "KVM_IRQFD(gsi " + gsi + ")");
    }

    /**
     * 4.75 KVM_IRQFD with KVM_IRQFD_FLAG_RESAMPLE: a write to {@code fd} asserts irqchip pin
     * {@code gsi} and it stays asserted until the guest EOIs it; then KVM de-asserts it and
     * signals {@code resampleFd}, so the device can assert it again if still pending.
     */
    public void irqfdResample(int fd, int gsi, int resampleFd) {
        require(KvmCap.KVM_CAP_IRQFD, "an irqfd");
        require(KvmCap.KVM_CAP_IRQFD_RESAMPLE, "a level-triggered irqfd");
        irqfd(fd, gsi, KvmIrqfd.KVM_IRQFD_FLAG_RESAMPLE, resampleFd, "KVM_IRQFD(gsi " + gsi + ", resample)");
    }

    /** KVM_IRQFD with KVM_IRQFD_FLAG_DEASSIGN: {@code fd} no longer injects {@code gsi}. */
    public void deassignIrqfd(int fd, int gsi) {
        irqfd(fd, gsi, KvmIrqfd.KVM_IRQFD_FLAG_DEASSIGN, 0, "KVM_IRQFD(deassign gsi " + gsi + ")");
    }

    private void irqfd(int fd, int gsi, int flags, int resampleFd, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmIrqfd.LAYOUT);
            KvmIrqfd.fill(s, fd, gsi, flags, resampleFd);
            Libc.ioctlOrThrow(name, this.fd, KvmIoctls.KVM_IRQFD, s);
        }
    }

    /**
     * KVM_SET_GSI_ROUTING (api.rst, KVM_SET_GSI_ROUTING): REPLACES the VM's whole routing table,
     * KVM's default irqchip routes included, with {@code routes}.
     */
    public void setGsiRouting(List<GsiRoute> routes) {
        require(KvmCap.KVM_CAP_IRQ_ROUTING, "GSI routing");
        try (Arena arena = Arena.ofConfined()) {
            Libc.ioctlOrThrow("KVM_SET_GSI_ROUTING(" + routes.size() + " routes)", fd, KvmIoctls.KVM_SET_GSI_ROUTING,
                    KvmIrqRouting.encode(arena, routes));
        }
    }

    /**
     * KVM_SIGNAL_MSI (api.rst 4.71, KVM_CAP_SIGNAL_MSI, needs the in-kernel irqchip): injects
     * the MSI in {@code kvmMsi}, a {@link KvmMsi} the caller fills and owns (so the call
     * allocates nothing). Returns KVM's result: &gt; 0 delivered, 0 blocked by the guest (no local
     * APIC accepted it), or -errno (EINVAL for a bad message, ...). Never throws for a bad message.
     */
    public int signalMsi(MemorySegment kvmMsi) {
        return Libc.ioctl(Libc.callState(), fd, KvmIoctls.KVM_SIGNAL_MSI, kvmMsi);
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
