package io.jkvm.pci;

import io.jkvm.irq.InterruptLine;

import java.util.function.IntFunction;

/**
 * Where the INTx# pins of bus 0 go, fixed as on QEMU's {@code pc} after SeaBIOS ran: the PIIX3's
 * four PCI interrupt request lines PIRQA-PIRQD, each pin on one of them by the usual swizzle,
 * and each PIRQ on an IOAPIC input.
 * <pre>
 * PIRQ = (slot + pin - 2) mod 4      pin 1-4 = INTA#-INTD#; QEMU's pci_slot_get_pirq
 *                                     ((slot - 1 + intx) & 3, hw/isa/piix.c), the rotation
 *                                     of PCI-to-PCI Bridge 1.2, 9.1, applied to bus 0
 * PIRQA 10, PIRQB 10, PIRQC 11, PIRQD 11      SeaBIOS's pci_irqs[] written into PIIX3's PIRQRC
 * </pre>
 * jkvm has no PIIX3 and no PIRQRC registers, so the guest cannot re-route: the DSDT's _PRT
 * names these GSIs directly (a constant source index, no link devices), which the ACPI spec
 * allows (ACPI 6.5, 6.2.13) and which keeps QEMU's numbers for every slot. Linux then programs
 * the IOAPIC pins level-triggered, active low; KVM's IOAPIC ignores polarity, so a device
 * raising its line reaches the guest either way.
 *
 * <p>Several pins share a GSI (every PIRQ is shared by 8 slots, and PIRQA/PIRQB both use 10),
 * so each pin is an {@link InterruptLine} input and the GSI's line is high while any input is:
 * the wired-OR of PCI's open-drain INTx# lines (PCI Local Bus 3.0, 2.2.6).
 *
 * <p>Thread-safe: inputs serialize on this object.
 */
public final class PciIntxRouting {
    /** The GSI of PIRQA-PIRQD. */
    private static final int[] PIRQ_GSIS = {10, 10, 11, 11};
    /** GSIs of KVM's IOAPIC. */
    private static final int GSIS = 24;

    private final IntFunction<InterruptLine> gsiLines;
    private final int[] asserted = new int[GSIS];

    /** @param gsiLines the interrupt line into the irqchip for a GSI */
    public PciIntxRouting(IntFunction<InterruptLine> gsiLines) {
        this.gsiLines = gsiLines;
    }

    /** PIRQ 0-3 (A-D) of {@code pin} (1-4) of a device in {@code slot}. */
    public static int pirq(int slot, int pin) {
        checkPin(pin);
        return (slot + pin - 2) & 3;
    }

    /** The GSI {@code pin} (1-4) of a device in {@code slot} reaches. */
    public static int gsi(int slot, int pin) {
        return PIRQ_GSIS[pirq(slot, pin)];
    }

    /** The GSI of PIRQ {@code pirq} (0-3). */
    public static int pirqGsi(int pirq) {
        return PIRQ_GSIS[pirq];
    }

    private static void checkPin(int pin) {
        if (pin < 1 || pin > 4) throw new IllegalArgumentException("interrupt pin " + pin + " is not 1-4 (INTA#-INTD#)");
    }

    /** A new input for {@code pin} of the device in {@code slot}, ORed into its GSI's line. */
    public InterruptLine input(int slot, int pin) {
        int gsi = gsi(slot, pin);
        InterruptLine line = gsiLines.apply(gsi);
        return new InterruptLine() {
            private boolean level;

            @Override
            public void set(boolean high) {
                synchronized (PciIntxRouting.this) {
                    if (high == level) return;
                    level = high;
                    int n = asserted[gsi] += high ? 1 : -1;
                    if (high ? n == 1 : n == 0) line.set(high);
                }
            }
        };
    }
}
