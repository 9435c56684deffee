package io.jkvm.virtio.queue;

import io.jkvm.memory.GuestMemory;
import io.jkvm.virtio.queue.MockDriver.Buf;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static io.jkvm.virtio.queue.SplitQueue.VIRTQ_DESC_F_INDIRECT;
import static io.jkvm.virtio.queue.SplitQueue.VIRTQ_DESC_F_NEXT;
import static io.jkvm.virtio.queue.SplitQueue.VIRTQ_DESC_F_WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link SplitQueue} driven by {@link MockDriver}: every chain shape, wrap-around, suppression, and every malformed chain. */
class SplitQueueTest {
    /** RAM [0, 0x20000), a hole [0x20000, 0x30000), then two adjacent regions [0x30000, 0x50000). */
    static final long HOLE = 0x20000, AFTER_HOLE = 0x30000, SECOND = 0x40000, END = 0x50000;
    static final long DESC = 0x1000, AVAIL = 0x2000, USED = 0x3000, TABLE = 0x4000, DATA = 0x10000;
    static final int SIZE = 16;

    GuestMemory memory;
    MockDriver driver;

    @BeforeEach
    void setUp() {
        memory = GuestMemory.allocate(List.of(new GuestMemory.Range(0, HOLE),
                new GuestMemory.Range(AFTER_HOLE, SECOND - AFTER_HOLE), new GuestMemory.Range(SECOND, END - SECOND)));
        driver = new MockDriver(memory, SIZE, DESC, AVAIL, USED);
    }

    @AfterEach
    void tearDown() {
        memory.close();
    }

    SplitQueue queue(boolean eventIdx) {
        return new SplitQueue(memory, driver.state(eventIdx));
    }

    @Test
    void emptyQueueOffersNothing() {
        SplitQueue q = queue(false);
        assertNull(q.pop());
        assertFalse(q.broken());
    }

    @Test
    void singleReadableBuffer() {
        memory.write(DATA, new byte[]{1, 2, 3, 4});
        int head = driver.addChain(Buf.in(DATA, 4));
        SplitQueue q = queue(false);
        DescriptorChain c = q.pop();
        assertNotNull(c);
        assertEquals(head, c.head());
        assertEquals(1, c.readableCount());
        assertEquals(0, c.writableCount());
        assertEquals(DATA, c.readable(0).gpa());
        assertEquals(4, c.readableLength());
        byte[] b = new byte[8];
        assertEquals(4, c.read(0, b, 0, 8));
        assertArrayEquals(new byte[]{1, 2, 3, 4, 0, 0, 0, 0}, b);
        assertNull(q.pop());
    }

    @Test
    void readableThenWritableChainStreamsAcrossBuffers() {
        memory.write(DATA, new byte[]{1, 2});
        memory.write(DATA + 0x100, new byte[]{3, 4, 5});
        int head = driver.addChain(Buf.in(DATA, 2), Buf.in(DATA + 0x100, 3), Buf.out(DATA + 0x200, 2), Buf.out(DATA + 0x300, 4));
        SplitQueue q = queue(false);
        DescriptorChain c = q.pop();
        assertEquals(head, c.head());
        assertEquals(2, c.readableCount());
        assertEquals(2, c.writableCount());
        assertEquals(5, c.readableLength());
        assertEquals(6, c.writableLength());
        byte[] b = new byte[4];
        assertEquals(4, c.read(1, b, 0, 4));
        assertArrayEquals(new byte[]{2, 3, 4, 5}, b);
        assertEquals(0, c.read(5, b, 0, 4));
        assertEquals(6, c.write(0, new byte[]{9, 8, 7, 6, 5, 4, 3}, 0, 7));
        assertArrayEquals(new byte[]{9, 8}, memory.read(DATA + 0x200, 2));
        assertArrayEquals(new byte[]{7, 6, 5, 4}, memory.read(DATA + 0x300, 4));
        assertEquals(DATA + 0x300, c.writable(1).gpa());
        assertThrows(IndexOutOfBoundsException.class, () -> c.writable(2));
        q.push(c.head(), 6);
        assertEquals(1, driver.usedIdx());
        assertEquals(head, driver.usedId(0));
        assertEquals(6, driver.usedLen(0));
    }

