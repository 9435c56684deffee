/**
 * Interrupts: the contracts through which a device raises an interrupt,
 * {@link io.jkvm.irq.InterruptLine} (a level-triggered line, ISA or PCI INTx#) and
 * {@link io.jkvm.irq.MsiSink} (a message-signalled interrupt, {@link io.jkvm.irq.MsiMessage}).
 * The KVM adapters behind them ({@link io.jkvm.irq.KvmIrqLine}: KVM_IRQ_LINE;
 * {@link io.jkvm.irq.KvmMsiSink}: KVM_SIGNAL_MSI) are made by the VM; devices see only the contracts.
 */
package io.jkvm.irq;
