package io.jkvm.pci;

import io.jkvm.bus.BusDevice;

/**
 * One base address register of a type-0 header (PCI Local Bus 3.0, 6.2.5.1): a 32-bit memory
 * BAR or an I/O BAR of {@code size} bytes (a power of two) whose accesses go to
 * {@code region}, at offsets relative to the address the BAR holds.
 *
 * @param index  0 to 5: the BAR at config offset 0x10 + 4 * index
 * @param io     an I/O BAR (bit 0 reads 1) rather than a 32-bit non-prefetchable memory BAR
 * @param size   the region's length, a power of two: 16 bytes (bits 3:0 of a memory BAR
 *               encode its type, so they cannot be address bits) to 2 GiB for memory; 4 bytes
 *               (bits 1:0) to 256 for I/O, the most 6.2.5.1 lets an I/O BAR consume
 * @param region the device model behind the BAR
 */
public record PciBar(int index, boolean io, long size, BusDevice region) {
    public PciBar {
        if (index < 0 || index >= PciConfigSpace.BAR_COUNT) throw new IllegalArgumentException("BAR index " + index + " is not 0-5");
        if (region == null) throw new IllegalArgumentException("BAR " + index + " has no region");
        long min = io ? 4 : 16;
        long max = io ? 256 : 0x8000_0000L;
        if (Long.bitCount(size) != 1 || size < min || size > max) {
            throw new IllegalArgumentException(String.format("%s BAR %d size 0x%x is not a power of two in [0x%x, 0x%x]",
                    io ? "I/O" : "memory", index, size, min, max));
        }
    }

    /** The BAR's offset in configuration space. */
    public int register() {
        return PciConfigSpace.BASE_ADDRESS_0 + 4 * index;
    }
}
