package io.jkvm.kvm;

/** One {@code struct kvm_irq_routing_entry} (api.rst, KVM_SET_GSI_ROUTING): where a GSI goes. */
public sealed interface GsiRoute {
    int gsi();

    /**
     * KVM_IRQ_ROUTING_IRQCHIP: a pin of an in-kernel interrupt controller.
     * @param irqchip KVM_IRQCHIP_PIC_MASTER, KVM_IRQCHIP_PIC_SLAVE or KVM_IRQCHIP_IOAPIC
     */
    record Irqchip(int gsi, int irqchip, int pin) implements GsiRoute {}

    /** KVM_IRQ_ROUTING_MSI: an MSI message (address, data) sent to the local APICs. */
    record Msi(int gsi, long address, int data) implements GsiRoute {}
}
