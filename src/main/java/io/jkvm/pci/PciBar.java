package io.jkvm.pci;

import io.jkvm.bus.BusDevice;

/**
 * One base address register of a type-0 header (PCI Local Bus 3.0, 6.2.5.1): an I/O BAR, a
 * 32-bit memory BAR or a 64-bit memory BAR (type 10b, which also takes the next BAR register
 * for the upper 32 address bits), of {@code size} bytes (a power of two), whose accesses go to
 * {@code region} at offsets relative to the address the BAR holds.
 * <pre>
 * memory BAR  bits 31:4 address, 3 prefetchable, 2:1 type (00b 32-bit, 10b 64-bit), 0 = 0
 * I/O BAR     bits 31:2 address, 1 reserved, 0 = 1
 * </pre>
 *
 * @param index        0 to 5: the BAR at config offset 0x10 + 4 * index (a 64-bit BAR: 0 to 4,
 *                     and index + 1 holds the upper half)
 * @param io           an I/O BAR (bit 0 reads 1) rather than a memory BAR
 * @param memory64     a 64-bit memory BAR (type 10b), which firmware and the guest may place above 4 GiB
 * @param prefetchable bit 3 of a memory BAR: reads have no side effects (6.2.5.1)
 * @param size         the region's length, a power of two: 16 bytes (bits 3:0 of a memory BAR
 *                     encode its type, so they cannot be address bits) to 2 GiB for a 32-bit
 *                     memory BAR, 2^62 for a 64-bit one; 4 bytes (bits 1:0) to 256 for I/O, the
 *                     most 6.2.5.1 lets an I/O BAR consume
 * @param region       the device model behind the BAR
 */
public record PciBar(int index, boolean io, boolean memory64, boolean prefetchable, long size, BusDevice region) {
    /** Type bits 2:1 = 10b: a 64-bit memory BAR. */
    public static final int TYPE_64 = 0x4;
    /** Bit 3 of a memory BAR. */
    public static final int PREFETCHABLE = 0x8;

    public PciBar {
        int last = memory64 ? PciConfigSpace.BAR_COUNT - 2 : PciConfigSpace.BAR_COUNT - 1;
        if (index < 0 || index > last) throw new IllegalArgumentException("BAR index " + index + " is not 0-" + last);
        if (region == null) throw new IllegalArgumentException("BAR " + index + " has no region");
        if (io && (memory64 || prefetchable)) throw new IllegalArgumentException("I/O BAR " + index + " cannot be 64-bit or prefetchable");
        long min = io ? 4 : 16;
        long max = io ? 256 : memory64 ? 1L << 62 : 0x8000_0000L;
        if (Long.bitCount(size) != 1 || size < min || size > max) {
            throw new IllegalArgumentException(String.format("%s BAR %d size 0x%x is not a power of two in [0x%x, 0x%x]",
                    io ? "I/O" : "memory", index, size, min, max));
        }
    }

    /** A 32-bit non-prefetchable memory BAR or an I/O BAR. */
    public PciBar(int index, boolean io, long size, BusDevice region) {
        this(index, io, false, false, size, region);
    }

    /** The BAR's offset in configuration space (the lower half's, for a 64-bit BAR). */
    public int register() {
        return PciConfigSpace.BASE_ADDRESS_0 + 4 * index;
    }

    /** The type bits 3:0 the BAR reads with: I/O 01b, memory 0000b, 64-bit 0100b, plus prefetchable 1000b. */
    public int typeBits() {
        if (io) return PciConfigSpace.BAR_SPACE_IO;
        return (memory64 ? TYPE_64 : 0) | (prefetchable ? PREFETCHABLE : 0);
    }
}