    @Test
    void writableOnlyChain() {
        driver.addChain(Buf.out(DATA, 16));
        DescriptorChain c = queue(false).pop();
        assertEquals(0, c.readableCount());
        assertEquals(1, c.writableCount());
    }

    @Test
    void bufferSpanningAdjacentRegionsIsTaken() {
        driver.addChain(Buf.in(SECOND - 8, 16));
        DescriptorChain c = queue(false).pop();
        assertNotNull(c);
        assertEquals(16, c.readable(0).length());
    }

    @Test
    void fullRingOfChains() {
        SplitQueue q = queue(false);
        for (int i = 0; i < SIZE; i++) driver.addChain(Buf.in(DATA + i, 1));
        for (int i = 0; i < SIZE; i++) {
            DescriptorChain c = q.pop();
            assertEquals(i, c.head());
            q.push(c.head(), 0);
        }
        assertNull(q.pop());
        assertEquals(SIZE, driver.usedIdx());
        assertFalse(q.broken());
    }

    @Test
    void chainOfQueueSizeIsTheLongestTaken() {
        Buf[] bufs = new Buf[SIZE];
        for (int i = 0; i < SIZE; i++) bufs[i] = Buf.in(DATA + i, 1);
        driver.addChain(bufs);
        DescriptorChain c = queue(false).pop();
        assertEquals(SIZE, c.readableCount());
    }

    @Test
    void indicesWrapAround16Bits() {
        driver.startAt(0xfffe);
        SplitQueue q = queue(false);
        for (int i = 0; i < 5; i++) {
            driver.addChain(Buf.out(DATA, 4));
            DescriptorChain c = q.pop();
            assertNotNull(c, "chain " + i);
            q.push(c.head(), i);
            assertEquals((0xfffe + i + 1) & 0xffff, driver.usedIdx());
            assertEquals(i, driver.usedLen(0xfffe + i));
        }
        assertEquals(0x0003, q.state().nextAvail());
        assertEquals(0x0003, q.state().nextUsed());
        assertNull(q.pop());
    }

    @Test
    void stateRestoresWhereTheQueueWas() {
        SplitQueue q = queue(false);
        driver.addChain(Buf.in(DATA, 1));
        driver.addChain(Buf.in(DATA, 2));
        q.push(q.pop().head(), 0);
        QueueState saved = q.state();
        assertEquals(1, saved.nextAvail());
        SplitQueue restored = new SplitQueue(memory, saved);
        DescriptorChain c = restored.pop();
        assertEquals(2, c.readableLength());
        restored.push(c.head(), 0);
        assertEquals(2, driver.usedIdx());
    }

    @Test
    void indirectChain() {
        memory.write(DATA, new byte[]{5, 6});
        int head = driver.addIndirect(TABLE, Buf.in(DATA, 2), Buf.out(DATA + 0x100, 8), Buf.out(DATA + 0x200, 8));
        SplitQueue q = queue(false);
        DescriptorChain c = q.pop();
        assertEquals(head, c.head());
        assertEquals(1, c.readableCount());
        assertEquals(2, c.writableCount());
        assertEquals(DATA + 0x200, c.writable(1).gpa());
        q.push(head, 16);
        assertEquals(head, driver.usedId(0));
    }

    @Test
    void indirectDescriptorsWriteFlagIsIgnored() {
        driver.writeIndirectTable(TABLE, Buf.in(DATA, 2));
        driver.writeDescriptor(0, TABLE, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_WRITE, 0);
        driver.publish(0);
        assertEquals(1, queue(false).pop().readableCount());
    }

