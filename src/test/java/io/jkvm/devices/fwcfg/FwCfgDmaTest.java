package io.jkvm.devices.fwcfg;

import io.jkvm.bus.Bus;
import io.jkvm.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import static io.jkvm.devices.fwcfg.FwCfgDma.CTL_ERROR;
import static io.jkvm.devices.fwcfg.FwCfgDma.CTL_READ;
import static io.jkvm.devices.fwcfg.FwCfgDma.CTL_SELECT;
import static io.jkvm.devices.fwcfg.FwCfgDma.CTL_SKIP;
import static io.jkvm.devices.fwcfg.FwCfgDma.CTL_WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * DMA as Linux's qemu_fw_cfg driver and SeaBIOS drive it: an FWCfgDmaAccess in RAM, its address
 * written big-endian to 0x514 (high half) and 0x518 (low half, which starts the operation).
 * RAM: 64 KiB at 0 and 64 KiB at 4 GiB, with a hole between.
 */
class FwCfgDmaTest {
    private static final long HIGH = 0x1_0000_0000L;
    private static final long ACCESS = 0x1000;
    private static final long BUFFER = 0x2000;

    private final GuestMemory memory = GuestMemory.allocate(List.of(
            new GuestMemory.Range(0, 0x10000), new GuestMemory.Range(HIGH, 0x10000)));
    private final byte[] blob = new byte[300];
    private final FwCfgItems items;
    private final FwCfg fwCfg;
    private final Bus ports = Bus.ports();

    FwCfgDmaTest() {
        for (int i = 0; i < blob.length; i++) blob[i] = (byte) (i * 7 + 1);
        items = new FwCfgBuilder()
                .addBytes(FwCfgKeys.SIGNATURE, new byte[] {'Q', 'E', 'M', 'U'})
                .addU32(FwCfgKeys.ID, 3)
                .addBytes(FwCfgKeys.SMBIOS_ENTRIES, new byte[] {(byte) 0xa1, (byte) 0xa2})
                .addFile("etc/blob", blob)
                .build();
        fwCfg = new FwCfg(items, memory);
        fwCfg.attach(ports);
    }

    @AfterEach
    void close() {
        memory.close();
    }

    /** Puts an FWCfgDmaAccess at {@code at} and starts it with two 32-bit port writes, as Linux does. */
    private int dma(long at, int control, long length, long address) {
        putAccess(at, control, length, address);
        start(at);
        return control(at);
    }

    private void putAccess(long at, int control, long length, long address) {
        memory.write(at, ByteBuffer.allocate(16).putInt(control).putInt((int) length).putLong(address).array());
    }

    private void start(long at) {
        ports.write(0x514, 4, Integer.reverseBytes((int) (at >>> 32))); // iowrite32be(high)
        ports.write(0x518, 4, Integer.reverseBytes((int) at));          // iowrite32be(low)
    }

    private int control(long at) {
        return ByteBuffer.wrap(memory.read(at, 4)).getInt();
    }

    private static int select(int key) {
        return key << 16 | CTL_SELECT;
    }

    private byte[] guest(long at, int length) {
        return memory.read(at, length);
    }

    private void fill(long at, int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        memory.write(at, b);
    }

    @Test
    void signatureByDmaRead() {
        assertEquals(0, dma(ACCESS, select(FwCfgKeys.SIGNATURE) | CTL_READ, 4, BUFFER));
        assertArrayEquals(new byte[] {'Q', 'E', 'M', 'U'}, guest(BUFFER, 4));
        assertEquals(4, fwCfg.offset());
    }

    @Test
    void readingPastTheEndWritesZeros() {
        fill(BUFFER, 16, 0x55);
        assertEquals(0, dma(ACCESS, select(FwCfgKeys.ID) | CTL_READ, 10, BUFFER));
        assertArrayEquals(new byte[] {3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x55, 0x55}, guest(BUFFER, 12));
        assertEquals(4, fwCfg.offset(), "the offset stops at the end");
        fill(BUFFER, 16, 0x55);
        assertEquals(0, dma(ACCESS, CTL_READ, 3, BUFFER));
        assertArrayEquals(new byte[] {0, 0, 0, 0x55}, guest(BUFFER, 4));
    }

