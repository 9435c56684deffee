package io.jkvm.virtio.blk;

import io.jkvm.memory.DmaRange;
import io.jkvm.pci.GuestErrorLog;
import io.jkvm.sys.Errno;
import io.jkvm.sys.Libc;
import io.jkvm.virtio.queue.DescriptorChain;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Carries out one virtio-blk request (virtio 1.2 §5.2.6):
 * <pre>
 * readable:  le32 type | le32 reserved | le64 sector | data (OUT, DISCARD/WRITE_ZEROES segments)
 * writable:  data (IN, GET_ID) | u8 status
 * </pre>
 * The device does not rely on how the driver cut these into descriptors (§2.7.4): it reads the
 * readable buffers as one stream and the writable ones as another. The status is the last byte
 * of the writable stream.
 *
 * <p>Answers: VIRTIO_BLK_S_UNSUPP for a type jkvm does not know (and unknown segment flags);
 * VIRTIO_BLK_S_IOERR for a malformed request (a header shorter than 16 bytes, data not a whole
 * number of sectors or segments), a range past the capacity, a write to a read-only disk, and
 * a host error. A chain with no writable byte has nowhere to put a status: it is returned with
 * 0 bytes written and logged once. Nothing here throws or allocates per request.
 */
final class BlockRequestHandler {
    // Request types (§5.2.6).
    static final int VIRTIO_BLK_T_IN = 0, VIRTIO_BLK_T_OUT = 1, VIRTIO_BLK_T_FLUSH = 4, VIRTIO_BLK_T_GET_ID = 8,
            VIRTIO_BLK_T_DISCARD = 11, VIRTIO_BLK_T_WRITE_ZEROES = 13;
    // Status (§5.2.6).
    static final int VIRTIO_BLK_S_OK = 0, VIRTIO_BLK_S_IOERR = 1, VIRTIO_BLK_S_UNSUPP = 2;
    /** struct virtio_blk_discard_write_zeroes flags (§5.2.6): le64 sector, le32 num_sectors, le32 flags. */
    static final int VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP = 1;
    static final int HEADER_SIZE = 16, SEGMENT_SIZE = 16;
    /** GET_ID's answer: the id string, NUL-padded, not NUL-terminated when it is 20 bytes (§5.2.6.1). */
    static final int VIRTIO_BLK_ID_BYTES = 20;

    private static final VarHandle LE32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final DiskImage disk;
    private final byte[] id = new byte[VIRTIO_BLK_ID_BYTES];
    private final GuestErrorLog log;
    private final String name;
    private final byte[] header = new byte[HEADER_SIZE];
    private final byte[] segment = new byte[SEGMENT_SIZE];
    /** The iovecs of one transfer (IOV_MAX x struct iovec), native memory made once per device. */
    private final MemorySegment iov = Arena.ofAuto().allocate(Libc.IOV_MAX * Libc.IOVEC_SIZE, 8);
    /** The iovecs as they are built, copied into {@link #iov} in one bulk copy. */
    private final long[] iovecs = new long[2 * Libc.IOV_MAX];
    private boolean hostErrorLogged;
    /** The status of the last request, for tests. */
    int lastStatus = -1;

    BlockRequestHandler(DiskImage disk, String id, GuestErrorLog log, String name) {
        this.disk = disk;
        this.log = log;
        this.name = name;
        if (id != null) {
            byte[] b = id.getBytes(StandardCharsets.UTF_8);
            System.arraycopy(b, 0, this.id, 0, Math.min(b.length, VIRTIO_BLK_ID_BYTES));
        }
    }

