package io.jkvm.devices.fwcfg;

import io.jkvm.boot.PcPorts;
import io.jkvm.bus.Bus;
import io.jkvm.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The selector/data ports and the DMA register's reads, through the port bus as a guest uses them. */
class FwCfgTest {
    private final GuestMemory memory = GuestMemory.allocate(List.of(new GuestMemory.Range(0, 0x10000)));
    private final FwCfgItems items = new FwCfgBuilder()
            .addBytes(FwCfgKeys.SIGNATURE, new byte[] {'Q', 'E', 'M', 'U'})
            .addU32(FwCfgKeys.ID, 3)
            .addBytes(FwCfgKeys.UUID, new byte[0])
            .addBytes(FwCfgKeys.HPET, new byte[] {0x11, 0x22})
            .addFile("opt/x", new byte[] {5, 6, 7})
            .build();
    private final FwCfg fwCfg = new FwCfg(items, memory);
    private final Bus ports = Bus.ports();

    FwCfgTest() {
        fwCfg.attach(ports);
    }

    @AfterEach
    void close() {
        memory.close();
    }

    private void select(int key) {
        ports.write(0x510, 2, key);
    }

    private int[] data(int count) {
        int[] out = new int[count];
        for (int i = 0; i < count; i++) out[i] = (int) ports.read(0x511, 1);
        return out;
    }

    @Test
    void attachedWhereQemusPcMachineHasIt() {
        assertEquals(List.of(new Bus.Mapping(0x510, 2, fwCfg.ioPort()), new Bus.Mapping(0x514, 8, fwCfg.dmaPort())),
                ports.mappings());
        assertEquals(0x510, PcPorts.FW_CFG.base());
        assertEquals(0x514, PcPorts.FW_CFG_DMA.base());
        assertEquals(0xffff, ports.read(0x512, 2), "0x512-0x513 are not fw_cfg's");
    }

    @Test
    void signatureThroughTheDataPort() {
        select(FwCfgKeys.SIGNATURE);
        assertArrayEquals(new int[] {'Q', 'E', 'M', 'U', 0, 0}, data(6), "then zeros past the end");
    }

    @Test
    void theSignatureIsSelectedAtStartAndAfterReset() {
        assertEquals(0, fwCfg.selector());
        assertArrayEquals(new int[] {'Q', 'E'}, data(2));
        select(FwCfgKeys.ID);
        fwCfg.reset();
        assertArrayEquals(new int[] {'Q', 'E', 'M', 'U'}, data(4));
    }

    @Test
    void bothPortsReadData() {
        select(FwCfgKeys.SIGNATURE);
        assertEquals('Q', ports.read(0x510, 1));
        assertEquals('E', ports.read(0x511, 1));
        assertEquals('M', ports.read(0x510, 1));
        assertEquals('U', ports.read(0x511, 1));
    }

    @Test
    void idSaysTraditionalAndDma() {
        select(FwCfgKeys.ID);
        assertArrayEquals(new int[] {3, 0, 0, 0}, data(4));
    }

    @Test
    void selectingAgainRestartsTheItem() {
        select(FwCfgKeys.SIGNATURE);
        data(3);
        assertEquals(3, fwCfg.offset());
        select(FwCfgKeys.SIGNATURE);
        assertEquals(0, fwCfg.offset());
        assertArrayEquals(new int[] {'Q', 'E'}, data(2));
    }

    @Test
    void theOffsetStopsAtTheEnd() {
        select(FwCfgKeys.SIGNATURE);
        data(100);
        assertEquals(4, fwCfg.offset());
    }

    @Test
    void unknownAndEmptyItemsReadZeros() {
        select(0x1234);
        assertArrayEquals(new int[] {0, 0, 0}, data(3));
        assertEquals(0x1234, fwCfg.selector());
        select(FwCfgKeys.UUID); // present, zero length
        assertArrayEquals(new int[] {0, 0}, data(2));
        select(0xffff);
        assertArrayEquals(new int[] {0}, data(1));
    }

