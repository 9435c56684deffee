package io.jkvm.pci;

import io.jkvm.bus.Bus;
import io.jkvm.bus.BusDevice;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.jkvm.pci.PciConfigSpace.COMMAND;
import static io.jkvm.pci.PciConfigSpace.COMMAND_IO;
import static io.jkvm.pci.PciConfigSpace.COMMAND_MEMORY;
import static io.jkvm.pci.PciConfigSpace.UNMAPPED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PciBusTest {
    private final Bus ports = Bus.ports();
    private final Bus mmio = Bus.mmio();
    private final PciBus pci = new PciBus();
    private final PciTestdev dev = new PciTestdev();

    /** Answers every read with its offset, so a test can tell where the bus routed an access. */
    static final class Echo implements BusDevice {
        @Override public long read(long offset, int size) { return offset; }
        @Override public void write(long offset, int size, long value) { }
    }

    /** A device with one memory BAR of {@code size} bytes. */
    private static PciDevice memoryDevice(long size) {
        PciConfigSpace config = new PciConfigSpace(0x1234, 0x0001, 0, 0xff0000);
        config.addMemoryBar(0, size, new Echo());
        return () -> config;
    }

    private void write(int slot, int offset, int size, int value) {
        pci.configWrite(0, slot, 0, offset, size, value);
    }

    private List<Bus.Mapping> mmioBars() {
        return mmio.mappings();
    }

    private List<Bus.Mapping> portBars() {
        return ports.mappings().stream().filter(m -> m.base() != 0xcf8 && m.base() != 0xcfc).toList();
    }

    @Test
    void addValidatesThePlaceAndDeviceLooksItUp() {
        pci.add(3, dev);
        PciDevice other = memoryDevice(0x1000);
        pci.add(3, 2, other);
        assertSame(dev, pci.device(3, 0));
        assertSame(other, pci.device(3, 2));
        assertNull(pci.device(3, 1));
        assertNull(pci.device(32, 0));
        assertNull(pci.device(0, -1));
        assertThrows(IllegalArgumentException.class, () -> pci.add(3, new PciTestdev()), "taken");
        assertThrows(IllegalArgumentException.class, () -> pci.add(32, new PciTestdev()));
        assertThrows(IllegalArgumentException.class, () -> pci.add(-1, new PciTestdev()));
        assertThrows(IllegalArgumentException.class, () -> pci.add(1, 8, new PciTestdev()));
        assertThrows(IllegalArgumentException.class, () -> pci.add(1, null));
        pci.attach(ports, mmio);
        assertThrows(IllegalStateException.class, () -> pci.attach(Bus.ports(), Bus.mmio()));
    }

    @Test
    void configCyclesByBusDeviceFunction() {
        pci.add(3, dev);
        assertEquals(0x0005_1b36L, pci.configRead(0, 3, 0, 0, 4));
        assertEquals(0x1b36L, pci.configRead(0, 3, 0, 0, 2));
        assertEquals(0xffff_ffffL, pci.configRead(1, 3, 0, 0, 4), "bus 1");
        assertEquals(0xffff_ffffL, pci.configRead(0, 3, 1, 0, 4), "function 1");
        assertEquals(0xffffL, pci.configRead(0, 4, 0, 0, 2), "empty slot");
        assertEquals(0xffL, pci.configRead(0, 3, 0, 256, 1), "beyond the space");
        assertEquals(0xffL, pci.configRead(0, 33, 0, 0, 1));
        pci.configWrite(0, 3, 0, 0xfc, 4, 0xa1b2_c3d4);
        assertEquals(0x0000_00a1L, pci.configRead(0, 3, 0, 0xff, 4), "cut short at 255: upper bytes 0");
        assertEquals(0x0000_a1b2L, pci.configRead(0, 3, 0, 0xfe, 4));
        pci.configWrite(0, 3, 0, 0x3c, 1, 0x0a);
        pci.configWrite(1, 3, 0, 0x3c, 1, 0x0b);
        pci.configWrite(0, 3, 0, 0x3c, 9, 0x0c);
        assertEquals(0x0aL, pci.configRead(0, 3, 0, 0x3c, 1));
    }

    @Test
    void barsAppearOnTheBusesOnlyWhileDecodingIsEnabled() {
        pci.add(3, dev);
        pci.attach(ports, mmio);
        write(3, 0x10, 4, 0xfe00_0000);
        write(3, 0x14, 4, 0xc000);
        assertEquals(List.of(), mmioBars());
        assertEquals(List.of(), portBars());

        write(3, COMMAND, 2, COMMAND_MEMORY);
        assertEquals(List.of(new Bus.Mapping(0xfe00_0000L, 4096, dev.mmio())), mmioBars());
        assertEquals(List.of(), portBars());
        assertEquals(0xfe00_0000L, pci.mappedAddress(dev.config().bars().get(0)));
        assertEquals(UNMAPPED, pci.mappedAddress(dev.config().bars().get(1)));

        write(3, COMMAND, 2, COMMAND_MEMORY | COMMAND_IO);
        assertEquals(List.of(new Bus.Mapping(0xc000, 256, dev.portio())), portBars());

        write(3, COMMAND, 2, COMMAND_IO);
        assertEquals(List.of(), mmioBars());
        assertEquals(List.of(new Bus.Mapping(0xc000, 256, dev.portio())), portBars());
        write(3, COMMAND, 2, 0);
        assertEquals(List.of(), portBars());
    }

    @Test
    void aMovedBarIsGoneFromTheOldPlaceAndAnswersAtTheNewOne() {
        pci.add(3, dev);
        pci.attach(ports, mmio);
        write(3, 0x10, 4, 0xfe00_0000);
        write(3, 0x14, 4, 0xc000);
        write(3, COMMAND, 2, COMMAND_MEMORY | COMMAND_IO);
        mmio.write(0xfe00_0000L, 1, 0); // select test 0 through BAR0
        assertEquals(1L, mmio.read(0xfe00_0001L, 1), "header width");

        write(3, 0x10, 4, 0xfd00_0000);
        write(3, 0x14, 4, 0xc100);
        assertEquals(List.of(new Bus.Mapping(0xfd00_0000L, 4096, dev.mmio())), mmioBars());
        assertEquals(List.of(new Bus.Mapping(0xc100, 256, dev.portio())), portBars());
        assertEquals(0L, mmio.read(0xfe00_0001L, 1), "old place is unmapped MMIO: reads 0");
        assertEquals(1, mmio.unmappedReads());
        assertEquals(1L, mmio.read(0xfd00_0001L, 1));
        assertEquals(0x0800L, ports.read(0xc104, 2), "test 0's offset through the moved I/O BAR");
        assertEquals(0xffffL, ports.read(0xc004, 2));
    }

    @Test
    void aSizingProbeUnmapsTheBarUntilTheAddressIsRestored() {
        pci.add(3, dev);
        pci.attach(ports, mmio);
        write(3, 0x10, 4, 0xfe00_0000);
        write(3, COMMAND, 2, COMMAND_MEMORY);
        write(3, 0x10, 4, 0xffff_ffff);
        assertEquals(0xffff_f000L, pci.configRead(0, 3, 0, 0x10, 4));
        assertEquals(List.of(), mmioBars());
        write(3, 0x10, 4, 0xfe00_0000);
        assertEquals(List.of(new Bus.Mapping(0xfe00_0000L, 4096, dev.mmio())), mmioBars());
    }

    @Test
    void aBarOverAnotherDeviceStaysUnmappedUntilItMovesAway() {
        Echo rtc = new Echo();
        ports.attach(0xc010, 2, rtc);
        pci.add(3, dev);
        pci.attach(ports, mmio);
        write(3, 0x14, 4, 0xc000);
        write(3, COMMAND, 2, COMMAND_IO);
        assertEquals(List.of(new Bus.Mapping(0xc010, 2, rtc)), portBars());
        assertEquals(UNMAPPED, pci.mappedAddress(dev.config().bars().get(1)));
        write(3, 0x14, 4, 0xc100);
        assertEquals(List.of(new Bus.Mapping(0xc010, 2, rtc), new Bus.Mapping(0xc100, 256, dev.portio())), portBars());

        write(3, 0x14, 4, 0x1_0000); // decodes, but the port bus ends at 0xffff
        assertEquals(List.of(new Bus.Mapping(0xc010, 2, rtc)), portBars());
    }

    @Test
    void twoDevicesCanSwapBarsOneWriteAtATime() {
        PciTestdev other = new PciTestdev();
        pci.add(3, dev);
        pci.add(4, other);
        pci.attach(ports, mmio);
        write(3, 0x10, 4, 0xfe00_0000);
        write(4, 0x10, 4, 0xfe00_1000);
        write(3, COMMAND, 2, COMMAND_MEMORY);
        write(4, COMMAND, 2, COMMAND_MEMORY);

        write(3, 0x10, 4, 0xfe00_1000); // collides with slot 4 for now
        assertEquals(List.of(new Bus.Mapping(0xfe00_1000L, 4096, other.mmio())), mmioBars());
        write(4, 0x10, 4, 0xfe00_0000);
        assertEquals(List.of(new Bus.Mapping(0xfe00_0000L, 4096, other.mmio()), new Bus.Mapping(0xfe00_1000L, 4096, dev.mmio())),
                mmioBars());
    }

    @Test
    void assignResourcesPlacesBarsLargestFirstNaturallyAlignedAndEnablesDecoding() {
        PciDevice small = memoryDevice(16);
        PciDevice large = memoryDevice(0x10_0000);
        pci.add(1, small);
        pci.add(2, large);
        pci.add(3, dev);
        pci.add(4, new PciTestdev());
        pci.attach(ports, mmio);
        pci.assignResources(0xc000_0800L, 0xc010);

        assertEquals(0xc010_0000L, pci.configRead(0, 2, 0, 0x10, 4), "1 MiB, aligned up from 0xc0000800");
        assertEquals(0xc020_0000L, pci.configRead(0, 3, 0, 0x10, 4), "4 KiB BARs next, in slot order");
        assertEquals(0xc020_1000L, pci.configRead(0, 4, 0, 0x10, 4));
        assertEquals(0xc020_2000L, pci.configRead(0, 1, 0, 0x10, 4), "16 bytes last");
        assertEquals(0xc101L, pci.configRead(0, 3, 0, 0x14, 4), "256-byte I/O BARs aligned up from 0xc010");
        assertEquals(0xc201L, pci.configRead(0, 4, 0, 0x14, 4));
        for (int slot = 1; slot <= 4; slot++) {
            assertEquals(0x0103L, pci.configRead(0, slot, 0, COMMAND, 2), "I/O, memory and SERR# enable, slot " + slot);
        }
        assertEquals(4, mmioBars().size());
        assertEquals(new Bus.Mapping(0xc020_0000L, 4096, dev.mmio()), mmioBars().get(1));
        assertEquals(List.of(new Bus.Mapping(0xc100, 256, dev.portio()),
                new Bus.Mapping(0xc200, 256, ((PciTestdev) pci.device(4, 0)).portio())), portBars());
    }

    @Test
    void resourcesAssignedBeforeAttachAreMappedByAttachAndTheGuestMayMoveThem() {
        pci.add(3, dev);
        pci.assignResources(0xc000_0000L, 0xc000);
        assertEquals(UNMAPPED, pci.mappedAddress(dev.config().bars().get(0)));
        pci.attach(ports, mmio);
        assertEquals(List.of(new Bus.Mapping(0xc000_0000L, 4096, dev.mmio())), mmioBars());
        assertEquals(List.of(new Bus.Mapping(0xc000, 256, dev.portio())), portBars());

        ports.write(0xcf8, 4, 0x8000_1810L); // slot 3, BAR0, through the mechanism
        ports.write(0xcfc, 4, 0xd000_0000L);
        assertEquals(List.of(new Bus.Mapping(0xd000_0000L, 4096, dev.mmio())), mmioBars());
    }

    @Test
    void assignResourcesRefusesRangesThatDoNotFitAndChangesNothing() {
        pci.add(3, dev);
        pci.attach(ports, mmio);
        assertThrows(IllegalArgumentException.class, () -> pci.assignResources(0xffff_f000L, 0xc000), "would reach 4 GiB");
        assertThrows(IllegalArgumentException.class, () -> pci.assignResources(0xc000_0000L, 0xff01), "past port 0xffff");
        assertThrows(IllegalArgumentException.class, () -> pci.assignResources(0, 0xc000));
        assertThrows(IllegalArgumentException.class, () -> pci.assignResources(0xc000_0000L, 0));
        assertThrows(IllegalArgumentException.class, () -> pci.assignResources(Long.MAX_VALUE, 0xc000));
        assertThrows(IllegalArgumentException.class, () -> pci.assignResources(0xc000_0000L, 0x1_0000));
        assertEquals(0L, pci.configRead(0, 3, 0, 0x10, 4));
        assertEquals(1L, pci.configRead(0, 3, 0, 0x14, 4));
        assertEquals(0L, pci.configRead(0, 3, 0, COMMAND, 2));
        pci.assignResources(0xffff_e000L, 0xff00);
        assertEquals(0xffff_e000L, pci.configRead(0, 3, 0, 0x10, 4), "ends at 0xffffefff: fits");
        assertEquals(0xff01L, pci.configRead(0, 3, 0, 0x14, 4));
        assertEquals(List.of(new Bus.Mapping(0xffff_e000L, 4096, dev.mmio())), mmioBars());
    }
}
