package io.jkvm.devices.fwcfg;

import io.jkvm.memory.DmaRange;
import io.jkvm.memory.GuestMemory;

/**
 * One fw_cfg DMA operation (docs/specs/fw_cfg.rst, "Guest-side DMA Interface"; QEMU's
 * fw_cfg_dma_transfer). The guest puts a big-endian {@code FWCfgDmaAccess} in RAM:
 * <pre>
 * 0 be32 control   bit 0 ERROR, 1 READ, 2 SKIP, 3 SELECT (item in bits 16-31), 4 WRITE
 * 4 be32 length
 * 8 be64 address   guest-physical buffer
 * </pre>
 * SELECT acts first, as a selector write. Then the first of READ, WRITE, SKIP set runs over
 * {@code length} bytes from the current offset (none set: nothing more happens):
 * <ul>
 * <li>READ copies the item's bytes to {@code address}, and zeros past the item's end;</li>
 * <li>WRITE fails: jkvm's items are all read-only (QEMU's allow_write is false);</li>
 * <li>SKIP moves the offset on.</li>
 * </ul>
 * The offset stops at the item's end. Finally {@code control} is written back (be32): 0 on
 * success, ERROR when a buffer is not wholly in RAM or on WRITE. As in QEMU, a failed piece
 * still moves the offset on. When the structure itself is not in RAM, ERROR is written to its
 * control field if that much is RAM. Nothing here throws for any guest value.
 */
final class FwCfgDma {
    private FwCfgDma() {}

    static final int CTL_ERROR = 0x01;
    static final int CTL_READ = 0x02;
    static final int CTL_SKIP = 0x04;
    static final int CTL_SELECT = 0x08;
    static final int CTL_WRITE = 0x10;
    /** sizeof(FWCfgDmaAccess). */
    static final int ACCESS_SIZE = 16;

    /** Runs the operation whose {@code FWCfgDmaAccess} is at guest-physical {@code access}. */
    static void transfer(GuestMemory memory, FwCfgCursor cursor, long access) {
        DmaRange dma = memory.dmaRange(access, ACCESS_SIZE);
        if (!dma.valid()) {
            writeControl(memory, access, CTL_ERROR);
            return;
        }
        // The structure is big-endian; the view's fields are little-endian. All three lie in
        // the range just checked, so none of these reads can fail.
        int control = Integer.reverseBytes((int) dma.getU32(0));
        long length = Integer.toUnsignedLong(Integer.reverseBytes((int) dma.getU32(4)));
        long address = Long.reverseBytes(dma.getU64(8));

        if ((control & CTL_SELECT) != 0) cursor.select(control >>> 16);
        boolean read = (control & CTL_READ) != 0;
        boolean write = !read && (control & CTL_WRITE) != 0;
        if (!read && !write && (control & CTL_SKIP) == 0) length = 0;

        int result = 0;
        while (length > 0 && result == 0) {
            long n;
            if (cursor.remaining() == 0) {
                n = length; // past the end (or no item): zeros to read, nothing to write
                if (read && !memory.dmaRange(address, n).fill(0, n, (byte) 0)) result = CTL_ERROR;
                if (write) result = CTL_ERROR;
            } else {
                n = Math.min(length, cursor.remaining());
                if (read && !memory.dmaRange(address, n).write(0, cursor.item(), cursor.offset(), (int) n)) result = CTL_ERROR;
                if (write) result = CTL_ERROR;
                cursor.advance((int) n);
            }
            address += n;
            length -= n;
        }
        writeControl(memory, access, result);
    }

    /** Writes {@code control} (big-endian) to the structure's first field, if that much is RAM. */
    private static void writeControl(GuestMemory memory, long access, int control) {
        memory.dmaRange(access, 4).setU32(0, Integer.reverseBytes(control));
    }
}
