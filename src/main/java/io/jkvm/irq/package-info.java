/**
 * Interrupts: the contracts through which a device raises one, a level
 * {@link io.jkvm.irq.InterruptLine}, an edge or message {@link io.jkvm.irq.InterruptTrigger},
 * an {@link io.jkvm.irq.MsiSink} ({@link io.jkvm.irq.MsiMessage}); and the KVM adapters behind
 * them (KVM_IRQ_LINE, KVM_SIGNAL_MSI through {@link io.jkvm.irq.KvmMsiSink}, irqfd lines with
 * resampling, irqfd edges, MSI GSI routes over the VM's {@link io.jkvm.irq.GsiRoutingTable}).
 * Devices see only the contracts.
 */
package io.jkvm.irq;
