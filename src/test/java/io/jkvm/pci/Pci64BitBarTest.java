package io.jkvm.pci;

import io.jkvm.bus.Bus;
import io.jkvm.bus.BusDevice;
import io.jkvm.memory.GuestMemory;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.jkvm.pci.PciConfigSpace.COMMAND;
import static io.jkvm.pci.PciConfigSpace.COMMAND_MEMORY;
import static io.jkvm.pci.PciConfigSpace.UNMAPPED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** 64-bit memory BARs (PCI Local Bus 3.0, 6.2.5.1, type 10b), their placement and refused placements. */
class Pci64BitBarTest {
    private static final BusDevice REGION = new PciBusTest.Echo();

    private final List<String> logged = new ArrayList<>();
    private final PciBus pci = new PciBus(gsi -> io.jkvm.irq.InterruptLine.NONE, new GuestErrorLog(logged::add));
    private final Bus ports = Bus.ports();
    private final Bus mmio = Bus.mmio();

    private static PciConfigSpace config() {
        return new PciConfigSpace(0x1234, 0x0002, 0, 0xff0000);
    }

    private static PciDevice device(PciConfigSpace config) {
        return () -> config;
    }

    @Test
    void sizingWithAllOnesInBothHalvesReadsTheSizeMaskAndTypeBits() {
        PciConfigSpace c = config();
        c.addMemoryBar64(0, 0x4000, false, REGION);
        c.addMemoryBar64(2, 8L << 30, true, REGION);
        assertEquals(0x4, c.read(0x10, 4), "type 10b, not prefetchable");
        assertEquals(0xc, c.read(0x18, 4), "type 10b, prefetchable");
        for (int r = 0x10; r <= 0x1c; r += 4) c.write(r, 4, 0xffff_ffff);
        assertEquals(0xffff_c004, c.read(0x10, 4));
        assertEquals(0xffff_ffff, c.read(0x14, 4));
        assertEquals(0x0000_000c, c.read(0x18, 4), "8 GiB: no address bits in the lower half");
        assertEquals(0xffff_fffe, c.read(0x1c, 4));
        assertEquals(UNMAPPED, c.decodedAddress(0), "decoding off");
        c.write(COMMAND, 2, COMMAND_MEMORY);
        assertEquals(UNMAPPED, c.decodedAddress(0), "all ones: past 2^52, never decoded");
        assertEquals(UNMAPPED, c.decodedAddress(2));
    }

    @Test
    void aSixtyFourBitBarDecodesAboveFourGibAndBelowTwoToThe52() {
        PciConfigSpace c = config();
        c.addMemoryBar64(4, 0x1000, false, REGION);
        c.write(COMMAND, 2, COMMAND_MEMORY);
        c.write(0x20, 4, 0x1234_5000);
        c.write(0x24, 4, 0x0000_0080);
        assertEquals(0x80_1234_5000L, c.decodedAddress(4));
        c.write(0x24, 4, 0);
        assertEquals(0x1234_5000L, c.decodedAddress(4), "a 64-bit BAR may sit below 4 GiB");
        c.write(0x20, 4, 0xffff_f000);
        assertEquals(0xffff_f000L, c.decodedAddress(4), "reaching 0xffffffff is fine for a 64-bit BAR");
        c.write(0x24, 4, 0x000f_ffff);
        assertEquals(0x000f_ffff_ffff_f000L, c.decodedAddress(4), "the last page below 2^52");
        c.write(0x24, 4, 0x0010_0000);
        assertEquals(UNMAPPED, c.decodedAddress(4), "2^52 and above");
        c.write(0x24, 4, 0x8000_0000);
        assertEquals(UNMAPPED, c.decodedAddress(4), "bit 63 set is far above, not negative");
    }

    @Test
    void aSixtyFourBitBarTakesTwoRegistersAndIsListedOnce() {
        PciConfigSpace c = config();
        PciBar bar = c.addMemoryBar64(1, 0x1000, false, REGION);
        assertEquals(List.of(bar), c.bars());
        assertThrows(IllegalArgumentException.class, () -> c.addMemoryBar(2, 0x1000, REGION), "BAR 2 is BAR 1's upper half");
        assertThrows(IllegalArgumentException.class, () -> c.addMemoryBar64(0, 0x1000, false, REGION), "BAR 1 taken");
        assertThrows(IllegalArgumentException.class, () -> config().addMemoryBar64(5, 0x1000, false, REGION), "no BAR 6 for the upper half");
        assertThrows(IllegalArgumentException.class, () -> new PciBar(0, true, true, false, 16, REGION), "I/O cannot be 64-bit");
        assertThrows(IllegalArgumentException.class, () -> config().addMemoryBar64(0, 0x1800, false, REGION));
    }

    @Test
    void theBusMapsASixtyFourBitBarWhereverTheGuestPutsIt() {
        PciConfigSpace c = config();
        PciBar bar = c.addMemoryBar64(0, 0x1000, false, REGION);
        pci.add(2, device(c));
        pci.attach(ports, mmio);
        pci.configWrite(0, 2, 0, COMMAND, 2, COMMAND_MEMORY);
        pci.configWrite(0, 2, 0, 0x10, 4, 0x0000_3000);
        pci.configWrite(0, 2, 0, 0x14, 4, 0x0000_0040);
        assertEquals(0x40_0000_3000L, pci.mappedAddress(bar));
        assertEquals(0x10, mmio.read(0x40_0000_3010L, 4), "the region answers at its offset");
    }

