package io.jkvm.virtio.blk;

import io.jkvm.memory.GuestMemory;
import io.jkvm.pci.GuestErrorLog;
import io.jkvm.virtio.Activation;
import io.jkvm.virtio.VirtioFeatures;
import io.jkvm.virtio.VirtioInterrupt;
import io.jkvm.virtio.queue.MockDriver;
import io.jkvm.virtio.queue.MockDriver.Buf;
import io.jkvm.virtio.queue.SplitQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.jkvm.virtio.blk.BlockRequestHandler.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link BlockDevice} driven by {@link MockDriver} over a temporary image file: every request
 * type, every malformed shape, read-only disks, notifications, reset and close.
 */
class BlockDeviceTest {
    /** RAM [0, 0x80000) as two adjacent regions, so a buffer may run across 0x40000. */
    static final long DESC = 0x1000, AVAIL = 0x2000, USED = 0x3000, TABLE = 0x4000, HDR = 0x8000, SEGS = 0x8800,
            STATUS = 0x9000, DATA = 0x10000, SPLIT = 0x40000, END = 0x80000;
    static final int SIZE = 16, SECTORS = 64;

    @TempDir
    Path dir;
    GuestMemory memory;
    MockDriver driver;
    BlockDevice device;
    Path image;
    final AtomicInteger interrupts = new AtomicInteger();
    final AtomicInteger needsReset = new AtomicInteger();
    final List<String> logged = new ArrayList<>();
    final GuestErrorLog log = new GuestErrorLog(logged::add);
    final VirtioInterrupt interrupt = new VirtioInterrupt() {
        @Override public void queue(int queue) { interrupts.incrementAndGet(); }
        @Override public void config() {}
    };

    @BeforeEach
    void setUp() throws IOException {
        memory = GuestMemory.allocate(List.of(new GuestMemory.Range(0, SPLIT), new GuestMemory.Range(SPLIT, END - SPLIT)));
        driver = new MockDriver(memory, SIZE, DESC, AVAIL, USED);
        image = pattern(dir.resolve("disk.img"), SECTORS);
    }

    @AfterEach
    void tearDown() {
        if (device != null) device.close();
        memory.close();
    }

    /** A file of {@code sectors} sectors whose every byte depends on its offset. */
    static Path pattern(Path p, int sectors) throws IOException {
        byte[] b = new byte[sectors * 512];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (i * 7 + i / 512);
        return Files.write(p, b);
    }

