package io.jkvm.bus;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BusTest {

    /** Remembers the last access; reads answer {@code id << 32 | offset << 8 | size}. */
    static final class Recorder implements BusDevice {
        final int id;
        long lastOffset = -1;
        int lastSize;
        long lastValue;
        int reads;
        int writes;

        Recorder(int id) {
            this.id = id;
        }

        @Override
        public long read(long offset, int size) {
            reads++;
            lastOffset = offset;
            lastSize = size;
            return ((long) id << 32) | (offset << 8) | size;
        }

        @Override
        public void write(long offset, int size, long value) {
            writes++;
            lastOffset = offset;
            lastSize = size;
            lastValue = value;
        }
    }

    @Test
    void routesWithOffsetsRelativeToTheBase() {
        Bus bus = Bus.ports();
        Recorder serial = new Recorder(1);
        Recorder exit = new Recorder(2);
        bus.attach(0x3f8, 8, serial);
        bus.attach(0xf4, 4, exit);

        bus.write(0x3fd, 1, 0x41);
        assertEquals(5, serial.lastOffset);
        assertEquals(1, serial.lastSize);
        assertEquals(0x41, serial.lastValue);
        assertEquals(0, exit.writes);

        assertEquals((2L << 32) | (0 << 8) | 4, bus.read(0xf4, 4));
        assertEquals((1L << 32) | (7 << 8) | 1, bus.read(0x3ff, 1));
        assertEquals(0, bus.unmappedReads());
        assertEquals(0, bus.unmappedWrites());
    }

    @Test
    void rejectsOverlappingRanges() {
        Bus bus = Bus.ports();
        bus.attach(0x100, 0x10, new Recorder(1));
        assertThrows(IllegalArgumentException.class, () -> bus.attach(0x100, 0x10, new Recorder(2)), "same range");
        assertThrows(IllegalArgumentException.class, () -> bus.attach(0x10f, 1, new Recorder(2)), "last byte");
        assertThrows(IllegalArgumentException.class, () -> bus.attach(0xf8, 9, new Recorder(2)), "first byte");
        assertThrows(IllegalArgumentException.class, () -> bus.attach(0x104, 2, new Recorder(2)), "inside");
        assertThrows(IllegalArgumentException.class, () -> bus.attach(0x80, 0x100, new Recorder(2)), "around");
        assertEquals(1, bus.mappings().size(), "a rejected attach leaves the bus as it was");
    }

    @Test
    void rejectsEmptyNegativeAndOutOfRangeRanges() {
        Bus ports = Bus.ports();
        assertThrows(IllegalArgumentException.class, () -> ports.attach(0x100, 0, new Recorder(1)), "empty");
        assertThrows(IllegalArgumentException.class, () -> ports.attach(0x100, -4, new Recorder(1)), "negative length");
        assertThrows(IllegalArgumentException.class, () -> ports.attach(-1, 4, new Recorder(1)), "negative base");
        assertThrows(IllegalArgumentException.class, () -> ports.attach(0xfffe, 4, new Recorder(1)), "past 0x10000");
        assertThrows(IllegalArgumentException.class, () -> ports.attach(0x10000, 1, new Recorder(1)), "at 0x10000");
        assertThrows(IllegalArgumentException.class, () -> ports.attach(0x100, 4, null), "no device");
        assertEquals(0, ports.mappings().size());

        ports.attach(0xfffc, 4, new Recorder(1)); // ends exactly at the limit
        assertEquals(1, ports.mappings().size());

        Bus mmio = Bus.mmio();
        assertThrows(IllegalArgumentException.class, () -> mmio.attach(Long.MAX_VALUE - 1, 4, new Recorder(1)), "wraps");
        mmio.attach(0xfee0_0000L, 0x1000, new Recorder(1));
        assertEquals(1, mmio.mappings().size());
    }

    @Test
    void adjacentRangesAreAllowedAndStaySeparate() {
        Bus bus = Bus.ports();
        Recorder low = new Recorder(1);
        Recorder high = new Recorder(2);
        bus.attach(0x100, 0x10, low);
        bus.attach(0x110, 0x10, high);
        bus.attach(0xf0, 0x10, new Recorder(3));

        bus.write(0x10f, 1, 1);
        assertEquals(1, low.writes);
        assertEquals(0xf, low.lastOffset);
        bus.write(0x110, 1, 2);
        assertEquals(1, high.writes);
        assertEquals(0, high.lastOffset);
    }

    @Test
    void unmappedReadsFloatHighForTheAccessSize() {
        Bus bus = Bus.ports();
        assertEquals(0xffL, bus.read(0x80, 1));
        assertEquals(0xffffL, bus.read(0x80, 2));
        assertEquals(0xffff_ffffL, bus.read(0x80, 4));
        assertEquals(-1L, bus.read(0x80, 8));
        assertEquals(4, bus.unmappedReads());
        assertEquals(0, bus.unmappedWrites());
    }

    @Test
    void unmappedMmioReadsAreZeroAsInQemu() {
        Bus bus = Bus.mmio();
        assertEquals(0L, bus.read(0xff00_0000L, 1));
        assertEquals(0L, bus.read(0xff00_0000L, 4));
        assertEquals(0L, bus.read(0xff00_0000L, 8));
        assertEquals(3, bus.unmappedReads());
    }

    @Test
    void unmappedWritesAreDroppedAndCounted() {
        Bus bus = Bus.ports();
        Recorder dev = new Recorder(1);
        bus.attach(0x100, 4, dev);
        bus.write(0x80, 1, 0xaa);
        bus.write(0x104, 2, 0xbbbb);
        assertEquals(2, bus.unmappedWrites());
        assertEquals(0, bus.unmappedReads());
        assertEquals(0, dev.writes);
    }

    @Test
    void anAccessStraddlingADevicesEndIsUnmapped() {
        Bus bus = Bus.ports();
        Recorder dev = new Recorder(1);
        Recorder next = new Recorder(2);
        bus.attach(0x100, 4, dev);
        bus.attach(0x104, 4, next);

        assertEquals(0xffffL, bus.read(0x103, 2), "last byte of one device plus first of the next");
        assertEquals(0xffff_ffffL, bus.read(0x102, 4));
        bus.write(0x101, 4, 0x12345678);
        assertEquals(0, dev.reads + dev.writes);
        assertEquals(0, next.reads + next.writes);
        assertEquals(2, bus.unmappedReads());
        assertEquals(1, bus.unmappedWrites());

        // The same sizes fit when aligned to the end.
        assertEquals((1L << 32) | (2 << 8) | 2, bus.read(0x102, 2));
        assertEquals((1L << 32) | 4, bus.read(0x100, 4));
        assertEquals(0xffff_ffff_ffff_ffffL, bus.read(0x100, 8), "wider than the device");
    }

    @Test
    void mmioReadsOfEightBytesReachTheDevice() {
        Bus bus = Bus.mmio();
        Recorder dev = new Recorder(7);
        bus.attach(0xd000_0000L, 0x1000, dev);
        assertEquals((7L << 32) | (0xff8L << 8) | 8, bus.read(0xd000_0ff8L, 8));
        bus.write(0xd000_0010L, 8, 0x0123_4567_89ab_cdefL);
        assertEquals(0x10, dev.lastOffset);
        assertEquals(0x0123_4567_89ab_cdefL, dev.lastValue);
        assertEquals(0L, bus.read(0xcfff_fffcL, 8), "below the device, overlapping its start: unmapped MMIO reads 0");
        assertEquals(0L, bus.read(-8L, 8), "top of the 64-bit space");
    }

    @Test
    void lookupAgreesWithALinearSearchOverManyDevices() {
        Bus bus = Bus.mmio();
        Random random = new Random(42);
        List<long[]> ranges = new ArrayList<>(); // base, end, device id
        List<Recorder> devices = new ArrayList<>();
        // 100 devices of random size with random gaps, attached in a shuffled order.
        long at = 0x1000;
        for (int i = 0; i < 100; i++) {
            at += random.nextInt(3) * 0x10L; // some devices are adjacent
            long length = 1 + random.nextInt(0x40);
            ranges.add(new long[] {at, at + length, i});
            devices.add(new Recorder(i));
            at += length;
        }
        List<long[]> order = new ArrayList<>(ranges);
        java.util.Collections.shuffle(order, random);
        for (long[] r : order) bus.attach(r[0], r[1] - r[0], devices.get((int) r[2]));

        int unmapped = 0;
        for (int n = 0; n < 20_000; n++) {
            long address = 0xff0 + random.nextInt((int) (at - 0xff0 + 0x20));
            int size = 1 << random.nextInt(4);
            long expected = -1;
            int expectedDevice = -1;
            for (long[] r : ranges) {
                if (address >= r[0] && address + size <= r[1]) {
                    expectedDevice = (int) r[2];
                    expected = ((long) expectedDevice << 32) | ((address - r[0]) << 8) | size;
                }
            }
            if (expectedDevice < 0) {
                unmapped++;
                expected = 0; // unmapped MMIO reads 0
            }
            assertEquals(expected, bus.read(address, size),
                    String.format("read of %d at 0x%x (device %d)", size, address, expectedDevice));
        }
        assertEquals(unmapped, bus.unmappedReads());
        assertTrue(unmapped > 100 && unmapped < 19_900, "the walk hit both devices and holes: " + unmapped);
    }

    @Test
    void mappingsAreListedInAddressOrder() {
        Bus bus = Bus.ports();
        Recorder a = new Recorder(1);
        Recorder b = new Recorder(2);
        Recorder c = new Recorder(3);
        bus.attach(0x3f8, 8, a);
        bus.attach(0x60, 1, b);
        bus.attach(0xf4, 4, c);

        List<Bus.Mapping> m = bus.mappings();
        assertEquals(3, m.size());
        assertEquals(new Bus.Mapping(0x60, 1, b), m.get(0));
        assertEquals(new Bus.Mapping(0xf4, 4, c), m.get(1));
        assertEquals(new Bus.Mapping(0x3f8, 8, a), m.get(2));
        assertEquals(0x400, m.get(2).end());
        assertSame(c, m.get(1).device());
        assertEquals("port I/O", bus.name());
        assertEquals("MMIO", Bus.mmio().name());
    }
}
