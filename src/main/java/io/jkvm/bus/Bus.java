package io.jkvm.bus;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Maps non-overlapping, non-empty address ranges to devices and routes accesses to them.
 * An access that no device covers completely is unmapped: writes are dropped, reads return
 * the bus's idle value, and both are counted. Port reads float high (all ones, as on a PC's
 * ISA bus with nothing driving it); MMIO reads return 0, as QEMU's unassigned memory does
 * (system/memory.c unassigned_mem_read), so guests see what they see under QEMU.
 *
 * <p>Lookups (the hot path) binary-search an immutable snapshot and allocate nothing;
 * {@link #attach} and {@link #detach} replace the snapshot, so devices may be attached and
 * detached while vCPUs run.
 */
public final class Bus {
    /** A device's place on the bus. */
    public record Mapping(long base, long length, BusDevice device) {
        public long end() { return base + length; }
    }

    private record Snapshot(long[] bases, long[] ends, BusDevice[] devices) {}

    private final String name;
    private final long addressLimit;
    private final boolean floatHigh;
    private volatile Snapshot snapshot = new Snapshot(new long[0], new long[0], new BusDevice[0]);
    private final AtomicLong unmappedReads = new AtomicLong();
    private final AtomicLong unmappedWrites = new AtomicLong();

    /**
     * @param name         for messages ("port I/O", "MMIO")
     * @param addressLimit one past the highest address (0x10000 for ports; 0 for the full 64 bits)
     */
    public Bus(String name, long addressLimit) {
        this(name, addressLimit, true);
    }

    /** @param floatHigh unmapped reads return all ones (true) or zero (false) */
    public Bus(String name, long addressLimit, boolean floatHigh) {
        this.name = name;
        this.addressLimit = addressLimit;
        this.floatHigh = floatHigh;
    }

    public static Bus ports() { return new Bus("port I/O", 0x10000, true); }

    public static Bus mmio() { return new Bus("MMIO", 0, false); }

    public String name() { return name; }

    /** Attaches {@code device} at [base, base + length); rejects empty, wrapping, out-of-range or overlapping ranges. */
    public synchronized void attach(long base, long length, BusDevice device) {
        if (device == null) throw new IllegalArgumentException("no device");
        if (length <= 0) throw new IllegalArgumentException(name + " range at 0x" + Long.toHexString(base) + " is empty");
        long end = base + length;
        if (base < 0 || end < base && end != 0 || (addressLimit != 0 && Long.compareUnsigned(end, addressLimit) > 0)) {
            throw new IllegalArgumentException(String.format("%s range [0x%x, +0x%x) is outside the bus", name, base, length));
        }
        Snapshot s = snapshot;
        int n = s.bases.length;
        for (int i = 0; i < n; i++) {
            if (base < s.ends[i] && s.bases[i] < end) {
                throw new IllegalArgumentException(String.format("%s range [0x%x, 0x%x) overlaps [0x%x, 0x%x)",
                        name, base, end, s.bases[i], s.ends[i]));
            }
        }
        int at = 0;
        while (at < n && s.bases[at] < base) at++;
        long[] bases = new long[n + 1];
        long[] ends = new long[n + 1];
        BusDevice[] devices = new BusDevice[n + 1];
        System.arraycopy(s.bases, 0, bases, 0, at);
        System.arraycopy(s.ends, 0, ends, 0, at);
        System.arraycopy(s.devices, 0, devices, 0, at);
        bases[at] = base;
        ends[at] = end;
        devices[at] = device;
        System.arraycopy(s.bases, at, bases, at + 1, n - at);
        System.arraycopy(s.ends, at, ends, at + 1, n - at);
        System.arraycopy(s.devices, at, devices, at + 1, n - at);
        snapshot = new Snapshot(bases, ends, devices);
    }

    /**
     * Removes {@code device} from {@code base} (a PCI BAR that moved or was disabled); returns
     * false, changing nothing, when that device is not mapped there.
     */
    public synchronized boolean detach(long base, BusDevice device) {
        Snapshot s = snapshot;
        int n = s.bases.length;
        int at = 0;
        while (at < n && !(s.bases[at] == base && s.devices[at] == device)) at++;
        if (at == n) return false;
        long[] bases = new long[n - 1];
        long[] ends = new long[n - 1];
        BusDevice[] devices = new BusDevice[n - 1];
        System.arraycopy(s.bases, 0, bases, 0, at);
        System.arraycopy(s.ends, 0, ends, 0, at);
        System.arraycopy(s.devices, 0, devices, 0, at);
        System.arraycopy(s.bases, at + 1, bases, at, n - at - 1);
        System.arraycopy(s.ends, at + 1, ends, at, n - at - 1);
        System.arraycopy(s.devices, at + 1, devices, at, n - at - 1);
        snapshot = new Snapshot(bases, ends, devices);
        return true;
    }

    public List<Mapping> mappings() {
        Snapshot s = snapshot;
        List<Mapping> list = new ArrayList<>();
        for (int i = 0; i < s.bases.length; i++) list.add(new Mapping(s.bases[i], s.ends[i] - s.bases[i], s.devices[i]));
        return list;
    }

    /** Index of the mapping that holds all of [address, address + size), or -1. */
    private static int find(Snapshot s, long address, int size) {
        long[] bases = s.bases;
        int lo = 0;
        int hi = bases.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (bases[mid] <= address) lo = mid + 1; else hi = mid - 1;
        }
        int i = hi;
        if (i < 0 || address - bases[i] > s.ends[i] - bases[i] - size) return -1;
        return i;
    }

    /** The guest reads {@code size} bytes at {@code address}. */
    public long read(long address, int size) {
        Snapshot s = snapshot;
        int i = find(s, address, size);
        if (i < 0) {
            unmappedReads.incrementAndGet();
            if (!floatHigh) return 0;
            return size >= 8 ? -1L : (1L << (8 * size)) - 1;
        }
        return s.devices[i].read(address - s.bases[i], size);
    }

    /** The guest writes the low {@code size} bytes of {@code value} at {@code address}. */
    public void write(long address, int size, long value) {
        Snapshot s = snapshot;
        int i = find(s, address, size);
        if (i < 0) {
            unmappedWrites.incrementAndGet();
            return;
        }
        s.devices[i].write(address - s.bases[i], size, value);
    }

    public long unmappedReads() { return unmappedReads.get(); }

    public long unmappedWrites() { return unmappedWrites.get(); }
}