    static byte[] expected(long from, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) b[i] = (byte) ((from + i) * 7 + (from + i) / 512);
        return b;
    }

    void open(boolean readOnly, String id) {
        device = new BlockDevice(DiskImage.open(image, readOnly), id, log);
    }

    void activate(boolean eventIdx) {
        long features = device.features() | VirtioFeatures.mask(VirtioFeatures.VIRTIO_F_VERSION_1);
        device.activate(new Activation(features, memory, List.of(new SplitQueue(memory, driver.state(eventIdx))),
                interrupt, needsReset::incrementAndGet));
    }

    @Test
    void aQueueThatRefillsItselfIsServedABudgetAtATimeAndTheDeviceKicksItselfBack() {
        open(false, null);
        List<Integer> kicks = new ArrayList<>();
        device.connectKick(kicks::add);
        SplitQueue queue = new SplitQueue(memory, MockDriver.selfRefillingQueue(memory, SIZE, DESC, AVAIL, DATA));
        device.activate(new Activation(device.features() | VirtioFeatures.mask(VirtioFeatures.VIRTIO_F_VERSION_1), memory,
                List.of(queue), interrupt, needsReset::incrementAndGet));
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> device.notify(0));
        assertEquals(SplitQueue.BUDGET, queue.state().nextAvail(), "a budget of chains (1-byte requests, answered IOERR)");
        assertEquals(List.of(0), kicks, "chains still waiting: the device thread comes back");
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> device.notify(0));
        assertEquals(2 * SplitQueue.BUDGET, queue.state().nextAvail());
        assertEquals(List.of(0, 0), kicks);
        assertEquals(0, needsReset.get());
    }

    void header(long gpa, int type, long sector) {
        memory.writeInt(gpa, type);
        memory.writeInt(gpa + 4, 0);
        memory.writeLong(gpa + 8, sector);
    }

    int status() { return memory.readByte(STATUS); }

    /** Writes {@code b} at {@code gpa}, across the two RAM regions if it must (GuestMemory.write does not). */
    void put(long gpa, byte[] b) {
        for (int i = 0; i < b.length; i++) memory.writeByte(gpa + i, b[i]);
    }

    byte[] get(long gpa, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) b[i] = (byte) memory.readByte(gpa + i);
        return b;
    }

    byte[] file() throws IOException { return Files.readAllBytes(image); }

    /** One request through the device: header at HDR, then {@code data}, status at STATUS; returns the used len. */
    int request(Buf... data) {
        Buf[] chain = new Buf[data.length + 2];
        chain[0] = Buf.in(HDR, 16);
        System.arraycopy(data, 0, chain, 1, data.length);
        chain[chain.length - 1] = Buf.out(STATUS, 1);
        memory.writeByte(STATUS, 0xff);
        int used = driver.usedIdx();
        driver.addChain(chain);
        device.notify(0);
        assertEquals(used + 1, driver.usedIdx(), "the chain was returned");
        return driver.usedLen(used);
    }

    // ---- features and configuration ----

    @Test
    void featuresAndConfigurationSpace() {
        open(false, null);
        long f = device.features();
        for (int bit : new int[]{1, 2, 6, 9, 13, 14, 28, 29}) assertTrue((f & (1L << bit)) != 0, "bit " + bit);
        assertEquals(0, f & (1L << BlockDevice.VIRTIO_BLK_F_RO));
        assertEquals(2, device.deviceId());
        assertEquals(1, device.queueCount());
        assertEquals(256, device.maxQueueSize(0));
        assertEquals(60, device.configSize());
        assertEquals(SECTORS, device.readConfig(0, 8));
        assertEquals(SECTORS, device.readConfig(0, 4));
        assertEquals(0, device.readConfig(4, 4));
        assertEquals(4 << 20, device.readConfig(8, 4));
        assertEquals(254, device.readConfig(12, 4));
        assertEquals(512, device.readConfig(20, 4));
        assertEquals(BlockConfig.MAX_ZEROES_SECTORS, device.readConfig(36, 4));
        assertEquals(32, device.readConfig(40, 4));
        assertEquals(8, device.readConfig(44, 4));
        assertEquals(BlockConfig.MAX_ZEROES_SECTORS, device.readConfig(48, 4));
        assertEquals(32, device.readConfig(52, 4));
        assertEquals(1, device.readConfig(56, 1));
        assertEquals(0, device.readConfig(60, 4));
        assertEquals(0, device.readConfig(-4, 4));
        assertEquals(1, device.readConfig(56, 8), "unused bytes and bytes past the space read 0");
        device.writeConfig(0, 8, 12345);
        assertEquals(SECTORS, device.readConfig(0, 8), "configuration writes are ignored");
    }

    @Test
    void readOnlyOffersRoAndNoDiscard() {
        open(true, null);
        long f = device.features();
        assertTrue((f & (1L << BlockDevice.VIRTIO_BLK_F_RO)) != 0);
        assertEquals(0, f & (1L << BlockDevice.VIRTIO_BLK_F_DISCARD | 1L << BlockDevice.VIRTIO_BLK_F_WRITE_ZEROES));
    }

    // ---- reads and writes ----

    @Test
    void readsSectors() {
        open(false, null);
        activate(false);
        header(HDR, VIRTIO_BLK_T_IN, 3);
        assertEquals(1024 + 1, request(Buf.out(DATA, 1024)));
        assertEquals(VIRTIO_BLK_S_OK, status());
        assertArrayEquals(expected(3 * 512, 1024), memory.read(DATA, 1024));
        assertEquals(1, interrupts.get());
    }

    @Test
    void writesSectors() throws IOException {
        open(false, null);
        activate(false);
        byte[] data = new byte[1536];
        Arrays.fill(data, (byte) 0xab);
        memory.write(DATA, data);
        header(HDR, VIRTIO_BLK_T_OUT, 10);
        assertEquals(1, request(Buf.in(DATA, 1536)));
        assertEquals(VIRTIO_BLK_S_OK, status());
        byte[] f = file();
        assertArrayEquals(data, Arrays.copyOfRange(f, 10 * 512, 13 * 512));
        assertArrayEquals(expected(0, 10 * 512), Arrays.copyOfRange(f, 0, 10 * 512), "nothing before it changed");
        assertArrayEquals(expected(13 * 512, 512), Arrays.copyOfRange(f, 13 * 512, 14 * 512), "nothing after it changed");
    }

    @Test
    void lastSectorIsInRangeAndTheNextIsNot() {
        open(false, null);
        activate(false);
        header(HDR, VIRTIO_BLK_T_IN, SECTORS - 1);
        request(Buf.out(DATA, 512));
        assertEquals(VIRTIO_BLK_S_OK, status());
        assertArrayEquals(expected((SECTORS - 1) * 512L, 512), memory.read(DATA, 512));
        header(HDR, VIRTIO_BLK_T_IN, SECTORS - 1);
        assertEquals(1, request(Buf.out(DATA, 1024)));
        assertEquals(VIRTIO_BLK_S_IOERR, status());
        header(HDR, VIRTIO_BLK_T_IN, SECTORS);
        request(Buf.out(DATA, 512));
        assertEquals(VIRTIO_BLK_S_IOERR, status());
        header(HDR, VIRTIO_BLK_T_OUT, -1L); // 2^64 - 1, unsigned
        request(Buf.in(DATA, 512));
        assertEquals(VIRTIO_BLK_S_IOERR, status());
        header(HDR, VIRTIO_BLK_T_OUT, 1L << 55); // sector * 512 would wrap past 2^63
        request(Buf.in(DATA, 512));
        assertEquals(VIRTIO_BLK_S_IOERR, status());
        assertTrue(logged.stream().anyMatch(l -> l.contains("past the disk's last sector")), logged.toString());
    }

    @Test
    void partialSectorsAreIoErrors() throws IOException {
        open(false, null);
        activate(false);
        header(HDR, VIRTIO_BLK_T_IN, 0);
        memory.write(DATA, new byte[1000]);
        request(Buf.out(DATA, 1000));
        assertEquals(VIRTIO_BLK_S_IOERR, status());
        assertArrayEquals(new byte[1000], memory.read(DATA, 1000), "nothing read");
        header(HDR, VIRTIO_BLK_T_OUT, 0);
        request(Buf.in(DATA, 513));
        assertEquals(VIRTIO_BLK_S_IOERR, status());
        assertArrayEquals(expected(0, SECTORS * 512), file(), "nothing written");
    }

    @Test
    void multiSegmentRequestsInAnyFraming() throws IOException {
        open(false, null);
        activate(false);
        // OUT: header and the first 100 data bytes in one buffer, the rest in two more, one of
        // them across the two RAM regions.
        byte[] data = new byte[2048];
        for (int i = 0; i < data.length; i++) data[i] = (byte) (i ^ 0x5a);
        header(HDR, VIRTIO_BLK_T_OUT, 5);
        memory.write(HDR + 16, Arrays.copyOfRange(data, 0, 100));
        memory.write(DATA, Arrays.copyOfRange(data, 100, 1000));
        put(SPLIT - 48, Arrays.copyOfRange(data, 1000, 2048));
        driver.addChain(Buf.in(HDR, 116), Buf.in(DATA, 900), Buf.in(SPLIT - 48, 1048), Buf.out(STATUS, 1));
        device.notify(0);
        assertEquals(VIRTIO_BLK_S_OK, status());
        assertArrayEquals(data, Arrays.copyOfRange(file(), 5 * 512, 9 * 512));
        // IN: data in three buffers, the last sharing its buffer with the status byte.
        header(HDR, VIRTIO_BLK_T_IN, 5);
        memory.write(DATA, new byte[0x1000]);
        put(SPLIT - 16, new byte[64]);
        driver.addChain(Buf.in(HDR, 16), Buf.out(SPLIT - 16, 48), Buf.out(DATA, 1000), Buf.out(DATA + 0x800, 1001));
        device.notify(0);
        assertEquals(2049, driver.usedLen(1));
        assertEquals(VIRTIO_BLK_S_OK, memory.readByte(DATA + 0x800 + 1000));
        assertArrayEquals(Arrays.copyOfRange(data, 0, 48), get(SPLIT - 16, 48));
        assertArrayEquals(Arrays.copyOfRange(data, 48, 1048), memory.read(DATA, 1000));
        assertArrayEquals(Arrays.copyOfRange(data, 1048, 2048), memory.read(DATA + 0x800, 1000));
    }

    @Test
    void indirectChains() {
        open(false, null);
        activate(false);
        header(HDR, VIRTIO_BLK_T_IN, 7);
        driver.addIndirect(TABLE, Buf.in(HDR, 16), Buf.out(DATA, 512), Buf.out(DATA + 512, 512), Buf.out(STATUS, 1));
        device.notify(0);
        assertEquals(1, driver.usedIdx());
        assertEquals(1025, driver.usedLen(0));
        assertEquals(VIRTIO_BLK_S_OK, status());
        assertArrayEquals(expected(7 * 512, 1024), memory.read(DATA, 1024));
    }

    @Test
    void everyAvailableChainInOneNotification() {
        open(false, null);
        activate(false);
        for (int i = 0; i < 4; i++) {
            header(HDR + 0x20L * i, VIRTIO_BLK_T_IN, i);
            driver.addChain(Buf.in(HDR + 0x20L * i, 16), Buf.out(DATA + 512L * i, 512), Buf.out(STATUS + i, 1));
        }
        device.notify(0);
        assertEquals(4, driver.usedIdx());
        for (int i = 0; i < 4; i++) {
            assertEquals(i * 3, driver.usedId(i), "heads returned in order");
            assertEquals(VIRTIO_BLK_S_OK, memory.readByte(STATUS + i));
        }
        assertArrayEquals(expected(0, 2048), memory.read(DATA, 2048));
        assertEquals(1, interrupts.get(), "one interrupt for the batch");
    }

    // ---- flush, get id, discard, write zeroes ----

    @Test
    void flush() {
        open(false, null);
        activate(false);
        header(HDR, VIRTIO_BLK_T_FLUSH, 0);
        assertEquals(1, request());
        assertEquals(VIRTIO_BLK_S_OK, status());
    }

    @Test
    void getIdIsNulPaddedAndCutAt20Bytes() {
        open(false, "disk0");
        activate(false);
        memory.write(DATA, "xxxxxxxxxxxxxxxxxxxxxxxx".getBytes(StandardCharsets.US_ASCII));
        header(HDR, VIRTIO_BLK_T_GET_ID, 0);
        assertEquals(21, request(Buf.out(DATA, 20)));
        assertEquals(VIRTIO_BLK_S_OK, status());
        byte[] want = Arrays.copyOf("disk0".getBytes(StandardCharsets.US_ASCII), 20);
        assertArrayEquals(want, memory.read(DATA, 20));
        device.close();

        device = new BlockDevice(DiskImage.open(image, false), "a-serial-number-longer-than-20", log);
        activate(false);
        header(HDR, VIRTIO_BLK_T_GET_ID, 0);
        request(Buf.out(DATA, 20));
        assertArrayEquals("a-serial-number-long".getBytes(StandardCharsets.US_ASCII), memory.read(DATA, 20));
    }

    void segment(int index, long sector, int sectors, int flags) {
        memory.writeLong(SEGS + 16L * index, sector);
        memory.writeInt(SEGS + 16L * index + 8, sectors);
        memory.writeInt(SEGS + 16L * index + 12, flags);
    }

    /** Allocated 512-byte blocks of the image (st_blocks), from stat(1). */
    long allocatedBlocks() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("stat", "-c", "%b", image.toString()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        assertEquals(0, p.waitFor());
        return Long.parseLong(out);
    }

    @Test
    void discardPunchesAHole() throws Exception {
        open(false, null);
        activate(false);
        long before = allocatedBlocks();
        header(HDR, VIRTIO_BLK_T_DISCARD, 0);
        segment(0, 8, 16, 0);
        segment(1, 40, 8, 0);
        assertEquals(1, request(Buf.in(SEGS, 32)));
        assertEquals(VIRTIO_BLK_S_OK, status());
        byte[] f = file();
        assertArrayEquals(new byte[16 * 512], Arrays.copyOfRange(f, 8 * 512, 24 * 512));
        assertArrayEquals(new byte[8 * 512], Arrays.copyOfRange(f, 40 * 512, 48 * 512));
        assertArrayEquals(expected(0, 8 * 512), Arrays.copyOfRange(f, 0, 8 * 512));
        assertArrayEquals(expected(24 * 512, 16 * 512), Arrays.copyOfRange(f, 24 * 512, 40 * 512));
        assertEquals(SECTORS * 512, f.length, "the size stays");
        assertEquals(before - 24, allocatedBlocks(), "12 KiB deallocated");
    }

    @Test
    void writeZeroesKeepsTheRangeAllocatedUnlessUnmapIsSet() throws Exception {
        open(false, null);
        activate(false);
        long before = allocatedBlocks();
        header(HDR, VIRTIO_BLK_T_WRITE_ZEROES, 0);
        segment(0, 8, 8, 0);
        request(Buf.in(SEGS, 16));
        assertEquals(VIRTIO_BLK_S_OK, status());
        assertArrayEquals(new byte[8 * 512], Arrays.copyOfRange(file(), 8 * 512, 16 * 512));
        assertEquals(before, allocatedBlocks());
        segment(0, 16, 8, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
        request(Buf.in(SEGS, 16));
        assertEquals(VIRTIO_BLK_S_OK, status());
        assertArrayEquals(new byte[8 * 512], Arrays.copyOfRange(file(), 16 * 512, 24 * 512));
        assertEquals(before - 8, allocatedBlocks());
        assertArrayEquals(expected(24 * 512, 512), Arrays.copyOfRange(file(), 24 * 512, 25 * 512));
    }

    @Test
    void writeZeroesWritesZerosWhereFallocateCannot() throws IOException {
        open(false, null);
        activate(false);
        device.disk().zeroRange = false;
        device.disk().punchHole = false;
        header(HDR, VIRTIO_BLK_T_WRITE_ZEROES, 0);
        segment(0, 1, 62, 0);
        segment(1, 0, 1, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
        request(Buf.in(SEGS, 32));
        assertEquals(VIRTIO_BLK_S_OK, status());
        byte[] f = file();
        assertArrayEquals(new byte[63 * 512], Arrays.copyOfRange(f, 0, 63 * 512));
        assertArrayEquals(expected(63 * 512, 512), Arrays.copyOfRange(f, 63 * 512, 64 * 512));
        // A discard without hole punching is a hint: the data may stay.
        header(HDR, VIRTIO_BLK_T_DISCARD, 0);
        segment(0, 63, 1, 0);
        request(Buf.in(SEGS, 16));
        assertEquals(VIRTIO_BLK_S_OK, status());
    }

    @Test
    void badDiscardAndWriteZeroesRequests() throws IOException {
        open(false, null);
        activate(false);
        header(HDR, VIRTIO_BLK_T_DISCARD, 0);
        segment(0, 0, 8, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
        request(Buf.in(SEGS, 16));
        assertEquals(VIRTIO_BLK_S_UNSUPP, status(), "unmap on a discard (§5.2.6.2)");
        header(HDR, VIRTIO_BLK_T_WRITE_ZEROES, 0);
        segment(0, 0, 8, 4);
        request(Buf.in(SEGS, 16));
        assertEquals(VIRTIO_BLK_S_UNSUPP, status(), "an unknown flag");
        segment(0, 60, 8, 0);
        request(Buf.in(SEGS, 16));
        assertEquals(VIRTIO_BLK_S_IOERR, status(), "past the end");
        segment(0, 0, BlockConfig.MAX_ZEROES_SECTORS + 1, 0);
        request(Buf.in(SEGS, 16));
        assertEquals(VIRTIO_BLK_S_IOERR, status(), "more than max_write_zeroes_sectors");
        request(Buf.in(SEGS, 12));
        assertEquals(VIRTIO_BLK_S_IOERR, status(), "not whole segments");
        request();
        assertEquals(VIRTIO_BLK_S_IOERR, status(), "no segment");
        memory.write(SEGS, new byte[33 * 16]);
        request(Buf.in(SEGS, 33 * 16));
        assertEquals(VIRTIO_BLK_S_IOERR, status(), "more than max_write_zeroes_seg");
        assertArrayEquals(expected(0, SECTORS * 512), file(), "nothing changed");
    }

    @Test
    void hostErrorsAreIoErrors() throws IOException {
        open(false, null);
        activate(false);
        // Someone shrinks the image under the VM: reading what is gone ends the file early.
        try (var ch = java.nio.channels.FileChannel.open(image, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(32 * 512);
        }
        header(HDR, VIRTIO_BLK_T_IN, 40);
        assertEquals(1, request(Buf.out(DATA, 512)));
        assertEquals(VIRTIO_BLK_S_IOERR, status());
        header(HDR, VIRTIO_BLK_T_IN, 31);
        request(Buf.out(DATA, 512));
        assertEquals(VIRTIO_BLK_S_OK, status(), "what is left still reads");
        assertArrayEquals(expected(31 * 512, 512), memory.read(DATA, 512));
    }

    // ---- malformed requests ----

    @Test
    void unknownTypesAreUnsupported() {
        open(false, null);
        activate(false);
        for (int type : new int[]{2, 3, 10, 14, 0x80000000}) {
            header(HDR, type, 0);
            assertEquals(1, request(Buf.out(DATA, 512)));
            assertEquals(VIRTIO_BLK_S_UNSUPP, status(), "type " + type);
        }
    }

    @Test
    void chainsWithoutAStatusByteAreReturnedUnansweredAndLoggedOnce() {
        open(false, null);
        activate(false);
        header(HDR, VIRTIO_BLK_T_IN, 0);
        memory.writeByte(STATUS, 0x77);
        driver.addChain(Buf.in(HDR, 16), Buf.in(STATUS, 1)); // the "status" is not writable
        driver.addChain(Buf.in(HDR, 16));
        device.notify(0);
        assertEquals(2, driver.usedIdx());
        assertEquals(0, driver.usedLen(0));
        assertEquals(0, driver.usedLen(1));
        assertEquals(0x77, status(), "a readable buffer is never written");
        assertEquals(1, logged.stream().filter(l -> l.contains("no writable status")).count(), logged.toString());
        assertEquals(0, needsReset.get());
    }

    @Test
    void shortHeaderIsAnIoError() {
        open(false, null);
        activate(false);
        header(HDR, VIRTIO_BLK_T_IN, 0);
        memory.write(DATA, new byte[512]);
        driver.addChain(Buf.in(HDR, 8), Buf.out(DATA, 512), Buf.out(STATUS, 1));
        device.notify(0);
        assertEquals(VIRTIO_BLK_S_IOERR, status());
        assertArrayEquals(new byte[512], memory.read(DATA, 512));
        // No readable buffer at all.
        driver.addChain(Buf.out(STATUS, 1));
        memory.writeByte(STATUS, 0xff);
        device.notify(0);
        assertEquals(VIRTIO_BLK_S_IOERR, status());
        assertEquals(2, driver.usedIdx());
    }

    @Test
    void brokenQueueAsksForResetOnce() {
        open(false, null);
        activate(false);
        driver.setAvailIdx(SIZE + 1); // more than a queue's worth ahead
        device.notify(0);
        device.notify(0);
        assertEquals(1, needsReset.get());
        assertEquals(0, driver.usedIdx());
    }

    // ---- read-only ----

    @Test
    void readOnlyRefusesWritesAndServesReads() throws IOException {
        open(true, null);
        activate(false);
        memory.write(DATA, new byte[1024]);
        header(HDR, VIRTIO_BLK_T_OUT, 0);
        request(Buf.in(DATA, 512));
        assertEquals(VIRTIO_BLK_S_IOERR, status());
        header(HDR, VIRTIO_BLK_T_DISCARD, 0);
        segment(0, 0, 8, 0);
        request(Buf.in(SEGS, 16));
        assertEquals(VIRTIO_BLK_S_IOERR, status());
        header(HDR, VIRTIO_BLK_T_WRITE_ZEROES, 0);
        request(Buf.in(SEGS, 16));
        assertEquals(VIRTIO_BLK_S_IOERR, status());
        header(HDR, VIRTIO_BLK_T_FLUSH, 0);
        request();
        assertEquals(VIRTIO_BLK_S_OK, status());
        header(HDR, VIRTIO_BLK_T_IN, 1);
        request(Buf.out(DATA, 512));
        assertEquals(VIRTIO_BLK_S_OK, status());
        assertArrayEquals(expected(512, 512), memory.read(DATA, 512));
        assertArrayEquals(expected(0, SECTORS * 512), file());
    }

    // ---- notifications ----

    @Test
    void eventIdxInterruptsOnlyWhenUsedEventIsPassed() {
        open(false, null);
        activate(true);
        header(HDR, VIRTIO_BLK_T_IN, 0);
        request(Buf.out(DATA, 512));
        assertEquals(1, interrupts.get(), "the first used buffer is always signalled");
        driver.setUsedEvent(3); // interrupt me when used.idx passes 3, i.e. after the fourth
        for (int i = 1; i < 4; i++) {
            request(Buf.out(DATA, 512));
            assertEquals(i < 3 ? 1 : 2, interrupts.get(), "after request " + i);
        }
        assertEquals(4, driver.availEvent(), "the device asks to be notified at the next avail index");
    }

    @Test
    void noInterruptFlagSuppressesInterrupts() {
        open(false, null);
        activate(false);
        driver.setAvailFlags(SplitQueue.VIRTQ_AVAIL_F_NO_INTERRUPT);
        header(HDR, VIRTIO_BLK_T_IN, 0);
        request(Buf.out(DATA, 512));
        assertEquals(0, interrupts.get());
    }

    @Test
    void notifyBeforeActivateAndAfterResetDoesNothing() {
        open(false, null);
        header(HDR, VIRTIO_BLK_T_IN, 0);
        driver.addChain(Buf.in(HDR, 16), Buf.out(DATA, 512), Buf.out(STATUS, 1));
        device.notify(0);
        assertEquals(0, driver.usedIdx());
        activate(false);
        device.reset();
        device.notify(0);
        assertEquals(0, driver.usedIdx());
        activate(false);
        device.notify(1); // no such queue
        assertEquals(0, driver.usedIdx());
        device.notify(0);
        assertEquals(1, driver.usedIdx());
    }

    @Test
    void resetWaitsForTheNotificationInProgress() throws Exception {
        open(false, null);
        CountDownLatch inNotify = new CountDownLatch(1);
        CountDownLatch resetDone = new CountDownLatch(1);
        Thread[] resetter = new Thread[1];
        boolean[] resetReturnedEarly = new boolean[1];
        VirtioInterrupt slow = new VirtioInterrupt() {
            @Override public void queue(int queue) {
                // Still inside notify: a reset from another thread must wait for us.
                resetter[0] = Thread.ofPlatform().start(() -> { inNotify.countDown(); device.reset(); resetDone.countDown(); });
                try {
                    inNotify.await();
                    resetReturnedEarly[0] = resetDone.await(200, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
            @Override public void config() {}
        };
        long features = device.features() | VirtioFeatures.mask(VirtioFeatures.VIRTIO_F_VERSION_1);
        device.activate(new Activation(features, memory, List.of(new SplitQueue(memory, driver.state(false))), slow, () -> {}));
        header(HDR, VIRTIO_BLK_T_IN, 0);
        driver.addChain(Buf.in(HDR, 16), Buf.out(DATA, 512), Buf.out(STATUS, 1));
        device.notify(0);
        assertTrue(resetDone.await(5, TimeUnit.SECONDS));
        resetter[0].join();
        assertFalse(resetReturnedEarly[0], "reset returned while a notification was in progress");
        // After the reset, chains wait for the next activation.
        driver.addChain(Buf.in(HDR, 16), Buf.out(DATA, 512), Buf.out(STATUS, 1));
        device.notify(0);
        assertEquals(1, driver.usedIdx());
    }

    // ---- close ----

    @Test
    void closeReleasesTheLockAndIgnoresLaterNotifications() throws IOException {
        open(false, null);
        activate(false);
        byte[] data = new byte[512];
        Arrays.fill(data, (byte) 0x3c);
        memory.write(DATA, data);
        header(HDR, VIRTIO_BLK_T_OUT, 2);
        request(Buf.in(DATA, 512));
        device.close();
        device.close(); // twice is fine
        driver.addChain(Buf.in(HDR, 16), Buf.in(DATA, 512), Buf.out(STATUS, 1));
        device.notify(0);
        assertEquals(1, driver.usedIdx(), "nothing served after close");
        assertArrayEquals(data, Arrays.copyOfRange(file(), 1024, 1536));
        try (DiskImage again = DiskImage.open(image, false)) {
            assertEquals(SECTORS, again.sectors(), "the lock went with close");
        }
    }

    @Test
    void writesUsedLengthAsLittleEndianInTheUsedRing() {
        // used.len of an IN request counts data and status (§2.7.8), read back raw.
        open(false, null);
        activate(false);
        header(HDR, VIRTIO_BLK_T_IN, 0);
        request(Buf.out(DATA, 1536));
        ByteBuffer used = ByteBuffer.wrap(memory.read(USED + 4, 8)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, used.getInt());
        assertEquals(1537, used.getInt());
    }
}