    @Test
    void assignmentKeepsEverythingBelowFourGibWhenItFits() {
        PciConfigSpace a = config();
        PciBar wide = a.addMemoryBar64(0, 0x1000, false, REGION);
        PciBar narrow = a.addMemoryBar(2, 0x2000, REGION);
        pci.add(3, device(a));
        pci.assignResources(new PciWindows(0xc000, 0x1_0000, 0xc000_0000L, 0xfec0_0000L, 0x40_0000_0000L, 0x80_0000_0000L));
        pci.attach(ports, mmio);
        assertEquals(0xc000_0000L, pci.mappedAddress(narrow), "largest first");
        assertEquals(0xc000_2000L, pci.mappedAddress(wide));
        assertEquals(0, a.read(0x14, 4), "upper half written 0");
    }

    @Test
    void assignmentMovesSixtyFourBitBarsAboveFourGibWhenTheLowWindowIsTooSmall() {
        PciConfigSpace a = config();
        PciBar big = a.addMemoryBar64(0, 1L << 30, true, REGION);
        PciBar narrow = a.addMemoryBar(2, 0x1000, REGION);
        pci.add(3, device(a));
        PciWindows windows = new PciWindows(0xc000, 0x1_0000, 0xc000_0000L, 0xfec0_0000L, 0x40_0000_0000L, 0x80_0000_0000L);
        pci.assignResources(windows);
        pci.attach(ports, mmio);
        assertEquals(0x40_0000_0000L, pci.mappedAddress(big));
        assertEquals(0xc000_0000L, pci.mappedAddress(narrow));
        assertEquals(0x0000_000c, a.read(0x10, 4));
        assertEquals(0x40, a.read(0x14, 4));

        PciBus noHighWindow = new PciBus();
        PciConfigSpace b = config();
        b.addMemoryBar64(0, 1L << 30, true, REGION);
        noHighWindow.add(3, device(b));
        assertThrows(IllegalArgumentException.class, () -> noHighWindow.assignResources(
                new PciWindows(0xc000, 0x1_0000, 0xc000_0000L, 0xfec0_0000L, 0, 0)));
        assertEquals(0x0000_000c, b.read(0x10, 4), "nothing changed");
    }

    @Test
    void aBarMovedOverRamIsNotMappedAndLoggedOnce() {
        PciConfigSpace c = config();
        PciBar bar = c.addMemoryBar64(0, 0x1000, false, REGION);
        pci.add(2, device(c));
        pci.attach(ports, mmio, List.of(new GuestMemory.Range(0, 0xc000_0000L), new GuestMemory.Range(0x1_0000_0000L, 0x4000_0000L)));
        pci.configWrite(0, 2, 0, COMMAND, 2, COMMAND_MEMORY);
        pci.configWrite(0, 2, 0, 0x10, 4, 0x0010_0000);          // over low RAM
        assertEquals(UNMAPPED, pci.mappedAddress(bar));
        pci.configWrite(0, 2, 0, 0x14, 4, 1);                     // 0x1_0010_0000: over high RAM
        assertEquals(UNMAPPED, pci.mappedAddress(bar));
        assertEquals(1, logged.size(), logged.toString());
        assertTrue(logged.getFirst().contains("RAM"), logged.getFirst());
        assertEquals(List.of(), mmio.mappings(), "nothing on the MMIO bus");
        pci.configWrite(0, 2, 0, 0x14, 4, 0);
        pci.configWrite(0, 2, 0, 0x10, 4, 0xc000_0000);           // back in the hole
        assertEquals(0xc000_0000L, pci.mappedAddress(bar));
    }

    @Test
    void aBarMovedOverAnotherBarIsNotMappedAndLoggedOnce() {
        PciConfigSpace a = config();
        PciBar first = a.addMemoryBar(0, 0x1000, REGION);
        PciConfigSpace b = config();
        PciBar second = b.addMemoryBar64(0, 0x2000, false, REGION);
        pci.add(2, device(a));
        pci.add(3, device(b));
        pci.assignResources(0xc000_0000L, 0xc000);
        pci.attach(ports, mmio);
        assertEquals(0xc000_0000L, pci.mappedAddress(second));
        assertEquals(0xc000_2000L, pci.mappedAddress(first));
        for (int i = 0; i < 100; i++) {
            pci.configWrite(0, 2, 0, 0x10, 4, 0xc000_1000);       // inside the other BAR
            assertEquals(UNMAPPED, pci.mappedAddress(first));
            pci.configWrite(0, 2, 0, 0x10, 4, 0xc000_2000 + 0x1000 * (i % 2));
        }
        assertEquals(1, logged.size(), logged.toString());
        assertEquals(0xc000_0000L, pci.mappedAddress(second), "the other BAR is untouched");
    }
}