    @Test
    void indirectTableOfQueueSizeIsTaken() {
        Buf[] bufs = new Buf[SIZE];
        for (int i = 0; i < SIZE; i++) bufs[i] = Buf.out(DATA + 16L * i, 16);
        driver.addIndirect(TABLE, bufs);
        assertEquals(SIZE, queue(false).pop().writableCount());
    }

    // ---- notification suppression ----

    @Test
    void noInterruptFlagWithoutEventIdx() {
        SplitQueue q = queue(false);
        driver.addChain(Buf.in(DATA, 1));
        q.push(q.pop().head(), 0);
        assertTrue(q.needsNotification());
        driver.setAvailFlags(SplitQueue.VIRTQ_AVAIL_F_NO_INTERRUPT);
        assertFalse(q.needsNotification());
    }

    @Test
    void usedEventSuppressesInterruptsUntilPassed() {
        SplitQueue q = queue(true);
        for (int i = 0; i < 4; i++) driver.addChain(Buf.in(DATA, 1));
        driver.setUsedEvent(2); // interrupt me when used.idx moves past 2, i.e. reaches 3
        q.push(q.pop().head(), 0); // used.idx 1
        assertTrue(q.needsNotification(), "the first after start or restore always notifies");
        q.push(q.pop().head(), 0); // 2
        assertFalse(q.needsNotification());
        q.push(q.pop().head(), 0); // 3: passes used_event 2
        assertTrue(q.needsNotification());
        assertFalse(q.needsNotification(), "nothing pushed since");
        q.push(q.pop().head(), 0); // 4: used_event stays 2
        assertFalse(q.needsNotification());
    }

    @Test
    void usedEventAcrossWrapAround() {
        driver.startAt(0xfffe);
        SplitQueue q = queue(true);
        for (int i = 0; i < 3; i++) driver.addChain(Buf.in(DATA, 1));
        q.push(q.pop().head(), 0); // 0xffff
        q.needsNotification();
        driver.setUsedEvent(0x0000);
        q.push(q.pop().head(), 0); // 0x0000 == used_event: not yet past
        assertFalse(q.needsNotification());
        q.push(q.pop().head(), 0); // 0x0001
        assertTrue(q.needsNotification());
    }

    @Test
    void vringNeedEventFormula() {
        assertTrue(SplitQueue.vringNeedEvent(5, 6, 5));
        assertFalse(SplitQueue.vringNeedEvent(6, 6, 5));
        assertTrue(SplitQueue.vringNeedEvent(0xffff, 0x0001, 0xfffe));
        assertFalse(SplitQueue.vringNeedEvent(0x0002, 0x0001, 0xfffe));
    }

    @Test
    void availEventTellsTheDriverWhenToKick() {
        SplitQueue q = queue(true);
        driver.addChain(Buf.in(DATA, 1));
        q.pop();
        assertEquals(1, driver.availEvent());
        assertTrue(driver.kickNeeded(1, 2), "the next buffer after what the device took");
        driver.addChain(Buf.in(DATA, 1)); // avail.idx 2, not popped yet
        assertFalse(driver.kickNeeded(2, 3), "the device has not caught up to 2: no kick for 3");
    }

    @Test
    void enableNotificationReportsBuffersThatRaced() {
        SplitQueue q = queue(true);
        assertFalse(q.enableNotification());
        driver.addChain(Buf.in(DATA, 1));
        assertTrue(q.enableNotification(), "a buffer arrived: pop again");
        assertEquals(0, driver.availEvent());
        q.pop();
        assertFalse(q.enableNotification());
        assertEquals(1, driver.availEvent());
    }

    @Test
    void noNotifyFlagWithoutEventIdx() {
        SplitQueue q = queue(false);
        q.disableNotification();
        assertEquals(SplitQueue.VIRTQ_USED_F_NO_NOTIFY, driver.usedFlags());
        assertFalse(q.enableNotification());
        assertEquals(0, driver.usedFlags());
    }

    // ---- malformed ----

