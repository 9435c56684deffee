package io.jkvm.bus;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BusDetachTest {
    private final BusTest.Recorder a = new BusTest.Recorder(1);
    private final BusTest.Recorder b = new BusTest.Recorder(2);
    private final BusTest.Recorder c = new BusTest.Recorder(3);

    @Test
    void detachRemovesOnlyThatMappingAndTheRangeFloatsHigh() {
        Bus bus = Bus.ports();
        bus.attach(0x100, 0x10, a);
        bus.attach(0x200, 0x10, b);
        bus.attach(0x300, 0x10, c);

        assertTrue(bus.detach(0x200, b));
        assertEquals(List.of(new Bus.Mapping(0x100, 0x10, a), new Bus.Mapping(0x300, 0x10, c)), bus.mappings());
        assertEquals(0xffffL, bus.read(0x204, 2));
        assertEquals(1, bus.unmappedReads());
        assertEquals((1L << 32) | (4 << 8) | 2, bus.read(0x104, 2));
        assertEquals((3L << 32) | (4 << 8) | 2, bus.read(0x304, 2));
        bus.write(0x200, 1, 0x55);
        assertEquals(0, b.writes);
        assertEquals(1, bus.unmappedWrites());
    }

    @Test
    void detachNeedsTheExactBaseAndDevice() {
        Bus bus = Bus.mmio();
        bus.attach(0xfe00_0000L, 0x1000, a);
        assertFalse(bus.detach(0xfe00_0000L, b), "another device");
        assertFalse(bus.detach(0xfe00_0004L, a), "inside the range, not its base");
        assertFalse(bus.detach(0xfd00_0000L, a), "elsewhere");
        assertEquals(1, bus.mappings().size());
        assertTrue(bus.detach(0xfe00_0000L, a));
        assertFalse(bus.detach(0xfe00_0000L, a), "already gone");
        assertEquals(List.of(), bus.mappings());
        assertFalse(Bus.ports().detach(0, a), "empty bus");
    }

    @Test
    void aDetachedDeviceCanBeAttachedElsewhereAndTheOldPlaceReused() {
        Bus bus = Bus.mmio();
        bus.attach(0xc000_0000L, 0x1000, a);
        assertTrue(bus.detach(0xc000_0000L, a));
        bus.attach(0xc000_2000L, 0x1000, a);
        bus.attach(0xc000_0000L, 0x1000, b);
        assertEquals((1L << 32) | (0x10L << 8) | 4, bus.read(0xc000_2010L, 4));
        assertEquals((2L << 32) | (0x10L << 8) | 4, bus.read(0xc000_0010L, 4));
        assertEquals(List.of(new Bus.Mapping(0xc000_0000L, 0x1000, b), new Bus.Mapping(0xc000_2000L, 0x1000, a)), bus.mappings());
    }

    @Test
    void detachingTheFirstAndLastKeepsLookupsRight() {
        Bus bus = Bus.ports();
        bus.attach(0x10, 4, a);
        bus.attach(0x20, 4, b);
        bus.attach(0x30, 4, c);
        assertTrue(bus.detach(0x10, a));
        assertTrue(bus.detach(0x30, c));
        assertEquals(0xffL, bus.read(0x10, 1));
        assertEquals(0xffL, bus.read(0x33, 1));
        assertEquals((2L << 32) | (3 << 8) | 1, bus.read(0x23, 1));
    }
}