    @Test
    void archLocalAndFileItems() {
        select(FwCfgKeys.HPET);
        assertArrayEquals(new int[] {0x11, 0x22, 0}, data(3));
        select(0x20);
        assertArrayEquals(new int[] {5, 6, 7, 0}, data(4));
        select(FwCfgKeys.HPET & FwCfgKeys.ENTRY_MASK); // generic 0x04: not set here
        assertArrayEquals(new int[] {0}, data(1));
    }

    @Test
    void theWriteBitSelectsTheSameItem() {
        select(FwCfgKeys.WRITE_CHANNEL | FwCfgKeys.SIGNATURE);
        assertArrayEquals(new int[] {'Q', 'E', 'M', 'U'}, data(4));
        select(FwCfgKeys.WRITE_CHANNEL | FwCfgKeys.HPET);
        assertArrayEquals(new int[] {0x11, 0x22}, data(2));
    }

    @Test
    void onlyTheValue16BitsSelect() {
        fwCfg.ioPort().write(0, 2, 0xabcd_0001L); // a device sees at most 2 bytes; keep the low 16 bits
        assertEquals(1, fwCfg.selector());
    }

    @Test
    void dataWritesAreIgnored() {
        select(FwCfgKeys.SIGNATURE);
        ports.write(0x511, 1, 'X');
        ports.write(0x510, 1, 'Y');
        assertEquals(0, fwCfg.offset(), "no offset change either");
        assertArrayEquals(new int[] {'Q', 'E', 'M', 'U'}, data(4));
    }

    @Test
    void otherAccessSizesDoNothing() {
        select(FwCfgKeys.SIGNATURE);
        assertEquals(0, ports.read(0x510, 2), "2-byte reads are not accepted (fw_cfg_comb_valid)");
        assertEquals(0, fwCfg.ioPort().read(0, 4));
        fwCfg.ioPort().write(0, 4, FwCfgKeys.ID);
        fwCfg.ioPort().write(1, 2, FwCfgKeys.ID);
        assertEquals(0, fwCfg.selector());
        assertEquals(0, fwCfg.offset());
        assertEquals(0, fwCfg.ioPort().read(2, 1), "outside the device");
        assertEquals(0, fwCfg.ioPort().read(-1, 1));
        assertArrayEquals(new int[] {'Q', 'E', 'M', 'U'}, data(4));
    }

    @Test
    void dmaRegisterReadsTheSignatureAtEveryOffsetAndSize() {
        byte[] sig = {'Q', 'E', 'M', 'U', ' ', 'C', 'F', 'G'};
        for (int size : new int[] {1, 2, 4}) {
            for (int offset = 0; offset + size <= 8; offset++) {
                long expected = 0;
                for (int i = 0; i < size; i++) expected |= (long) sig[offset + i] << (8 * i);
                assertEquals(expected, ports.read(0x514 + offset, size), "size " + size + " at " + offset);
            }
        }
        assertEquals(0x554d4551L, ports.read(0x514, 4), "the bytes 'QEMU' as a little-endian inl");
        assertEquals(0x47464320L, ports.read(0x518, 4));
        assertEquals(Long.reverseBytes(FwCfg.DMA_SIGNATURE), fwCfg.dmaPort().read(0, 8), "big-endian QEMU CFG");
        assertEquals(0, fwCfg.dmaPort().read(8, 1), "outside the register");
        assertEquals('G', fwCfg.dmaPort().read(7, 2), "only the register's bytes");
    }

    @Test
    void concurrentGuestsDoNotBreakIt() throws InterruptedException {
        int threads = 4;
        CountDownLatch start = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < 20_000; i++) {
                        int key = (i * 31 + seed) & 0xffff;
                        switch (i % 4) {
                            case 0 -> ports.write(0x510, 2, key);
                            case 1 -> ports.read(0x511, 1);
                            case 2 -> ports.write(0x518, 4, Integer.reverseBytes(key * 16)); // DMA at low RAM
                            default -> ports.read(0x514, 4);
                        }
                        int offset = fwCfg.offset();
                        if (offset < 0 || offset > 4 + 64) throw new AssertionError("offset " + offset);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            all.add(thread);
            thread.start();
        }
        start.countDown();
        for (Thread thread : all) thread.join();
        assertNull(failure.get());
        select(FwCfgKeys.SIGNATURE);
        assertArrayEquals(new int[] {'Q', 'E', 'M', 'U'}, data(4));
    }
}
