package io.jkvm.loader.multiboot;

import io.jkvm.JkvmException;
import io.jkvm.boot.Layout;
import io.jkvm.loader.E820Map;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the boot information block and the modules go. Multiboot 0.6.96, 3.3: they "may be
 * placed anywhere in memory by the boot loader (with the exception of the memory reserved for the
 * kernel and boot modules, of course)"; jkvm keeps them out of page 0 and jkvm's GDT, the kernel
 * image with its bss, and whatever the memory map does not call RAM.
 *
 * <ul>
 * <li>The block goes at {@link Layout#MULTIBOOT_INFO_ADDR} (multiboot_info at 0x9500), as
 *     QEMU places it, if it is clear there and ends before the EBDA; otherwise on the first free
 *     page after the kernel's bss.</li>
 * <li>Modules follow the kernel's bss in order, each on the first free page (3.1.2, flags[0];
 *     QEMU page-aligns them too), stepping over the block and reserved areas. A module takes at
 *     least one byte of room, so no two start at the same address.</li>
 * <li>Everything ends in guest RAM below the MMIO hole ({@link Layout#MMIO_HOLE_START}).</li>
 * </ul>
 */
public final class MultibootPlacement {
    private MultibootPlacement() {}

    /** The block's base (multiboot_info at base + 0x500) and each module's [start, end). */
    public record Placement(long infoBlock, List<AddressRange> modules) {
        public Placement {
            modules = List.copyOf(modules);
        }

        /** multiboot_info's address, for EBX. */
        public long infoAddress() { return infoBlock + MultibootInfo.INFO_OFFSET; }
    }

    /**
     * Places a block of {@code infoBlockSize} bytes and modules of {@code moduleSizes} bytes.
     *
     * @param image      the kernel's [load start, bss end)
     * @param lowRamEnd  end of the guest RAM that starts at 0
     * @param memoryMap  the map the kernel is given; its non-RAM entries are stepped over
     */
    public static Placement place(AddressRange image, long infoBlockSize, List<Long> moduleSizes, long lowRamEnd,
                                  List<E820Map.Entry> memoryMap) {
        long limit = Math.min(lowRamEnd, Layout.MMIO_HOLE_START);
        List<AddressRange> taken = new ArrayList<>();
        taken.add(new AddressRange(0, Layout.GDT_RESERVED_END));
        taken.add(image);
        for (E820Map.Entry e : memoryMap) {
            if (e.type() != E820Map.E820_RAM && e.addr() < limit) taken.add(new AddressRange(e.addr(), e.end()));
        }

        long afterImage = alignUp(image.end(), Layout.PAGE_SIZE);
        AddressRange low = new AddressRange(Layout.MULTIBOOT_INFO_ADDR, Layout.MULTIBOOT_INFO_ADDR + infoBlockSize);
        long block;
        if (low.end() <= Layout.MULTIBOOT_INFO_END && low.end() <= limit && taken.stream().noneMatch(low::overlaps)) {
            block = low.start();
        } else {
            block = firstFit(afterImage, infoBlockSize, taken);
            if (block < 0 || block + infoBlockSize > limit) {
                throw new JkvmException(String.format("the multiboot information (%d bytes) does not fit in guest RAM below 0x%x beside the kernel at %s: give the guest more memory",
                        infoBlockSize, limit, image));
            }
        }
        taken.add(new AddressRange(block, block + infoBlockSize));

        List<AddressRange> modules = new ArrayList<>();
        long cursor = afterImage;
        for (long size : moduleSizes) {
            long start = firstFit(cursor, size, taken);
            if (start < 0 || size > limit - start) {
                long total = moduleSizes.stream().mapToLong(Long::longValue).sum();
                throw new JkvmException(String.format("the multiboot modules (%s in all) do not fit in guest RAM below 0x%x after the kernel at %s: give the guest more memory",
                        mib(total), limit, image));
            }
            modules.add(new AddressRange(start, start + size));
            taken.add(new AddressRange(start, start + Math.max(size, 1)));
            cursor = start + size;
        }
        return new Placement(block, modules);
    }

    /** The lowest page-aligned address at or above {@code from} where {@code size} bytes (at least one) miss every taken range, or -1 past 4 GiB. */
    private static long firstFit(long from, long size, List<AddressRange> taken) {
        long start = alignUp(from, Layout.PAGE_SIZE);
        boolean moved = true;
        while (moved) {
            if (start >= Multiboot.ADDRESS_LIMIT || size > Multiboot.ADDRESS_LIMIT - start) return -1;
            AddressRange want = new AddressRange(start, start + Math.max(size, 1));
            moved = false;
            for (AddressRange t : taken) {
                if (t.overlaps(want)) {
                    start = alignUp(t.end(), Layout.PAGE_SIZE);
                    moved = true;
                    break;
                }
            }
        }
        return start;
    }

    private static String mib(long bytes) {
        return bytes % (1 << 20) == 0 ? (bytes >> 20) + " MiB" : String.format("%.1f MiB", bytes / (double) (1 << 20));
    }

    static long alignUp(long value, long alignment) {
        return (value + alignment - 1) & -alignment;
    }
}
