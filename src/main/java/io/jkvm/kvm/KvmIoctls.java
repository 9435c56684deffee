package io.jkvm.kvm;

/**
 * Every ioctl number jkvm issues, grouped by the fd it goes to, as {@code <linux/kvm.h>}
 * defines them with {@code _IO/_IOR/_IOW/_IOWR(KVMIO = 0xAE, nr, type)}. The numbers are
 * computed from the struct sizes here and pinned by a test against the kernel header's values.
 * See Documentation/virt/kvm/api.rst, section 4 (API description), for each call.
 */
public final class KvmIoctls {
    static final int KVMIO = 0xAE;

    private KvmIoctls() {}

    static long io(int nr) { return (KVMIO << 8) | nr; }
    static long ior(int nr, long size) { return (2L << 30) | (size << 16) | (KVMIO << 8) | nr; }
    static long iow(int nr, long size) { return (1L << 30) | (size << 16) | (KVMIO << 8) | nr; }
    static long iowr(int nr, long size) { return (3L << 30) | (size << 16) | (KVMIO << 8) | nr; }

    // ---- system ioctls (on the /dev/kvm fd) ----
    /** 4.1: always 12 on a stable kernel. */
    public static final long KVM_GET_API_VERSION = io(0x00);
    public static final long KVM_CREATE_VM = io(0x01);
    /** 4.4: also valid on a VM fd (KVM_CAP_CHECK_EXTENSION_VM). */
    public static final long KVM_CHECK_EXTENSION = io(0x03);
    public static final long KVM_GET_VCPU_MMAP_SIZE = io(0x04);
    /** 4.46: struct kvm_cpuid2 header is 8 bytes; needs KVM_CAP_EXT_CPUID. */
    public static final long KVM_GET_SUPPORTED_CPUID = iowr(0x05, KvmCpuid2.HEADER_SIZE);

    // ---- VM ioctls ----
    public static final long KVM_CREATE_VCPU = io(0x41);
    /** 4.35: needs KVM_CAP_USER_MEMORY. */
    public static final long KVM_SET_USER_MEMORY_REGION = iow(0x46, KvmUserspaceMemoryRegion.SIZE);
    /** 4.48: needs KVM_CAP_SET_TSS_ADDR; Intel real mode without unrestricted guest uses it. */
    public static final long KVM_SET_TSS_ADDR = io(0x47);
    /** 4.61: needs KVM_CAP_SET_IDENTITY_MAP_ADDR. */
    public static final long KVM_SET_IDENTITY_MAP_ADDR = iow(0x48, 8);
    /** 4.24: needs KVM_CAP_IRQCHIP. Creates the PIC, IOAPIC and local APICs in the kernel. */
    public static final long KVM_CREATE_IRQCHIP = io(0x60);
    /** 4.25: struct kvm_irq_level { u32 irq; u32 level; }: drives a GSI of the in-kernel irqchip. */
    public static final long KVM_IRQ_LINE = iow(0x61, 8);
    /** 4.26: needs KVM_CAP_IRQCHIP. _IOWR: chip_id goes in, the chip's state comes out. */
    public static final long KVM_GET_IRQCHIP = iowr(0x62, KvmIrqchip.SIZE);
    /** 4.27: needs KVM_CAP_IRQCHIP. The header declares it _IOR although the kernel reads the struct. */
    public static final long KVM_SET_IRQCHIP = ior(0x63, KvmIrqchip.SIZE);
    /** 4.72: needs KVM_CAP_PIT_STATE2. (0x9f and 0xa0 are also KVM_GET/SET_VCPU_EVENTS, on the vCPU fd.) */
    public static final long KVM_GET_PIT2 = ior(0x9f, KvmPitState2.SIZE);
    /** 4.73: needs KVM_CAP_PIT_STATE2. */
    public static final long KVM_SET_PIT2 = iow(0xa0, KvmPitState2.SIZE);
    /** 4.62: needs KVM_CAP_PIT2; struct kvm_pit_config { u32 flags; u32 pad[15]; } is 64 bytes. */
    public static final long KVM_CREATE_PIT2 = iow(0x77, 64);
    /**
     * 4.71: needs KVM_CAP_SIGNAL_MSI; struct kvm_msi is 32 bytes. Returns &gt; 0 when delivered,
     * 0 when the guest blocked it (e.g. no destination accepted it), -1 with errno on error.
     */
    public static final long KVM_SIGNAL_MSI = iow(0xa5, KvmMsi.SIZE);
    /** _IO(KVMIO, 0x71), with a struct kvm_reinject_control (u8 pit_reinject, 31 reserved bytes). */
    public static final long KVM_REINJECT_CONTROL = io(0x71);
    /** KVM_SET_GSI_ROUTING: needs KVM_CAP_IRQ_ROUTING; struct kvm_irq_routing header (8 bytes) and entries. */
    public static final long KVM_SET_GSI_ROUTING = iow(0x6a, KvmIrqRouting.HEADER_SIZE);
    /** 4.75 KVM_IRQFD: needs KVM_CAP_IRQFD (KVM_CAP_IRQFD_RESAMPLE for the resample flag); struct kvm_irqfd. */
    public static final long KVM_IRQFD = iow(0x76, KvmIrqfd.SIZE);
    /** KVM_IOEVENTFD: needs KVM_CAP_IOEVENTFD; struct kvm_ioeventfd. */
    public static final long KVM_IOEVENTFD = iow(0x79, KvmIoeventfd.SIZE);

