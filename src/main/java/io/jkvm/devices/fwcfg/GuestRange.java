package io.jkvm.devices.fwcfg;

import io.jkvm.memory.GuestMemory;
import io.jkvm.memory.MemoryRegion;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * DMA into and out of guest RAM for addresses the guest chose: a range is used only when all
 * of it is RAM (it may run across adjacent regions), and then it is copied in pieces of at
 * most {@link #CHUNK} bytes, none crossing a region's end. Otherwise nothing is touched and
 * the call answers false: a hostile address never throws.
 */
final class GuestRange {
    private GuestRange() {}

    /** Largest piece copied or cleared at once. */
    static final long CHUNK = 1 << 20;

    /** Whether every byte of [gpa, gpa + length) is guest RAM (true when {@code length} is 0). */
    static boolean inRam(GuestMemory memory, long gpa, long length) {
        while (length > 0) {
            MemoryRegion r = memory.regionOf(gpa, 1);
            if (r == null) return false;
            long n = Math.min(length, r.end() - gpa);
            gpa += n;
            length -= n;
        }
        return true;
    }

    /** Copies {@code length} bytes of {@code src} from {@code offset} to guest {@code gpa}. */
    static boolean write(GuestMemory memory, long gpa, byte[] src, int offset, int length) {
        if (!inRam(memory, gpa, length)) return false;
        MemorySegment from = MemorySegment.ofArray(src);
        long done = 0;
        while (done < length) {
            long n = piece(memory, gpa + done, length - done);
            MemorySegment.copy(from, offset + done, memory.slice(gpa + done, n), 0, n);
            done += n;
        }
        return true;
    }

    /** Sets {@code length} guest bytes at {@code gpa} to 0. */
    static boolean zero(GuestMemory memory, long gpa, long length) {
        if (!inRam(memory, gpa, length)) return false;
        long done = 0;
        while (done < length) {
            long n = piece(memory, gpa + done, length - done);
            memory.slice(gpa + done, n).fill((byte) 0);
            done += n;
        }
        return true;
    }

    /** Fills {@code into} from guest {@code gpa}. */
    static boolean read(GuestMemory memory, long gpa, byte[] into) {
        if (!inRam(memory, gpa, into.length)) return false;
        long done = 0;
        while (done < into.length) {
            long n = piece(memory, gpa + done, into.length - done);
            MemorySegment.copy(memory.slice(gpa + done, n), ValueLayout.JAVA_BYTE, 0, into, (int) done, (int) n);
            done += n;
        }
        return true;
    }

    /** The length of the next piece at {@code gpa}, known to be RAM. */
    private static long piece(GuestMemory memory, long gpa, long left) {
        MemoryRegion r = memory.regionOf(gpa, 1);
        return Math.min(Math.min(left, CHUNK), r.end() - gpa);
    }
}
