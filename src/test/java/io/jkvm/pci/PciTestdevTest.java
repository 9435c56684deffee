package io.jkvm.pci;

import io.jkvm.bus.BusDevice;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

class PciTestdevTest {
    private final PciTestdev dev = new PciTestdev();
    private final BusDevice mmio = dev.mmio();
    private final BusDevice portio = dev.portio();

    private BusDevice bar(int test) {
        return test < 3 ? mmio : portio;
    }

    /** Selects {@code test} as a guest does: its number within the BAR, written to offset 0 of that BAR. */
    private void select(int test) {
        bar(test).write(0, 1, test % 3);
    }

    @Test
    void configurationHeaderIsQemus() {
        PciConfigSpace c = dev.config();
        assertEquals(0x0005_1b36, c.read(0x00, 4), "Red Hat 1b36, device 0005");
        assertEquals(0, c.read(0x04, 4), "command and status");
        assertEquals(0x00ff_0000, c.read(0x08, 4), "revision 0, prog-if 0, sub-class 0xff, base class 0x00");
        assertEquals(0, c.read(0x0c, 4), "header type 0, single function");
        assertEquals(0x0000_0000, c.read(0x10, 4), "BAR0: 32-bit memory");
        assertEquals(0x0000_0001, c.read(0x14, 4), "BAR1: I/O");
        for (int bar = 2; bar < 6; bar++) assertEquals(0, c.read(0x10 + 4 * bar, 4));
        assertEquals(0x1100_1af4, c.read(0x2c, 4));
        assertEquals(0, c.read(0x3c, 4), "no interrupt pin");

        c.write(0x10, 4, -1);
        c.write(0x14, 4, -1);
        assertEquals(0xffff_f000, c.read(0x10, 4), "4 KiB = IOTEST_MEMSIZE * 2");
        assertEquals(0xffff_ff01, c.read(0x14, 4), "256 bytes = IOTEST_IOSIZE * 2");
    }

    @Test
    void withNoTestSelectedReadsAreZeroAndWritesCountNothing() {
        assertEquals(-1, dev.currentTest());
        assertEquals(0L, mmio.read(0, 4));
        assertEquals(0L, mmio.read(12, 4));
        assertEquals(0L, portio.read(16, 8));
        mmio.write(2048, 1, 0xfa);
        portio.write(131, 1, 0xfa);
        for (int test = 0; test < 6; test++) assertEquals(0L, dev.count(test));
    }

