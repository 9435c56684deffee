package io.jkvm.kvm;

/**
 * The capabilities jkvm asks KVM about with KVM_CHECK_EXTENSION ({@code KVM_CAP_*} in
 * {@code <linux/kvm.h>}), each with what jkvm uses it for. {@code jkvm info} lists them.
 */
public enum KvmCap {
    KVM_CAP_IRQCHIP(0, "in-kernel PIC/IOAPIC/LAPIC (KVM_CREATE_IRQCHIP)"),
    KVM_CAP_HLT(1, "HLT handled by KVM"),
    KVM_CAP_USER_MEMORY(3, "KVM_SET_USER_MEMORY_REGION: guest RAM from mmap"),
    KVM_CAP_SET_TSS_ADDR(4, "KVM_SET_TSS_ADDR (Intel real mode)"),
    KVM_CAP_EXT_CPUID(7, "KVM_GET_SUPPORTED_CPUID / KVM_SET_CPUID2"),
    KVM_CAP_NR_VCPUS(9, "recommended vCPUs per VM"),
    KVM_CAP_NR_MEMSLOTS(10, "memory slots per VM"),
    KVM_CAP_PIT(11, "in-kernel PIT"),
    KVM_CAP_MP_STATE(14, "KVM_GET/SET_MP_STATE (INIT/SIPI wait)"),
    KVM_CAP_COALESCED_MMIO(15, "coalesced MMIO ring"),
    KVM_CAP_SET_GUEST_DEBUG(23, "KVM_SET_GUEST_DEBUG (single step, breakpoints)"),
    KVM_CAP_IRQ_ROUTING(25, "GSI routing (KVM_SET_GSI_ROUTING): MSI routes"),
    KVM_CAP_IRQFD(32, "irqfd: interrupts from an eventfd"),
    KVM_CAP_PIT2(33, "KVM_CREATE_PIT2"),
    KVM_CAP_IOEVENTFD(36, "ioeventfd: guest writes signal an eventfd"),
    KVM_CAP_SET_IDENTITY_MAP_ADDR(37, "KVM_SET_IDENTITY_MAP_ADDR"),
    KVM_CAP_INTERNAL_ERROR_DATA(40, "extra data with KVM_EXIT_INTERNAL_ERROR"),
    KVM_CAP_VCPU_EVENTS(41, "KVM_GET/SET_VCPU_EVENTS (exception injection)"),
    KVM_CAP_XSAVE(55, "KVM_GET/SET_XSAVE"),
    KVM_CAP_XCRS(56, "KVM_GET/SET_XCRS"),
    KVM_CAP_TSC_CONTROL(60, "KVM_SET_TSC_KHZ"),
    KVM_CAP_MAX_VCPUS(66, "maximum vCPUs per VM"),
    KVM_CAP_TSC_DEADLINE_TIMER(72, "TSC-deadline timer in the LAPIC"),
    KVM_CAP_KVMCLOCK_CTRL(76, "KVM_KVMCLOCK_CTRL: tell the guest it was paused"),
    KVM_CAP_SIGNAL_MSI(77, "KVM_SIGNAL_MSI: inject an MSI (PCI MSI-X)"),
    KVM_CAP_READONLY_MEM(81, "read-only memory slots (ROM)"),
    KVM_CAP_IRQFD_RESAMPLE(82, "irqfd resample: level-triggered interrupts from an eventfd"),
    KVM_CAP_IOEVENTFD_ANY_LENGTH(122, "ioeventfds that match a write of any length"),
    KVM_CAP_MAX_VCPU_ID(128, "largest vCPU id"),
    KVM_CAP_X2APIC_API(129, "x2APIC API"),
    KVM_CAP_IMMEDIATE_EXIT(136, "kvm_run.immediate_exit: kick a vCPU out of KVM_RUN"),
    KVM_CAP_EXIT_ON_EMULATION_FAILURE(204, "instruction bytes with emulation failures");

    private final int number;
    private final String use;

    KvmCap(int number, String use) {
        this.number = number;
        this.use = use;
    }

    public int number() { return number; }

    public String use() { return use; }
}