    // ---- vCPU ioctls ----
    public static final long KVM_RUN = io(0x80);
    public static final long KVM_GET_REGS = ior(0x81, KvmRegs.SIZE);
    public static final long KVM_SET_REGS = iow(0x82, KvmRegs.SIZE);
    public static final long KVM_GET_SREGS = ior(0x83, KvmSregs.SIZE);
    public static final long KVM_SET_SREGS = iow(0x84, KvmSregs.SIZE);
    /** 4.16: linear to guest-physical through the vCPU's current page tables. */
    public static final long KVM_TRANSLATE = iowr(0x85, KvmTranslation.SIZE);
    /** 4.21: struct kvm_signal_mask { __u32 len; __u8 sigset[]; } (header 4 bytes). */
    public static final long KVM_SET_SIGNAL_MASK = iow(0x8b, 4);
    /** 4.18-4.19: struct kvm_msrs { u32 nmsrs; u32 pad; struct kvm_msr_entry entries[]; }. */
    public static final long KVM_GET_MSRS = iowr(0x88, 8);
    public static final long KVM_SET_MSRS = iow(0x89, 8);
    /** 4.22-4.23: struct kvm_fpu, 416 bytes. */
    public static final long KVM_GET_FPU = ior(0x8c, KvmFpu.SIZE);
    public static final long KVM_SET_FPU = iow(0x8d, KvmFpu.SIZE);
    /** 4.42-4.43: needs KVM_CAP_XSAVE; struct kvm_xsave is 4096 bytes (the XSAVE area's first 4 KiB). */
    public static final long KVM_GET_XSAVE = ior(0xa4, KvmXsave.SIZE);
    public static final long KVM_SET_XSAVE = iow(0xa5, KvmXsave.SIZE);
    /** 4.44-4.45: needs KVM_CAP_XCRS; struct kvm_xcrs { u32 nr_xcrs; u32 flags; struct kvm_xcr xcrs[16]; u64 padding[16]; } is 392 bytes. */
    public static final long KVM_GET_XCRS = ior(0xa6, 392);
    public static final long KVM_SET_XCRS = iow(0xa7, 392);
    /** 4.57-4.58: needs KVM_CAP_IRQCHIP (the vCPU's local APIC is in the kernel). */
    public static final long KVM_GET_LAPIC = ior(0x8e, KvmLapicState.SIZE);
    public static final long KVM_SET_LAPIC = iow(0x8f, KvmLapicState.SIZE);
    /** 4.20: needs KVM_CAP_EXT_CPUID. */
    public static final long KVM_SET_CPUID2 = iow(0x90, KvmCpuid2.HEADER_SIZE);
    /** 4.38: needs KVM_CAP_MP_STATE. */
    public static final long KVM_GET_MP_STATE = ior(0x98, 4);
    public static final long KVM_SET_MP_STATE = iow(0x99, 4);
    /** 4.68: needs KVM_CAP_KVMCLOCK_CTRL; tells a kvm-clock guest that the host paused this vCPU (no soft-lockup warning). */
    public static final long KVM_KVMCLOCK_CTRL = io(0xad);
    /** 4.59: needs KVM_CAP_SET_GUEST_DEBUG; struct kvm_guest_debug is 72 bytes on x86. */
    public static final long KVM_SET_GUEST_DEBUG = iow(0x9b, 72);
    /** 4.31: needs KVM_CAP_VCPU_EVENTS; struct kvm_vcpu_events is 64 bytes. */
    public static final long KVM_GET_VCPU_EVENTS = ior(0x9f, KvmVcpuEvents.SIZE);
    public static final long KVM_SET_VCPU_EVENTS = iow(0xa0, KvmVcpuEvents.SIZE);
}
