package io.jkvm.irq;

import io.jkvm.boot.Layout;


/**
 * A message-signalled interrupt as a device writes it: a 32-bit write of {@code data} to
 * {@code address} (Intel SDM vol. 3A, 11.11 "Message Signalled Interrupts"). On x86 the address
 * lies in the local APICs' window 0xFEExxxxx and carries the destination APIC ID (bits 19:12),
 * the redirection hint (bit 3) and the destination mode (bit 2); the data carries the vector
 * (bits 7:0), the delivery mode (bits 10:8) and the trigger mode (bit 15).
 *
 * @param address the message address (64 bits, as MSI-X and 64-bit MSI hold it)
 * @param data    the message data (the low 32 bits matter)
 */
public record MsiMessage(long address, int data) {
    /** Bits 31:20 of every x86 MSI address (SDM 11.11.1): 0xFEE, the 1 MiB at {@link Layout#LOCAL_APIC_ADDR}. */
    private static final long WINDOW_MASK = -Layout.MSI_WINDOW_SIZE;

    /** Whether the address lies in the local APIC window; anything else is a bad message. */
    public boolean valid() { return (address & WINDOW_MASK) == Layout.LOCAL_APIC_ADDR; }

    /** The interrupt vector (SDM 11.11.2). */
    public int vector() { return data & 0xff; }

    /** The destination APIC ID (SDM 11.11.1; bits 19:12). */
    public int destinationId() { return (int) (address >>> 12) & 0xff; }

    @Override
    public String toString() { return String.format("MSI(address=0x%x, data=0x%x)", address, data); }
}