    /** Pops expecting {@code error}; the queue stays broken and nothing is used. */
    void refused(QueueError error, boolean eventIdx) {
        byte[] before = memory.read(USED, 6 + 8 * SIZE + 2);
        SplitQueue q = queue(eventIdx);
        assertNull(q.pop());
        assertEquals(error, q.error());
        assertTrue(q.broken());
        assertNull(q.pop(), "broken stays broken");
        assertEquals(0, q.state().nextAvail(), "the bad chain is not consumed");
        assertArrayEquals(before, memory.read(USED, 6 + 8 * SIZE + 2), "the used ring is untouched");
        assertTrue(q.needsNotification(), "a broken queue asks the driver to look");
    }

    void refused(QueueError error) {
        refused(error, false);
        refused(error, true);
    }

    @Test
    void loopIsRefused() {
        driver.writeDescriptor(0, DATA, 1, VIRTQ_DESC_F_NEXT, 1);
        driver.writeDescriptor(1, DATA, 1, VIRTQ_DESC_F_NEXT, 0);
        driver.publish(0);
        refused(QueueError.CHAIN_TOO_LONG);
    }

    @Test
    void selfLoopIsRefused() {
        driver.writeDescriptor(3, DATA, 1, VIRTQ_DESC_F_NEXT, 3);
        driver.publish(3);
        refused(QueueError.CHAIN_TOO_LONG);
    }

    @Test
    void chainLongerThanQueueIsRefused() {
        // The queue is 16 long, the table is not looping but an indirect table's 17 entries would be.
        Buf[] bufs = new Buf[SIZE + 1];
        Arrays.fill(bufs, Buf.in(DATA, 1));
        driver.addIndirect(TABLE, bufs);
        refused(QueueError.BAD_INDIRECT_LENGTH);
    }

    @Test
    void loopInIndirectTableIsRefused() {
        driver.writeDescriptorAt(TABLE, DATA, 1, VIRTQ_DESC_F_NEXT, 1);
        driver.writeDescriptorAt(TABLE + 16, DATA, 1, VIRTQ_DESC_F_NEXT, 0);
        driver.writeDescriptor(0, TABLE, 32, VIRTQ_DESC_F_INDIRECT, 0);
        driver.publish(0);
        refused(QueueError.CHAIN_TOO_LONG);
    }

    @Test
    void bufferOutOfRamIsRefused() {
        driver.addChain(Buf.in(DATA, 1), Buf.out(END - 4, 8));
        refused(QueueError.BUFFER_OUTSIDE_RAM);
    }

    @Test
    void bufferAcrossTheHoleIsRefused() {
        driver.addChain(Buf.out(HOLE - 8, 16));
        refused(QueueError.BUFFER_OUTSIDE_RAM);
    }

    @Test
    void bufferWrapping2To64IsRefused() {
        driver.writeDescriptor(0, -8, 16, 0, 0);
        driver.publish(0);
        refused(QueueError.BUFFER_OUTSIDE_RAM);
    }

