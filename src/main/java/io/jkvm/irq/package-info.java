/**
 * Interrupts: the one contract through which a device raises an interrupt,
 * {@link io.jkvm.irq.InterruptLine}. The adapters behind it (KVM_IRQ_LINE, irqfd) live with
 * the VM; devices see only the line.
 */
package io.jkvm.irq;
