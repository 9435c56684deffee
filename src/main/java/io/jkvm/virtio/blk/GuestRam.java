package io.jkvm.virtio.blk;

import io.jkvm.memory.DmaRange;
import io.jkvm.memory.GuestMemory;
import io.jkvm.memory.MemoryRegion;

import java.lang.foreign.MemorySegment;

/**
 * Guest RAM's host segments by guest-physical address, so the disk is read and written straight
 * between the file and a guest buffer ({@code pread}/{@code pwrite} into the mapping) with no
 * copy and no allocation. Used only for buffers a {@link DmaRange} already checked to be RAM
 * (contiguous where they cross from one region into the next); looking them up again here
 * cannot fail for such a buffer, and answers -1 rather than throwing if it ever did.
 */
final class GuestRam {
    private final long[] starts;
    private final long[] ends;
    private final MemorySegment[] hosts;

    GuestRam(GuestMemory memory) {
        var regions = memory.regions();
        starts = new long[regions.size()];
        ends = new long[regions.size()];
        hosts = new MemorySegment[regions.size()];
        for (int i = 0; i < hosts.length; i++) {
            MemoryRegion r = regions.get(i);
            starts[i] = r.guestPhysAddr();
            ends[i] = r.end();
            hosts[i] = r.host();
        }
    }

    /** The region holding {@code gpa}, or -1. */
    int regionAt(long gpa) {
        for (int i = 0; i < starts.length; i++) {
            if (gpa >= starts[i] && gpa < ends[i]) return i;
        }
        return -1;
    }

    long start(int region) { return starts[region]; }

    long end(int region) { return ends[region]; }

    MemorySegment host(int region) { return hosts[region]; }
}
