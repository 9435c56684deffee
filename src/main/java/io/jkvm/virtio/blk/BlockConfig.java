package io.jkvm.virtio.blk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * virtio-blk's device configuration space (virtio 1.2 §5.2.4, Linux's
 * {@code struct virtio_blk_config}), little-endian, read-only for the driver. jkvm fills the
 * fields of the features it offers and leaves the rest 0:
 * <pre>
 *  0 le64 capacity              (512-byte sectors)
 *  8 le32 size_max              VIRTIO_BLK_F_SIZE_MAX
 * 12 le32 seg_max               VIRTIO_BLK_F_SEG_MAX
 * 16 geometry (le16, u8, u8)    VIRTIO_BLK_F_GEOMETRY, not offered
 * 20 le32 blk_size              VIRTIO_BLK_F_BLK_SIZE
 * 24 topology (8 bytes)         VIRTIO_BLK_F_TOPOLOGY, not offered
 * 32 u8 writeback, u8 unused0   VIRTIO_BLK_F_CONFIG_WCE, not offered
 * 34 le16 num_queues            VIRTIO_BLK_F_MQ, not offered
 * 36 le32 max_discard_sectors   VIRTIO_BLK_F_DISCARD
 * 40 le32 max_discard_seg
 * 44 le32 discard_sector_alignment
 * 48 le32 max_write_zeroes_sectors  VIRTIO_BLK_F_WRITE_ZEROES
 * 52 le32 max_write_zeroes_seg
 * 56 u8 write_zeroes_may_unmap, u8 unused1[3]
 * 60 (secure erase, zoned: not offered, not part of jkvm's space)
 * </pre>
 */
final class BlockConfig {
    static final int CAPACITY = 0, SIZE_MAX = 8, SEG_MAX = 12, BLK_SIZE = 20, MAX_DISCARD_SECTORS = 36,
            MAX_DISCARD_SEG = 40, DISCARD_SECTOR_ALIGNMENT = 44, MAX_WRITE_ZEROES_SECTORS = 48,
            MAX_WRITE_ZEROES_SEG = 52, WRITE_ZEROES_MAY_UNMAP = 56;
    static final int SIZE = 60;

    /** The largest buffer in a request: 4 MiB, so one host call moves at most that much at a time between requests. */
    static final int SIZE_MAX_VALUE = 4 << 20;
    /**
     * The most sectors one discard or write-zeroes segment may name: QEMU's limit
     * (BDRV_REQUEST_MAX_SECTORS, just under 2 GiB), so one fallocate call stays short.
     */
    static final int MAX_ZEROES_SECTORS = (Integer.MAX_VALUE >> 9) & ~7;
    /** Segments per discard or write-zeroes request: enough for Linux's merging, a bounded loop per request. */
    static final int MAX_ZEROES_SEG = 32;
    /** Discard granularity hint: 4 KiB, the file system block a hole is punched in (smaller ranges are zeroed). */
    static final int DISCARD_ALIGNMENT_SECTORS = 8;

    private final byte[] bytes = new byte[SIZE];

    /** The space of a disk of {@code sectors} sectors whose queue holds {@code queueSize} descriptors. */
    BlockConfig(long sectors, int queueSize) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(CAPACITY, sectors);
        b.putInt(SIZE_MAX, SIZE_MAX_VALUE);
        // A request needs the header and the status besides its data (§5.2.6); QEMU does the same.
        b.putInt(SEG_MAX, queueSize - 2);
        b.putInt(BLK_SIZE, DiskImage.SECTOR_SIZE);
        b.putInt(MAX_DISCARD_SECTORS, MAX_ZEROES_SECTORS);
        b.putInt(MAX_DISCARD_SEG, MAX_ZEROES_SEG);
        b.putInt(DISCARD_SECTOR_ALIGNMENT, DISCARD_ALIGNMENT_SECTORS);
        b.putInt(MAX_WRITE_ZEROES_SECTORS, MAX_ZEROES_SECTORS);
        b.putInt(MAX_WRITE_ZEROES_SEG, MAX_ZEROES_SEG);
        b.put(WRITE_ZEROES_MAY_UNMAP, (byte) 1);
    }

    /** {@code size} bytes at {@code offset}, little-endian; bytes outside the space read 0 (§2.5). */
    long read(int offset, int size) {
        long value = 0;
        for (int k = 0; k < size && k < 8; k++) {
            long at = (long) offset + k;
            if (at >= 0 && at < SIZE) value |= (bytes[(int) at] & 0xffL) << (8 * k);
        }
        return value;
    }
}
