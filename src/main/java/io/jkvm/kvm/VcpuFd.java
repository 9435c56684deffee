package io.jkvm.kvm;

import io.jkvm.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A vCPU fd from KVM_CREATE_VCPU, with its mapped {@code struct kvm_run}. {@link #run} is the
 * hot path: it uses a capture segment of its own and returns {@code -errno} instead of throwing.
 * KVM_RUN must be issued by one thread (the vCPU's); the other calls may come from any thread
 * while the vCPU is not running.
 */
public final class VcpuFd implements AutoCloseable {
    private final int id;
    private final int fd;
    private final MemorySegment runMapping;
    private final KvmRun run;
    private final Arena arena = Arena.ofShared();
    /**
     * errno capture for KVM_RUN, from an automatic arena: a downcall acquires the session of
     * every segment it is passed, and a shared arena's acquire is an atomic update on each
     * KVM_RUN; an automatic arena's costs nothing (it lives as long as this object).
     */
    private final MemorySegment runCallState = Libc.newCallState(Arena.ofAuto());
    private boolean closed;

    VcpuFd(int id, int fd, MemorySegment runMapping) {
        this.id = id;
        this.fd = fd;
        this.runMapping = runMapping;
        this.run = new KvmRun(runMapping);
    }

    public int id() { return id; }

    public int fd() { return fd; }

    public KvmRun kvmRun() { return run; }

    /** KVM_RUN (api.rst 4.10): 0 after an exit to read from {@link #kvmRun()}, or -errno (-EINTR: kicked). */
    public int run() {
        return Libc.ioctl(runCallState, fd, KvmIoctls.KVM_RUN, 0L);
    }

    /**
     * KVM_KVMCLOCK_CTRL (api.rst 4.68): sets the PVCLOCK_GUEST_STOPPED flag in this vCPU's
     * kvm-clock page, so the guest's watchdogs forgive the time it spent paused. Returns 0, or
     * -errno: -EINVAL when the guest has not enabled kvm-clock (nothing to tell it).
     */
    public int kvmclockCtrl() {
        return Libc.ioctl(Libc.callState(), fd, KvmIoctls.KVM_KVMCLOCK_CTRL, 0L);
    }

    public void getRegs(MemorySegment regs) {
        Libc.ioctlOrThrow("KVM_GET_REGS", fd, KvmIoctls.KVM_GET_REGS, regs);
    }

    public void setRegs(MemorySegment regs) {
        Libc.ioctlOrThrow("KVM_SET_REGS", fd, KvmIoctls.KVM_SET_REGS, regs);
    }

    public void getSregs(MemorySegment sregs) {
        Libc.ioctlOrThrow("KVM_GET_SREGS", fd, KvmIoctls.KVM_GET_SREGS, sregs);
    }

    public void setSregs(MemorySegment sregs) {
        Libc.ioctlOrThrow("KVM_SET_SREGS", fd, KvmIoctls.KVM_SET_SREGS, sregs);
    }

    /**
     * KVM_SET_MSRS (api.rst 4.19): struct kvm_msrs { u32 nmsrs; u32 pad; } followed by
     * struct kvm_msr_entry { u32 index; u32 reserved; u64 data; } per MSR. KVM returns how many
     * it set; fewer than asked means it refused the next one.
     */
    public void setMsrs(int[] indexes, long[] values) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment msrs = a.allocate(8 + 16L * indexes.length, 8);
            msrs.set(JAVA_INT, 0, indexes.length);
            for (int i = 0; i < indexes.length; i++) {
                msrs.set(JAVA_INT, 8 + 16L * i, indexes[i]);
                msrs.set(JAVA_LONG, 8 + 16L * i + 8, values[i]);
            }
            int set = Libc.ioctlOrThrow("KVM_SET_MSRS", fd, KvmIoctls.KVM_SET_MSRS, msrs);
            if (set != indexes.length) {
                throw new IllegalStateException(String.format("KVM_SET_MSRS set %d of %d MSRs; it refused MSR 0x%x",
                        set, indexes.length, indexes[set]));
            }
        }
    }

    /** KVM_SET_XCRS (api.rst 4.45): sets XCR0 (struct kvm_xcr { u32 xcr; u32 reserved; u64 value; }). */
    public void setXcr0(long value) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment xcrs = a.allocate(392, 8);
            xcrs.set(JAVA_INT, 0, 1);          // nr_xcrs
            xcrs.set(JAVA_INT, 8, 0);          // xcrs[0].xcr = XCR0
            xcrs.set(JAVA_LONG, 16, value);    // xcrs[0].value
            Libc.ioctlOrThrow("KVM_SET_XCRS", fd, KvmIoctls.KVM_SET_XCRS, xcrs);
        }
    }

    /** struct kvm_mp_state values (api.rst 4.38). */
    public static final int KVM_MP_STATE_RUNNABLE = 0;
    public static final int KVM_MP_STATE_UNINITIALIZED = 1;

    /** KVM_SET_MP_STATE (api.rst 4.39): e.g. an application processor waiting for INIT/SIPI. */
    public void setMpState(int state) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment mp = a.allocate(4, 4);
            mp.set(JAVA_INT, 0, state);
            Libc.ioctlOrThrow("KVM_SET_MP_STATE", fd, KvmIoctls.KVM_SET_MP_STATE, mp);
        }
    }

    public int getMpState() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment mp = a.allocate(4, 4);
            Libc.ioctlOrThrow("KVM_GET_MP_STATE", fd, KvmIoctls.KVM_GET_MP_STATE, mp);
            return mp.get(JAVA_INT, 0);
        }
    }

    public void getVcpuEvents(MemorySegment events) {
        Libc.ioctlOrThrow("KVM_GET_VCPU_EVENTS", fd, KvmIoctls.KVM_GET_VCPU_EVENTS, events);
    }

    public void setVcpuEvents(MemorySegment events) {
        Libc.ioctlOrThrow("KVM_SET_VCPU_EVENTS", fd, KvmIoctls.KVM_SET_VCPU_EVENTS, events);
    }

    /** KVM_GET_LAPIC (api.rst 4.57): the local APIC's registers into a {@link KvmLapicState#SIZE}-byte segment. */
    public void getLapic(MemorySegment lapic) {
        Libc.ioctlOrThrow("KVM_GET_LAPIC", fd, KvmIoctls.KVM_GET_LAPIC, lapic);
    }

    /** KVM_SET_LAPIC (api.rst 4.58): loads the local APIC's registers. */
    public void setLapic(MemorySegment lapic) {
        Libc.ioctlOrThrow("KVM_SET_LAPIC", fd, KvmIoctls.KVM_SET_LAPIC, lapic);
    }

    public void getXsave(MemorySegment xsave) {
        Libc.ioctlOrThrow("KVM_GET_XSAVE", fd, KvmIoctls.KVM_GET_XSAVE, xsave);
    }

    public void setXsave(MemorySegment xsave) {
        Libc.ioctlOrThrow("KVM_SET_XSAVE", fd, KvmIoctls.KVM_SET_XSAVE, xsave);
    }

    public void setCpuid2(MemorySegment cpuid) {
        Libc.ioctlOrThrow("KVM_SET_CPUID2", fd, KvmIoctls.KVM_SET_CPUID2, cpuid);
    }

    /**
     * KVM_TRANSLATE (api.rst 4.16): the guest-physical address of a linear address under the
     * vCPU's current paging mode, or -1 when it is not mapped.
     */
    public long translate(long linear) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment t = a.allocate(KvmTranslation.LAYOUT);
            t.set(JAVA_LONG, KvmTranslation.LINEAR_ADDRESS, linear);
            Libc.ioctlOrThrow("KVM_TRANSLATE", fd, KvmIoctls.KVM_TRANSLATE, t);
            return t.get(JAVA_BYTE, KvmTranslation.VALID) != 0 ? t.get(JAVA_LONG, KvmTranslation.PHYSICAL_ADDRESS) : -1;
        }
    }

    /**
     * KVM_SET_SIGNAL_MASK (api.rst 4.21): the thread's signal mask while inside KVM_RUN.
     * {@code sigset} holds at least the kernel's 8-byte sigset.
     */
    public void setSignalMask(MemorySegment sigset) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment mask = a.allocate(4 + Libc.KERNEL_SIGSET_BYTES, 8);
            mask.set(JAVA_INT, 0, Libc.KERNEL_SIGSET_BYTES);
            MemorySegment.copy(sigset, 0, mask, 4, Libc.KERNEL_SIGSET_BYTES);
            Libc.ioctlOrThrow("KVM_SET_SIGNAL_MASK", fd, KvmIoctls.KVM_SET_SIGNAL_MASK, mask);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Libc.munmap(runMapping);
            Libc.close(fd);
            arena.close();
        }
    }
}