    @Test
    void anUnknownItemReadsZeros() {
        fill(BUFFER, 8, 0x55);
        assertEquals(0, dma(ACCESS, select(0x3ff0) | CTL_READ, 6, BUFFER));
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 0x55, 0x55}, guest(BUFFER, 8));
        assertEquals(0x3ff0, fwCfg.selector());
    }

    @Test
    void readsContinueFromTheCurrentOffset() {
        ports.write(0x510, 2, items.fileSelector("etc/blob"));
        assertEquals(blob[0], (byte) ports.read(0x511, 1));
        assertEquals(0, dma(ACCESS, CTL_READ, 100, BUFFER), "no SELECT: keep the item and offset");
        assertArrayEquals(Arrays.copyOfRange(blob, 1, 101), guest(BUFFER, 100));
        assertEquals(blob[101], (byte) ports.read(0x511, 1), "and the data port goes on from there");
    }

    @Test
    void skipMovesTheOffset() {
        assertEquals(0, dma(ACCESS, select(0x20) | CTL_SKIP, 250, 0));
        assertEquals(250, fwCfg.offset());
        assertEquals(0, dma(ACCESS, CTL_READ, 50, BUFFER));
        assertArrayEquals(Arrays.copyOfRange(blob, 250, 300), guest(BUFFER, 50));
        assertEquals(0, dma(ACCESS, CTL_SKIP, 1000, 0), "skipping past the end is no error");
        assertEquals(300, fwCfg.offset());
    }

    @Test
    void readWinsOverWriteAndSkip() {
        assertEquals(0, dma(ACCESS, select(0x20) | CTL_READ | CTL_WRITE | CTL_SKIP, 8, BUFFER));
        assertArrayEquals(Arrays.copyOf(blob, 8), guest(BUFFER, 8));
    }

    @Test
    void writesFailItemsAreReadOnly() {
        fill(BUFFER, 8, 0x55);
        assertEquals(CTL_ERROR, dma(ACCESS, select(FwCfgKeys.ID) | CTL_WRITE, 4, BUFFER));
        assertEquals(CTL_ERROR, dma(ACCESS, select(FwCfgKeys.ID) | CTL_WRITE | CTL_SKIP, 2, BUFFER), "write wins over skip");
        assertEquals(2, fwCfg.offset(), "QEMU moves the offset on even so");
        assertArrayEquals(new byte[] {3, 0, 0, 0}, items.item(FwCfgKeys.ID));
        assertEquals(CTL_ERROR, dma(ACCESS, select(0x3000) | CTL_WRITE, 4, BUFFER), "past the end too");
        assertEquals(0, dma(ACCESS, select(FwCfgKeys.ID) | CTL_WRITE, 0, BUFFER), "nothing to write: no error");
        assertArrayEquals(new byte[] {0x55, 0x55, 0x55, 0x55}, guest(BUFFER, 4));
    }

    @Test
    void selectAloneOnlySelects() {
        assertEquals(0, dma(ACCESS, select(FwCfgKeys.SMBIOS_ENTRIES) | CTL_ERROR, 99, BUFFER), "the ERROR bit in is ignored");
        assertEquals(FwCfgKeys.SMBIOS_ENTRIES, fwCfg.selector());
        assertEquals(0, fwCfg.offset());
        assertEquals(0xa1, ports.read(0x511, 1));
    }

    @Test
    void archLocalSelectorsSelectArchItems() {
        assertEquals(0, dma(ACCESS, select(FwCfgKeys.SMBIOS_ENTRIES) | CTL_READ, 2, BUFFER));
        assertArrayEquals(new byte[] {(byte) 0xa1, (byte) 0xa2}, guest(BUFFER, 2));
    }

    @Test
    void theControlWordIsWrittenBackBigEndian() {
        putAccess(ACCESS, select(FwCfgKeys.SIGNATURE) | CTL_READ, 4, BUFFER);
        start(ACCESS);
        assertArrayEquals(new byte[] {0, 0, 0, 0}, guest(ACCESS, 4));
        putAccess(ACCESS, select(FwCfgKeys.SIGNATURE) | CTL_WRITE, 4, BUFFER);
        start(ACCESS);
        assertArrayEquals(new byte[] {0, 0, 0, 1}, guest(ACCESS, 4));
        assertArrayEquals(ByteBuffer.allocate(12).putInt(4).putLong(BUFFER).array(), guest(ACCESS + 4, 12),
                "length and address stay as they were");
    }

    @Test
    void anAccessAboveFourGigabytesWithTwoWritesOrOne() {
        long at = HIGH + 0x100;
        long buffer = HIGH + 0x8000;
        assertEquals(0, dma(at, select(FwCfgKeys.SIGNATURE) | CTL_READ, 4, buffer));
        assertArrayEquals(new byte[] {'Q', 'E', 'M', 'U'}, guest(buffer, 4));

        putAccess(at, select(FwCfgKeys.ID) | CTL_READ, 4, buffer);
        fwCfg.dmaPort().write(0, 8, Long.reverseBytes(at)); // a 64-bit big-endian store
        assertEquals(0, control(at));
        assertArrayEquals(new byte[] {3, 0, 0, 0}, guest(buffer, 4));
    }

    @Test
    void theAddressRegisterClearsAfterEachOperation() {
        long at = HIGH + 0x100;
        putAccess(at, select(FwCfgKeys.SIGNATURE) | CTL_READ, 4, BUFFER);
        start(at);
        assertEquals(0, control(at));
        // Only the low half now: the high half was cleared, so this runs the access in low RAM.
        putAccess(0x100, select(FwCfgKeys.ID) | CTL_READ, 4, BUFFER + 8);
        ports.write(0x518, 4, Integer.reverseBytes(0x100));
        assertEquals(0, control(0x100));
        assertArrayEquals(new byte[] {3, 0, 0, 0}, guest(BUFFER + 8, 4));
    }

    @Test
    void otherRegisterWritesAreIgnored() {
        putAccess(ACCESS, select(FwCfgKeys.ID) | CTL_READ, 4, BUFFER);
        fill(BUFFER, 4, 0x55);
        ports.write(0x514, 1, 0x10);
        ports.write(0x516, 2, 0x10);
        ports.write(0x515, 4, Integer.reverseBytes((int) ACCESS));
        fwCfg.dmaPort().write(4, 8, Long.reverseBytes(ACCESS));
        assertArrayEquals(new byte[] {0x55, 0x55, 0x55, 0x55}, guest(BUFFER, 4), "nothing started");
        assertEquals(select(FwCfgKeys.ID) | CTL_READ, control(ACCESS));
        assertEquals(0, fwCfg.selector());
    }

    @Test
    void aBufferOutsideRamIsAnErrorAndNothingIsWritten() {
        for (long bad : new long[] {0x10000, 0xfffc, 0x8000_0000L, HIGH - 2, HIGH + 0xfffe, -1L, Long.MIN_VALUE, 0x7fff_ffff_ffff_fff0L}) {
            fill(0xfff0, 16, 0x55);
            assertEquals(CTL_ERROR, dma(ACCESS, select(0x20) | CTL_READ, 8, bad), "buffer at 0x" + Long.toHexString(bad));
            assertArrayEquals(new byte[] {0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55}, guest(0xfff8, 8));
        }
    }

    @Test
    void aZeroFillOutsideRamIsAnError() {
        fill(0xfff0, 16, 0x55);
        // 4 item bytes land at 0xfff0; the zeros after them would run past RAM's end.
        assertEquals(CTL_ERROR, dma(ACCESS, select(FwCfgKeys.ID) | CTL_READ, 0x20, 0xfff0));
        assertArrayEquals(new byte[] {3, 0, 0, 0, 0x55, 0x55}, guest(0xfff0, 6));
    }

    @Test
    void theLargestLengthFailsQuicklyWithoutWriting() {
        fill(BUFFER, 0x1000, 0x55);
        assertEquals(CTL_ERROR, dma(ACCESS, select(FwCfgKeys.SIGNATURE) | CTL_READ, 0xffff_ffffL, BUFFER));
        assertArrayEquals(new byte[] {'Q', 'E', 'M', 'U', 0x55}, guest(BUFFER, 5), "the item, then nothing");
        assertEquals(0, dma(ACCESS, select(FwCfgKeys.SIGNATURE) | CTL_SKIP, 0xffff_ffffL, 0));
        assertEquals(4, fwCfg.offset());
    }

    @Test
    void aLargeZeroFillInsideRamWorks() {
        long buffer = HIGH;
        fill(buffer, 0x10000, 0x55);
        assertEquals(0, dma(ACCESS, select(0x20) | CTL_READ, 0x10000, buffer));
        assertArrayEquals(blob, guest(buffer, blob.length));
        assertArrayEquals(new byte[0x10000 - blob.length], guest(buffer + blob.length, 0x10000 - blob.length));
    }

    @Test
    void anAccessStructureOutsideRamIsHarmless() {
        for (long bad : new long[] {0x10000, 0xfffc, HIGH - 8, 0x8000_0000L, -16L, Long.MAX_VALUE}) {
            ports.write(0x514, 4, Integer.reverseBytes((int) (bad >>> 32)));
            ports.write(0x518, 4, Integer.reverseBytes((int) bad));
            fwCfg.dmaPort().write(0, 8, Long.reverseBytes(bad));
        }
        assertEquals(0, fwCfg.selector());
    }

    @Test
    void anAccessStructureRunningOffRamGetsTheErrorBitWhereItCan() {
        long at = 0xfff8; // control and length in RAM, address beyond it
        memory.write(at, ByteBuffer.allocate(8).putInt(select(FwCfgKeys.ID) | CTL_READ).putInt(4).array());
        start(at);
        assertEquals(CTL_ERROR, control(at));
        assertEquals(0, fwCfg.selector(), "the operation never ran");
    }

    @Test
    void anAccessAcrossAdjacentRegionsWorks() {
        try (GuestMemory split = GuestMemory.allocate(List.of(new GuestMemory.Range(0, 0x1000),
                new GuestMemory.Range(0x1000, 0x1000), new GuestMemory.Range(0x2000, 0x1000)))) {
            FwCfg device = new FwCfg(items, split);
            long at = 0x1000 - 8;       // the structure straddles the first two regions
            long buffer = 0x2000 - 100; // the buffer the last two
            byte[] access = ByteBuffer.allocate(16).putInt(select(0x20) | CTL_READ).putInt(blob.length).putLong(buffer).array();
            for (int i = 0; i < access.length; i++) split.writeByte(at + i, access[i]);
            device.dmaPort().write(4, 4, Integer.reverseBytes((int) at));
            assertEquals(0, split.readInt(at), "control 0, read within the first region");
            byte[] copied = new byte[blob.length];
            for (int i = 0; i < copied.length; i++) copied[i] = (byte) split.readByte(buffer + i);
            assertArrayEquals(blob, copied);
        }
    }
}