    private static byte[] expectedHeader(int test, int offset, int data, String name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) test, 1, 0, 0, (byte) offset, (byte) (offset >> 8), 0, 0, (byte) data, 0, 0, 0, 0, 0, 0, 0});
        out.writeBytes(name.getBytes(StandardCharsets.US_ASCII));
        out.write(0);
        return out.toByteArray();
    }

    @Test
    void eachTestsHeaderReadsBackThroughBothBars() {
        byte[][] expected = {
                expectedHeader(0, 2048, 0xfa, "mmio-no-eventfd"),
                expectedHeader(1, 2049, 0xce, "mmio-wildcard-eventfd"),
                expectedHeader(2, 2050, 0xfa, "mmio-datamatch-eventfd"),
                expectedHeader(3, 131, 0xfa, "portio-no-eventfd"),
                expectedHeader(4, 132, 0xce, "portio-wildcard-eventfd"),
                expectedHeader(5, 133, 0xfa, "portio-datamatch-eventfd"),
        };
        for (int test = 0; test < 6; test++) {
            select(test);
            assertEquals(test, dev.currentTest());
            for (BusDevice region : List.of(mmio, portio)) {
                byte[] header = new byte[expected[test].length];
                for (int i = 0; i < header.length; i++) header[i] = (byte) region.read(i, 1);
                assertArrayEquals(expected[test], header, "test " + test);
                assertEquals(0L, region.read(header.length, 1), "past the NUL");
                assertEquals(0L, region.read(200, 4));
            }
            assertEquals(0x0000_0100L | test, bar(test).read(0, 4), "test, width 1, padding");
            assertEquals(PciTestdev.offset(test), bar(test).read(4, 4));
            assertEquals(test % 3 == 1 ? 0xceL : 0xfaL, bar(test).read(8, 4));
        }
        assertEquals(List.of("mmio-no-eventfd", "mmio-wildcard-eventfd", "mmio-datamatch-eventfd",
                "portio-no-eventfd", "portio-wildcard-eventfd", "portio-datamatch-eventfd"), PciTestdev.TEST_NAMES);
    }

    @Test
    void noEventfdCountsByteWritesOfTheDataAtTheOffsetThroughEitherBar() {
        select(0);
        for (int i = 0; i < 16; i++) mmio.write(2048, 1, 0xfa);
        assertEquals(16L, mmio.read(12, 4));
        mmio.write(2048, 1, 0xfb); // other data
        mmio.write(2049, 1, 0xfa); // other offset
        mmio.write(2048, 2, 0xfa00); // byte 0x00 at the offset, 0xfa after it
        assertEquals(16L, dev.count(0));
        mmio.write(2048, 4, 0x0000_00fa); // bytes fa 00 00 00: counted
        mmio.write(2047, 2, 0xfa00); // bytes 00 fa: the second is at the offset
        mmio.write(2048, 8, 0x0000_00fa); // two 4-byte pieces, still bytes
        assertEquals(19L, dev.count(0));

        select(3);
        assertEquals(0L, portio.read(12, 4), "a fresh count");
        portio.write(131, 1, 0xfa);
        mmio.write(131, 1, 0xfa); // the other BAR at the same offset counts too (QEMU ignores the region)
        portio.write(131, 1, 0x00);
        assertEquals(2L, dev.count(3));
        assertEquals(19L, dev.count(0), "kept while another test is selected");
        select(0);
        assertEquals(0L, dev.count(0), "selecting again resets the count");
    }

    @Test
    void wildcardEventfdWritesAreTakenByTheIoeventfdAndNotCounted() {
        select(1);
        for (int i = 0; i < 16; i++) mmio.write(2049, 1, 0xce);
        mmio.write(2049, 1, 0x00);
        mmio.write(2049, 4, 0x1234_5678); // any length on MMIO (KVM_CAP_IOEVENTFD_ANY_LENGTH)
        assertEquals(0L, mmio.read(12, 4));
        mmio.write(2048, 2, 0x5500); // starts elsewhere: reaches the handler, byte 0x55 at 2049 counts
        assertEquals(1L, dev.count(1));

        select(4);
        for (int i = 0; i < 16; i++) portio.write(132, 1, 0xce);
        assertEquals(0L, dev.count(4));
        portio.write(132, 2, 0x0011); // 2 bytes: the 1-byte port ioeventfd does not match
        mmio.write(132, 1, 0x22); // the ioeventfd is on the I/O BAR only
        assertEquals(2L, portio.read(12, 4));
    }

    @Test
    void datamatchEventfdTakesOnlyTheMatchingByteAndTheHandlerCountsTheRest() {
        select(2);
        for (int i = 0; i < 16; i++) mmio.write(2050, 1, 0xfa);
        assertEquals(0L, dev.count(2), "taken by the ioeventfd");
        mmio.write(2050, 1, 0x12);
        assertEquals(0L, dev.count(2), "no match: the handler ignores it too");
        mmio.write(2050, 2, 0x00fa); // 2 bytes: not the ioeventfd's length; the handler sees byte 0xfa
        mmio.write(2048, 4, 0x00fa_0000); // bytes 00 00 fa 00
        assertEquals(2L, dev.count(2));

        select(5);
        portio.write(133, 1, 0xfa);
        portio.write(133, 1, 0x11);
        portio.write(132, 2, 0x00fa); // 0xfa lands at 132
        assertEquals(0L, dev.count(5));
        portio.write(132, 2, 0xfa00);
        mmio.write(133, 1, 0xfa);
        assertEquals(2L, portio.read(12, 4));
    }

    @Test
    void offsetZeroSelectsDeselectsAndOnlyItsFirstByteCounts() {
        mmio.write(0, 2, 0x0102); // byte 0x02 at 0: mmio-datamatch-eventfd
        assertEquals(2, dev.currentTest());
        portio.write(0, 4, 0x0000_0100); // byte 0x00 at 0: portio-no-eventfd
        assertEquals(3, dev.currentTest());
        portio.write(0, 1, 3);
        assertEquals(-1, dev.currentTest());
        assertEquals(0L, portio.read(0, 4));
        mmio.write(0, 1, 0xff);
        assertEquals(-1, dev.currentTest());
    }

    /** kvm-unit-tests lib/pci-testdev.c, pci_testdev_one, against each BAR: the count it reads back. */
    @Test
    void theKvmUnitTestsSequencePassesForAllSixTests() {
        List<Long> counts = new ArrayList<>();
        for (BusDevice region : List.of(mmio, portio)) {
            for (int n = 0; ; n++) {
                region.write(0, 1, n);
                if (region.read(12, 4) != 0) break;
                long width = region.read(1, 1);
                if (width != 1 && width != 2 && width != 4) break;
                long data = region.read(8, 4);
                long offset = region.read(4, 4);
                for (int i = 0; i < 16; i++) region.write(offset, 1, data);
                counts.add(region.read(12, 4));
            }
        }
        assertEquals(List.of(16L, 0L, 0L, 16L, 0L, 0L), counts);
    }

    @Test
    void theCountIsAnUnsigned32BitValueAndConcurrentWritesAllCount() throws InterruptedException {
        select(3);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 5000; i++) portio.write(131, 1, 0xfa);
            }));
        }
        for (Thread t : threads) t.join();
        assertEquals(20_000L, dev.count(3));
        assertEquals(20_000L, portio.read(12, 4));
    }

    @Test
    void accessesOutsideTheRegionsNeverThrow() {
        select(0);
        assertDoesNotThrow(() -> {
            for (BusDevice region : List.of(mmio, portio)) {
                for (long offset : new long[] {-1, 4095, 4096, 255, 256, Long.MAX_VALUE, Long.MIN_VALUE}) {
                    for (int size : new int[] {-1, 0, 1, 2, 4, 8, 9}) {
                        region.read(offset, size);
                        region.write(offset, size, -1L);
                    }
                }
            }
        });
        assertEquals(0xffffL, mmio.read(4095, 2), "outside BAR0");
        assertEquals(0xffL, portio.read(256, 1), "outside BAR1");
        assertEquals(0, dev.currentTest(), "nothing selected by the stray writes");
        assertEquals(0L, dev.count(0));
    }
}