    /**
     * Carries out the request in {@code chain} and writes its status; returns the bytes written
     * into the writable buffers, for the used ring (§2.7.8: data and status, or 0 when there was
     * no status byte).
     */
    long handle(DescriptorChain chain) {
        long writable = chain.writableLength();
        if (writable < 1) {
            lastStatus = -1;
            guestError("virtio-blk-no-status", "a request with no writable status byte, returned unanswered");
            return 0;
        }
        long dataIn = writable - 1;   // the writable data before the status
        long written = 1;
        int status;
        if (chain.read(0, header, 0, HEADER_SIZE) < HEADER_SIZE) {
            guestError("virtio-blk-short-header", "a request header shorter than 16 bytes, answered IOERR");
            status = VIRTIO_BLK_S_IOERR;
        } else {
            int type = (int) LE32.get(header, 0);
            long sector = (long) LE64.get(header, 8);
            long dataOut = chain.readableLength() - HEADER_SIZE;
            switch (type) {
                case VIRTIO_BLK_T_IN -> {
                    status = readSectors(chain, sector, dataIn);
                    if (status == VIRTIO_BLK_S_OK) written += dataIn;
                }
                case VIRTIO_BLK_T_OUT -> status = disk.readOnly() ? VIRTIO_BLK_S_IOERR : writeSectors(chain, sector, dataOut);
                case VIRTIO_BLK_T_FLUSH -> status = hostResult(disk.flush());
                case VIRTIO_BLK_T_GET_ID -> {
                    int n = (int) Math.min(dataIn, VIRTIO_BLK_ID_BYTES);
                    chain.write(0, id, 0, n);
                    written += n;
                    status = VIRTIO_BLK_S_OK;
                }
                case VIRTIO_BLK_T_DISCARD, VIRTIO_BLK_T_WRITE_ZEROES ->
                        status = disk.readOnly() ? VIRTIO_BLK_S_IOERR : zeroes(chain, type == VIRTIO_BLK_T_DISCARD, dataOut);
                default -> status = VIRTIO_BLK_S_UNSUPP;
            }
        }
        // The last writable byte; the chain's ranges were checked, so this store succeeds.
        DmaRange last = chain.writable(chain.writableCount() - 1);
        last.setU8(last.length() - 1, status);
        lastStatus = status;
        return written;
    }

    /** VIRTIO_BLK_T_IN: {@code length} bytes from {@code sector} into the writable data. */
    private int readSectors(DescriptorChain chain, long sector, long length) {
        if (!inRange(sector, length)) return VIRTIO_BLK_S_IOERR;
        return hostResult(transfer(chain, length, sector * DiskImage.SECTOR_SIZE, true));
    }

    /** VIRTIO_BLK_T_OUT: the readable data after the header to {@code sector}. */
    private int writeSectors(DescriptorChain chain, long sector, long length) {
        if (!inRange(sector, length)) return VIRTIO_BLK_S_IOERR;
        return hostResult(transfer(chain, length, sector * DiskImage.SECTOR_SIZE, false));
    }

    /**
     * Whether {@code length} bytes from {@code sector} are whole sectors inside the disk
     * (§5.2.6.1: data a multiple of 512 bytes, never past the capacity). The sector is unsigned.
     */
    private boolean inRange(long sector, long length) {
        long capacity = disk.sectors();
        if (length % DiskImage.SECTOR_SIZE != 0) {
            guestError("virtio-blk-partial-sector", "a read or write of part of a sector, answered IOERR");
            return false;
        }
        if (Long.compareUnsigned(sector, capacity) > 0 || length / DiskImage.SECTOR_SIZE > capacity - sector) {
            guestError("virtio-blk-past-end", "a request past the disk's last sector, answered IOERR");
            return false;
        }
        return true;
    }

