package io.jkvm.loader;

import io.jkvm.JkvmException;
import io.jkvm.boot.Layout;

/**
 * Where the initrd goes: as high as possible (boot.rst: "it is recommended that the initrd be
 * loaded as high in memory as possible"), page-aligned, wholly below the limit
 *
 * <pre>
 *   min(initrd_addr_max + 1, end of RAM below the MMIO hole)
 * </pre>
 *
 * and outside the kernel's footprint [kernelStart, kernelEnd) and the low megabyte (zero page,
 * command line, page tables, EBDA, BIOS). It goes above the kernel when it fits there, else
 * between 1 MiB and the kernel. Never above 4 GiB: jkvm does not rely on
 * XLF_CAN_BE_LOADED_ABOVE_4G.
 */
public final class InitrdPlacement {
    private InitrdPlacement() {}

    /**
     * Linux's default initrd_addr_max for kernels that predate the field (boot.rst: "for boot
     * protocols 2.02 or earlier, the maximum address is 0x37FFFFFF"), used for ELF kernels.
     */
    public static final long DEFAULT_INITRD_ADDR_MAX = 0x37FF_FFFFL;

    /**
     * The guest-physical address for an initrd of {@code size} bytes.
     *
     * @param initrdAddrMax highest address the initrd's last byte may occupy (setup header)
     * @param kernelStart   first byte of the kernel's footprint
     * @param kernelEnd     end (exclusive) of the kernel's footprint, e.g. load address + init_size
     * @param ramSize       guest RAM in bytes, laid out as {@link Layout#ramRanges}
     */
    public static long place(long size, long initrdAddrMax, long kernelStart, long kernelEnd, long ramSize) {
        if (size <= 0) throw new IllegalArgumentException("initrd size must be positive: " + size);
        long lowRamEnd = Math.min(ramSize, Layout.MMIO_HOLE_START);
        long limit = Math.min(initrdAddrMax + 1, lowRamEnd);
        long pages = BzImage.alignUp(size, Layout.PAGE_SIZE);

        long above = alignDown(limit - pages);
        if (above >= kernelEnd) return above;  // alignDown only lowers it, so it ends below limit
        long belowLimit = Math.min(limit, kernelStart);
        long below = alignDown(belowLimit - pages);
        if (below >= Layout.BIOS_END) return below;

        throw new JkvmException(String.format(
                "the initrd (%s) does not fit in guest RAM below 0x%x (RAM %s below the MMIO hole, initrd_addr_max 0x%x) "
                        + "beside the kernel at [0x%x, 0x%x): give the VM more memory or use a smaller initrd",
                mib(size), limit, mib(lowRamEnd), initrdAddrMax, kernelStart, kernelEnd));
    }

    /** The initrd's address for {@code kernel} loaded at its load address. */
    public static long place(long size, BzImage kernel, long ramSize) {
        return place(size, kernel.initrdAddrMax(), kernel.loadAddress(), kernel.footprintEnd(), ramSize);
    }

    private static long alignDown(long value) {
        return value & -Layout.PAGE_SIZE;
    }

    private static String mib(long bytes) {
        return bytes % (1 << 20) == 0 ? (bytes >> 20) + " MiB" : String.format("%.1f MiB", bytes / (double) (1 << 20));
    }
}
