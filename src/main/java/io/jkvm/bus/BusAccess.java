package io.jkvm.bus;

/**
 * Helpers for device models that reproduce QEMU's behaviour access by access.
 *
 * <p>QEMU does not hand a guest access to a device model whole: its memory core
 * (system/physmem.c, {@code memory_access_size}) cuts it into pieces, each a power of two, no
 * wider than the region's {@code valid.max_access_size} (4 bytes when the region sets none) and
 * no wider than the alignment of its offset in the region. A 2-byte access at offset 1 of a
 * port region reaches the model as two 1-byte accesses; an 8-byte MMIO access as two 4-byte
 * ones. Models whose registers answer differently to the pieces than to the whole access (a
 * register that ignores all but 4-byte writes, say) loop over {@link #pieceSize}.
 */
public final class BusAccess {
    private BusAccess() {}

    /** All ones in the low {@code size} bytes: 0xff for 1, 0xffff for 2, ..., -1 for 8 or more, 0 for none. */
    public static long mask(int size) {
        if (size <= 0) return 0;
        return size >= 8 ? -1L : (1L << (8 * size)) - 1;
    }

    /**
     * The size of the next piece QEMU issues at {@code offset} with {@code remaining} bytes of
     * the access left: the largest power of two no greater than {@code remaining}, {@code max}
     * and the alignment of {@code offset} (offset 0 is aligned to anything). At least 1.
     */
    public static int pieceSize(long offset, int remaining, int max) {
        int limit = Math.max(1, max);
        long alignment = offset & -offset;
        if (alignment != 0 && alignment < limit) limit = (int) alignment;
        return Math.max(1, Integer.highestOneBit(Math.min(remaining, limit)));
    }
}