    /**
     * Moves {@code length} bytes between the file at {@code fileAt} and the data of the chain:
     * into the writable stream from its start ({@code toGuest}), or out of the readable stream
     * after the header. 0 or -errno.
     */
    private int transfer(DescriptorChain chain, long length, long fileAt, boolean toGuest) {
        int count = toGuest ? chain.writableCount() : chain.readableCount();
        long skip = toGuest ? 0 : HEADER_SIZE;
        // One preadv/pwritev for the whole request (QEMU's and Firecracker's way: a 1 MiB request
        // of 256 pages is one system call, not 256); the iovecs point into guest RAM.
        int entries = 0;
        long batch = 0;
        for (int i = 0; i < count && length > 0; i++) {
            DmaRange b = toGuest ? chain.writable(i) : chain.readable(i);
            if (skip >= b.length()) {
                skip -= b.length();
                continue;
            }
            long n = Math.min(length, b.length() - skip);
            // One iovec per region the buffer lies in (a checked buffer may run from one region
            // into the next). Cannot fail for a checked buffer: a chain has at most QUEUE_SIZE
            // buffers, each in one region or a few contiguous ones, and IOV_MAX iovecs fit.
            int made = b.iovecs(skip, n, iovecs, entries);
            if (made < 0) return -Errno.EIO;
            entries += made;
            batch += n;
            length -= n;
            skip = 0;
        }
        if (length != 0) return -Errno.EIO; // cannot happen: the lengths were checked against the chain
        if (entries == 0) return 0;
        MemorySegment.copy(iovecs, 0, iov, ValueLayout.JAVA_LONG, 0, 2 * entries);   // struct iovec: base, len
        return toGuest ? disk.readv(fileAt, iov, entries, batch) : disk.writev(fileAt, iov, entries, batch);
    }

    /**
     * VIRTIO_BLK_T_DISCARD and VIRTIO_BLK_T_WRITE_ZEROES (§5.2.6): the data is
     * {@code struct virtio_blk_discard_write_zeroes} segments; each is checked, then carried out,
     * in order. Unknown flags, or the unmap flag on a discard, are UNSUPP (§5.2.6.2); too many
     * segments or sectors, or a range past the end, IOERR.
     */
    private int zeroes(DescriptorChain chain, boolean discard, long length) {
        if (length <= 0 || length % SEGMENT_SIZE != 0 || length / SEGMENT_SIZE > BlockConfig.MAX_ZEROES_SEG) {
            guestError("virtio-blk-bad-segments", "a discard/write-zeroes request with no, partial or too many segments,"
                    + " answered IOERR");
            return VIRTIO_BLK_S_IOERR;
        }
        for (long at = HEADER_SIZE; at < HEADER_SIZE + length; at += SEGMENT_SIZE) {
            chain.read(at, segment, 0, SEGMENT_SIZE);
            long sector = (long) LE64.get(segment, 0);
            long sectors = Integer.toUnsignedLong((int) LE32.get(segment, 8));
            int flags = (int) LE32.get(segment, 12);
            if ((flags & ~VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) != 0 || (discard && flags != 0)) return VIRTIO_BLK_S_UNSUPP;
            if (sectors > BlockConfig.MAX_ZEROES_SECTORS) return VIRTIO_BLK_S_IOERR;
            if (!inRange(sector, sectors * DiskImage.SECTOR_SIZE)) {
                return VIRTIO_BLK_S_IOERR;
            }
            if (sectors == 0) continue;
            long at0 = sector * DiskImage.SECTOR_SIZE, bytes = sectors * DiskImage.SECTOR_SIZE;
            int r;
            if (discard) r = disk.punchHole(at0, bytes, false);
            else if ((flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) != 0) r = disk.punchHole(at0, bytes, true);
            else r = disk.zeroRange(at0, bytes);
            if (r < 0) return hostResult(r);
        }
        return VIRTIO_BLK_S_OK;
    }

    /**
     * Logs a guest mistake once per kind. The message is a constant, and the lambda is made only
     * the first time: a guest repeating the mistake costs no allocation.
     */
    private void guestError(String kind, String message) {
        if (!log.logged(kind)) log.once(kind, () -> name + ": " + message);
    }

    /**
     * OK for 0; IOERR for -errno. A host error is the host's, not the guest's: the first one of
     * each disk goes to standard error, the rest are only answered.
     */
    private int hostResult(int r) {
        if (r >= 0) return VIRTIO_BLK_S_OK;
        if (!hostErrorLogged) {
            hostErrorLogged = true;
            System.err.println("jkvm: " + name + ": I/O on " + disk.path() + " failed: " + Errno.describe(-r)
                    + "; the guest was answered VIRTIO_BLK_S_IOERR (further errors not shown)");
        }
        return VIRTIO_BLK_S_IOERR;
    }
}
