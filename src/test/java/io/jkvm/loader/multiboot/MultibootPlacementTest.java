package io.jkvm.loader.multiboot;

import io.jkvm.JkvmException;
import io.jkvm.loader.E820Map;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.jkvm.loader.multiboot.MultibootImages.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MultibootPlacementTest {
    private static final long BLOCK = 0x5D0;
    private static final List<E820Map.Entry> MAP = E820Map.forRam(64 * MIB).entries();

    private static MultibootPlacement.Placement place(long imageStart, long imageEnd, long block, List<Long> modules, long ram) {
        return MultibootPlacement.place(new AddressRange(imageStart, imageEnd), block, modules, Math.min(ram, 0xC000_0000L),
                E820Map.forRam(ram).entries());
    }

    @Test
    void blockLowAsQemuPutsItModulesPageAlignedAfterTheBss() {
        MultibootPlacement.Placement p = place(0x10_0000, 0x10_2800, BLOCK, List.of(0x1800L, 0x10L, 0L), 64 * MIB);
        assertEquals(0x9000, p.infoBlock());
        assertEquals(0x9500, p.infoAddress());
        assertEquals(List.of(new AddressRange(0x10_3000, 0x10_4800), new AddressRange(0x10_5000, 0x10_5010), new AddressRange(0x10_6000, 0x10_6000)),
                p.modules());
    }

    @Test
    void kernelOverTheLowAreaMovesTheBlockAfterItsBss() {
        MultibootPlacement.Placement p = place(0x8000, 0x2_0000, BLOCK, List.of(0x1000L), 64 * MIB);
        assertEquals(0x2_0000, p.infoBlock(), "the first free page after the image");
        assertEquals(0x2_0500, p.infoAddress());
        assertEquals(List.of(new AddressRange(0x2_1000, 0x2_2000)), p.modules(), "modules step over the block");
    }

    @Test
    void kernelWhoseBssTouchesTheBlockMovesIt() {
        assertEquals(0xA000, place(0x2000, 0x9001, BLOCK, List.of(), 64 * MIB).infoBlock());
        assertEquals(0x9000, place(0x2000, 0x9000, BLOCK, List.of(), 64 * MIB).infoBlock(), "ending right at the block is fine");
        assertEquals(0x9000, place(0x95D0, 0xA000, BLOCK, List.of(), 64 * MIB).infoBlock(), "starting right after it too");
    }

    @Test
    void modulesOfALowKernelStepOverTheBlockAndTheBiosArea() {
        MultibootPlacement.Placement p = place(0x1000, 0x3000, BLOCK, List.of(0x8000L, 0x9_0000L), 64 * MIB);
        assertEquals(0x9000, p.infoBlock());
        assertEquals(List.of(new AddressRange(0xA000, 0x1_2000), new AddressRange(0x10_0000, 0x19_0000)), p.modules());
    }

    @Test
    void aBlockTooBigForTheLowAreaGoesAfterTheKernel() {
        assertEquals(0x9000, place(0x10_0000, 0x10_1000, 0x9_6C00, List.of(), 64 * MIB).infoBlock(), "ends at the EBDA: fits");
        MultibootPlacement.Placement p = place(0x10_0000, 0x10_1000, 0x9_6C01, List.of(0x10L), 64 * MIB);
        assertEquals(0x10_1000, p.infoBlock());
        assertEquals(List.of(new AddressRange(0x19_8000, 0x19_8010)), p.modules());
    }

    @Test
    void modulesThatDoNotFit() {
        assertEquals("the multiboot modules (3 MiB in all) do not fit in guest RAM below 0x400000 after the kernel at [0x100000, 0x200000): give the guest more memory",
                assertThrows(JkvmException.class, () -> place(0x10_0000, 0x20_0000, BLOCK, List.of(2 * MIB, MIB), 4 * MIB)).getMessage());
        assertEquals("the multiboot modules (3072 MiB in all) do not fit in guest RAM below 0xc0000000 after the kernel at [0x100000, 0x200000): give the guest more memory",
                assertThrows(JkvmException.class, () -> place(0x10_0000, 0x20_0000, BLOCK, List.of(3L << 30), 8L << 30)).getMessage(),
                "RAM above the MMIO hole is not used");
        assertEquals("the multiboot modules (1.5 MiB in all) do not fit in guest RAM below 0x200000 after the kernel at [0x100000, 0x180000): give the guest more memory",
                assertThrows(JkvmException.class, () -> place(0x10_0000, 0x18_0000, BLOCK, List.of(MIB, MIB / 2), 2 * MIB)).getMessage());
        // exactly filling RAM is fine
        assertEquals(List.of(new AddressRange(0x20_0000, 0x40_0000)), place(0x10_0000, 0x20_0000, BLOCK, List.of(2 * MIB), 4 * MIB).modules());
    }

    @Test
    void blockThatDoesNotFit() {
        assertEquals("the multiboot information (1488 bytes) does not fit in guest RAM below 0x400000 beside the kernel at [0x8000, 0x3fff00): give the guest more memory",
                assertThrows(JkvmException.class, () -> place(0x8000, 0x3f_ff00, BLOCK, List.of(), 4 * MIB)).getMessage());
    }

    /** Whatever the kernel and modules: nothing in page 0, the image, a reserved area, or another placement. */
    @Test
    void placementsNeverOverlap() {
        Random random = new Random(5);
        for (int round = 0; round < 5_000; round++) {
            long start = 0x1000 + (random.nextInt(0x400) << 12);
            if (start >= 0x9_F000 && start < 0x10_0000) start = 0x10_0000;
            long end = start + 1 + random.nextInt(0x20_0000);
            if (start < 0x9_FC00 && end > 0x9_FC00) end = 0x9_FC00;
            List<Long> sizes = new ArrayList<>();
            for (int n = random.nextInt(5); n > 0; n--) sizes.add((long) random.nextInt(random.nextBoolean() ? 0x3000 : 0x20_0000));
            long block = random.nextBoolean() ? BLOCK : 0x580 + random.nextInt(0x10_0000);
            MultibootPlacement.Placement p = MultibootPlacement.place(new AddressRange(start, end), block, sizes, 64 * MIB, MAP);

            List<AddressRange> taken = new ArrayList<>(List.of(new AddressRange(0, 0x1000), new AddressRange(start, end)));
            for (E820Map.Entry e : MAP) if (e.type() != E820Map.E820_RAM) taken.add(new AddressRange(e.addr(), e.end()));
            AddressRange b = new AddressRange(p.infoBlock(), p.infoBlock() + block);
            assertTrue(p.infoBlock() == 0x9000 || p.infoBlock() % 0x1000 == 0);
            for (AddressRange t : taken) assertFalse(t.overlaps(b), "block " + b + " overlaps " + t);
            taken.add(b);
            long previous = end;
            for (int i = 0; i < sizes.size(); i++) {
                AddressRange m = p.modules().get(i);
                assertEquals(sizes.get(i), m.size());
                assertEquals(0, m.start() % 0x1000, "page-aligned");
                assertTrue(m.start() >= previous, "in order after the image");
                AddressRange room = new AddressRange(m.start(), m.start() + Math.max(1, m.size()));
                for (AddressRange t : taken) assertFalse(t.overlaps(room), "module " + m + " overlaps " + t);
                taken.add(room);
                previous = m.end();
                assertTrue(m.end() <= 64 * MIB);
            }
        }
    }
}
