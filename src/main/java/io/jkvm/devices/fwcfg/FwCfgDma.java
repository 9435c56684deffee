package io.jkvm.devices.fwcfg;

import io.jkvm.memory.GuestMemory;

import java.nio.ByteBuffer;

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
        byte[] raw = new byte[ACCESS_SIZE];
        if (!GuestRange.read(memory, access, raw)) {
            writeControl(memory, access, CTL_ERROR);
            return;
        }
        ByteBuffer dma = ByteBuffer.wrap(raw); // big-endian
        int control = dma.getInt(0);
        long length = Integer.toUnsignedLong(dma.getInt(4));
        long address = dma.getLong(8);

        if ((control & CTL_SELECT) != 0) cursor.select(control >>> 16);
        boolean read = (control & CTL_READ) != 0;
        boolean write = !read && (control & CTL_WRITE) != 0;
        if (!read && !write && (control & CTL_SKIP) == 0) length = 0;

        int result = 0;
        while (length > 0 && result == 0) {
            long n;
            if (cursor.remaining() == 0) {
                n = length; // past the end (or no item): zeros to read, nothing to write
                if (read && !GuestRange.zero(memory, address, n)) result = CTL_ERROR;
                if (write) result = CTL_ERROR;
            } else {
                n = Math.min(length, cursor.remaining());
                if (read && !GuestRange.write(memory, address, cursor.item(), cursor.offset(), (int) n)) result = CTL_ERROR;
                if (write) result = CTL_ERROR;
                cursor.advance((int) n);
            }
            address += n;
            length -= n;
        }
        writeControl(memory, access, result);
    }

    private static void writeControl(GuestMemory memory, long access, int control) {
        GuestRange.write(memory, access, ByteBuffer.allocate(4).putInt(control).array(), 0, 4);
    }
}