    @Test
    void indirectTableOutOfRamIsRefused() {
        driver.writeDescriptor(0, HOLE - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
        driver.publish(0);
        refused(QueueError.BUFFER_OUTSIDE_RAM);
    }

    @Test
    void indirectNotMultipleOf16IsRefused() {
        driver.writeIndirectTable(TABLE, Buf.in(DATA, 1), Buf.in(DATA, 1));
        driver.writeDescriptor(0, TABLE, 24, VIRTQ_DESC_F_INDIRECT, 0);
        driver.publish(0);
        refused(QueueError.BAD_INDIRECT_LENGTH);
    }

    @Test
    void emptyIndirectTableIsRefused() {
        driver.writeDescriptor(0, TABLE, 0, VIRTQ_DESC_F_INDIRECT, 0);
        driver.publish(0);
        refused(QueueError.BAD_INDIRECT_LENGTH);
    }

    @Test
    void nestedIndirectIsRefused() {
        driver.writeDescriptorAt(TABLE, TABLE + 0x100, 16, VIRTQ_DESC_F_INDIRECT, 0);
        driver.writeDescriptorAt(TABLE + 0x100, DATA, 1, 0, 0);
        driver.writeDescriptor(0, TABLE, 16, VIRTQ_DESC_F_INDIRECT, 0);
        driver.publish(0);
        refused(QueueError.NESTED_INDIRECT);
    }

    @Test
    void indirectWithNextIsRefused() {
        driver.writeIndirectTable(TABLE, Buf.in(DATA, 1));
        driver.writeDescriptor(0, TABLE, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
        driver.writeDescriptor(1, DATA, 1, 0, 0);
        driver.publish(0);
        refused(QueueError.INDIRECT_WITH_NEXT);
    }

    @Test
    void indirectAfterDirectIsRefused() {
        driver.writeIndirectTable(TABLE, Buf.in(DATA, 1));
        driver.writeDescriptor(0, DATA, 1, VIRTQ_DESC_F_NEXT, 1);
        driver.writeDescriptor(1, TABLE, 16, VIRTQ_DESC_F_INDIRECT, 0);
        driver.publish(0);
        refused(QueueError.INDIRECT_NOT_HEAD);
    }

    @Test
    void writableBeforeReadableIsRefused() {
        driver.addChain(Buf.out(DATA, 4), Buf.in(DATA + 0x100, 4));
        refused(QueueError.READABLE_AFTER_WRITABLE);
    }

    @Test
    void writableBeforeReadableInIndirectIsRefused() {
        driver.addIndirect(TABLE, Buf.out(DATA, 4), Buf.in(DATA + 0x100, 4));
        refused(QueueError.READABLE_AFTER_WRITABLE);
    }

    @Test
    void zeroLengthIsRefused() {
        driver.addChain(Buf.in(DATA, 4), Buf.out(DATA, 0));
        refused(QueueError.ZERO_LENGTH);
    }

    @Test
    void nextPastTheTableIsRefused() {
        driver.writeDescriptor(0, DATA, 1, VIRTQ_DESC_F_NEXT, SIZE);
        driver.publish(0);
        refused(QueueError.BAD_DESCRIPTOR_INDEX);
    }

    @Test
    void nextPastTheIndirectTableIsRefused() {
        driver.writeDescriptorAt(TABLE, DATA, 1, VIRTQ_DESC_F_NEXT, 1);
        driver.writeDescriptor(0, TABLE, 16, VIRTQ_DESC_F_INDIRECT, 0);
        driver.publish(0);
        refused(QueueError.BAD_DESCRIPTOR_INDEX);
    }

    @Test
    void headPastTheTableIsRefused() {
        driver.publish(SIZE);
        refused(QueueError.BAD_DESCRIPTOR_INDEX);
    }

    @Test
    void chainOver4GiBIsRefused() {
        // 4097 descriptors naming the same MiB: each in RAM, together past 2^32 bytes (§2.7.5.2).
        int size = 8192;
        try (GuestMemory big = GuestMemory.allocate(List.of(new GuestMemory.Range(0, 0x20_0000)))) {
            MockDriver d = new MockDriver(big, size, 0x10_0000, 0x12_0000, 0x13_0000);
            Buf[] bufs = new Buf[4097];
            Arrays.fill(bufs, Buf.in(0, 0x10_0000));
            d.addChain(bufs);
            SplitQueue q = new SplitQueue(big, d.state(false));
            assertNull(q.pop());
            assertEquals(QueueError.CHAIN_TOO_LARGE, q.error());
            assertEquals(0, d.usedIdx());
        }
    }

    @Test
    void chainOf4GiBIsTaken() {
        int size = 8192;
        try (GuestMemory big = GuestMemory.allocate(List.of(new GuestMemory.Range(0, 0x20_0000)))) {
            MockDriver d = new MockDriver(big, size, 0x10_0000, 0x12_0000, 0x13_0000);
            Buf[] bufs = new Buf[4096];
            Arrays.fill(bufs, Buf.out(0, 0x10_0000));
            d.addChain(bufs);
            DescriptorChain c = new SplitQueue(big, d.state(false)).pop();
            assertEquals(1L << 32, c.writableLength());
        }
    }

    @Test
    void availIdxTooFarAheadIsRefused() {
        driver.addChain(Buf.in(DATA, 1));
        driver.setAvailIdx(SIZE + 1);
        refused(QueueError.AVAIL_IDX_TOO_FAR);
    }

    @Test
    void availIdxTooFarAheadBreaksTheQueueWhenNotificationsAreEnabledToo() {
        SplitQueue q = queue(false);
        driver.setAvailIdx(SIZE + 1);
        assertFalse(q.enableNotification(), "not a buffer to pop");
        assertEquals(QueueError.AVAIL_IDX_TOO_FAR, q.error());
    }

    /**
     * The ring RngDeviceFuzzTest found (input {@code used-flags-over-avail-idx}): the available
     * ring 2 bytes below the used ring, so avail.idx is used.flags. The device's NO_NOTIFY makes
     * it 1, where the device already is; enabling notifications writes 0, which looked like
     * 65,535 new buffers and sent the device round its loop for good.
     */
    @Test
    void usedFlagsOverAvailIdxEndTheDevicesLoop() {
        MockDriver aliased = new MockDriver(memory, SIZE, DESC, USED - 2, USED).startAt(1);
        SplitQueue q = new SplitQueue(memory, aliased.state(false));
        q.disableNotification();
        assertEquals(1, memory.readByte(USED), "avail.idx = NO_NOTIFY");
        assertNull(q.pop());
        assertFalse(q.enableNotification(), "0 is not 65,535 buffers");
        assertEquals(QueueError.AVAIL_IDX_TOO_FAR, q.error());
    }

    @Test
    void availIdxExactlyQueueSizeAheadIsTaken() {
        driver.setAvailIdx(SIZE); // ring entries are 0: all name descriptor 0
        driver.writeDescriptor(0, DATA, 1, 0, 0);
        assertNotNull(queue(false).pop());
    }

    // ---- bad setup ----

    @Test
    void badSizesBreakTheQueue() {
        for (int size : new int[]{0, 3, 24, 65536, -16}) {
            SplitQueue q = new SplitQueue(memory, new QueueState(size, true, DESC, AVAIL, USED, 0, 0, false));
            assertEquals(QueueError.BAD_SIZE, q.error(), "size " + size);
            assertNull(q.pop());
        }
    }

    @Test
    void ringsOutsideRamOrMisalignedBreakTheQueue() {
        long[][] rings = {
                {HOLE - 16 * 8, AVAIL, USED}, {DESC, HOLE - 8, USED}, {DESC, AVAIL, END - 16},
                {DESC + 8, AVAIL, USED}, {DESC, AVAIL + 1, USED}, {DESC, AVAIL, USED + 2}, {-16, AVAIL, USED},
        };
        for (long[] r : rings) {
            SplitQueue q = new SplitQueue(memory, new QueueState(SIZE, true, r[0], r[1], r[2], 0, 0, true));
            assertEquals(QueueError.RING_OUTSIDE_RAM, q.error(), Arrays.toString(r));
            assertNull(q.pop());
            q.push(0, 0); // ignored
            assertFalse(q.enableNotification());
        }
    }

    @Test
    void notReadyQueueDoesNothing() {
        driver.addChain(Buf.in(DATA, 1));
        SplitQueue q = new SplitQueue(memory, QueueState.reset());
        assertFalse(q.broken());
        assertNull(q.pop());
        assertFalse(q.needsNotification());
    }

    @Test
    void pushOfABadHeadIsADeviceBug() {
        SplitQueue q = queue(false);
        assertThrows(IllegalArgumentException.class, () -> q.push(SIZE, 0));
        assertThrows(IllegalArgumentException.class, () -> q.push(0, -1));
        assertThrows(IllegalArgumentException.class, () -> q.push(0, 1L << 32));
    }
}
