package io.jkvm.loader;

import io.jkvm.JkvmException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class InitrdPlacementTest {
    private static final long MIB = 1L << 20;
    private static final long KERNEL = 0x100_0000;
    private static final long KERNEL_END = 0x437_8000;   // Debian 6.1's init_size from 16 MiB
    private static final long ADDR_MAX = 0x7FFF_FFFF;

    @Test
    void fitsAtTheTopOfRam() {
        assertEquals(256 * MIB - 8 * MIB, InitrdPlacement.place(8 * MIB, ADDR_MAX, KERNEL, KERNEL_END, 256 * MIB));
    }

    @Test
    void pageAlignedDown() {
        assertEquals(256 * MIB - 0x2000, InitrdPlacement.place(0x1001, ADDR_MAX, KERNEL, KERNEL_END, 256 * MIB));
    }

    @Test
    void limitedByInitrdAddrMax() {
        // 4 GiB of RAM: low RAM ends at the 3 GiB hole, but the initrd must end by 2 GiB.
        assertEquals(0x8000_0000L - 8 * MIB, InitrdPlacement.place(8 * MIB, ADDR_MAX, KERNEL, KERNEL_END, 4L << 30));
        // An old kernel's 0x37FFFFFF.
        assertEquals(0x3800_0000L - 8 * MIB, InitrdPlacement.place(8 * MIB, 0x37FF_FFFF, KERNEL, KERNEL_END, 2L << 30));
    }

    @Test
    void limitedByTheMmioHole() {
        assertEquals(0xC000_0000L - MIB, InitrdPlacement.place(MIB, 0xFFFF_FFFFL, KERNEL, KERNEL_END, 6L << 30));
    }

    @Test
    void belowTheKernelWhenAboveIsFull() {
        // 72 MiB of RAM leaves 4.5 MiB above the kernel: a 6 MiB initrd goes below it.
        assertEquals(KERNEL - 6 * MIB, InitrdPlacement.place(6 * MIB, ADDR_MAX, KERNEL, KERNEL_END, 72 * MIB));
    }

    @Test
    void tooBig() {
        JkvmException e = assertThrows(JkvmException.class,
                () -> InitrdPlacement.place(200 * MIB, ADDR_MAX, KERNEL, KERNEL_END, 256 * MIB));
        assertEquals("the initrd (200 MiB) does not fit in guest RAM below 0x10000000 (RAM 256 MiB below the MMIO hole, "
                + "initrd_addr_max 0x7fffffff) beside the kernel at [0x1000000, 0x4378000): give the VM more memory or use a smaller initrd",
                e.getMessage());
        // 64 MiB of RAM ends inside the kernel's footprint; the 15 MiB below the kernel are too few for 20 MiB.
        assertThrows(JkvmException.class, () -> InitrdPlacement.place(20 * MIB, ADDR_MAX, KERNEL, KERNEL_END, 64 * MIB));
        assertEquals(KERNEL - MIB, InitrdPlacement.place(MIB, ADDR_MAX, KERNEL, KERNEL_END, 64 * MIB), "but 1 MiB fits below");
    }
}
