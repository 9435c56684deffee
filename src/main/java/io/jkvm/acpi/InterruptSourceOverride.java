package io.jkvm.acpi;

import io.jkvm.boot.PcPorts;


/**
 * An ISA interrupt that does not reach the IOAPIC pin of the same number, or not with ISA's
 * edge/active-high signalling (ACPI 6.5 5.2.12.5; the flags are the MPS INTI
 * flags defined there).
 *
 * <p>jkvm needs none today: KVM's default routing (kvm_setup_default_irq_routing) wires ISA
 * IRQ n to IOAPIC pin n, the PIT included. {@link #PC_TIMER} is the PC's IRQ0-on-pin-2, for
 * when jkvm routes GSI 0 to pin 2 as QEMU does (kvm_pc_setup_irq_routing).
 */
public record InterruptSourceOverride(int source, int gsi, int flags) {
    /** Polarity and trigger mode follow the bus (ISA: active high, edge). */
    public static final int CONFORMS = 0;
    public static final int ACTIVE_HIGH = 0b01;
    public static final int ACTIVE_LOW = 0b11;
    public static final int EDGE = 0b01 << 2;
    public static final int LEVEL = 0b11 << 2;

    /** ISA IRQ0 (the PIT) on GSI 2, edge, active high: every PC with an IOAPIC. */
    public static final InterruptSourceOverride PC_TIMER = new InterruptSourceOverride(PcPorts.PIT.irq(), 2, ACTIVE_HIGH | EDGE);

    public InterruptSourceOverride {
        if (source < 0 || source >= PcPorts.ISA_IRQS) throw new IllegalArgumentException("not an ISA IRQ: " + source);
        if (gsi < 0 || gsi >= PcPorts.IOAPIC_PINS) {
            throw new IllegalArgumentException("GSI " + gsi + " is not a pin of the IOAPIC (0-" + (PcPorts.IOAPIC_PINS - 1) + ")");
        }
        if ((flags & ~0xf) != 0) throw new IllegalArgumentException("MPS INTI flags are 4 bits: 0x" + Integer.toHexString(flags));
    }
}
