package io.jkvm.pci;

import io.jkvm.bus.BusDevice;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.jkvm.pci.PciConfigSpace.UNMAPPED;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PciConfigSpaceTest {
    static final BusDevice NOWHERE = new BusDevice() {
        @Override public long read(long offset, int size) { return 0; }
        @Override public void write(long offset, int size, long value) { }
    };

    private int decodeChanges;
    private final PciConfigSpace config = newConfig();

    private PciConfigSpace newConfig() {
        PciConfigSpace c = new PciConfigSpace(0x8086, 0x100e, 0x03, 0x020000);
        c.addMemoryBar(0, 0x2_0000, NOWHERE);
        c.addIoBar(1, 0x40, NOWHERE);
        c.setDecodeListener(() -> decodeChanges++);
        return c;
    }

    @Test
    void headerFieldsReadBackLittleEndian() {
        assertEquals(0x100e_8086, config.read(0x00, 4));
        assertEquals(0x8086, config.read(0x00, 2));
        assertEquals(0x10, config.read(0x03, 1));
        assertEquals(0x0000_0000, config.read(0x04, 4), "command and status start 0");
        assertEquals(0x0200_0003, config.read(0x08, 4), "class 02 00 00, revision 3");
        assertEquals(0x0000_0000, config.read(0x0c, 4), "cache line, latency, header type 0, BIST");
        assertEquals(0x1100_1af4, config.read(0x2c, 4), "QEMU's default subsystem");
        assertEquals(0, config.read(0x28, 4));
        assertEquals(0, config.read(0x30, 4));
        assertEquals(0, config.read(0x34, 4));
        assertEquals(0, config.read(0x3c, 4), "no interrupt line or pin");

        config.setSubsystem(0x15ad, 0x07a0);
        config.setInterruptPin(1);
        config.setMultiFunction(true);
        assertEquals(0x07a0_15ad, config.read(0x2c, 4));
        assertEquals(0x0100, config.read(0x3c, 2));
        assertEquals(0x80, config.read(0x0e, 1));
        assertThrows(IllegalArgumentException.class, () -> config.setInterruptPin(5));
    }

    @Test
    void readOnlyRegistersIgnoreWrites() {
        config.write(0x00, 4, 0xdead_beef);
        config.write(0x08, 4, 0xffff_ffff);
        config.write(0x0d, 1, 0xff); // latency timer
        config.write(0x0e, 2, 0xffff); // header type, BIST
        config.write(0x2c, 4, 0x1234_5678);
        config.write(0x30, 4, 0xffff_ffff);
        config.write(0x3d, 1, 0x02); // interrupt pin
        config.write(0x10 + 8, 4, 0xffff_ffff); // BAR 2, not declared
        assertEquals(0x100e_8086, config.read(0x00, 4));
        assertEquals(0x0200_0003, config.read(0x08, 4));
        assertEquals(0, config.read(0x0c, 4));
        assertEquals(0x1100_1af4, config.read(0x2c, 4));
        assertEquals(0, config.read(0x30, 4));
        assertEquals(0, config.read(0x3d, 1));
        assertEquals(0, config.read(0x18, 4));
    }

    @Test
    void writableRegistersKeepOnlyTheirWritableBits() {
        config.write(0x04, 2, 0xffff);
        assertEquals(0x0507, config.read(0x04, 2), "I/O, memory, master, SERR#, INTx disable");
        config.write(0x06, 2, 0xffff);
        assertEquals(0, config.read(0x06, 2), "status bits are read-only or write-1-to-clear, all 0");
        config.write(0x0c, 1, 0x10);
        assertEquals(0x10, config.read(0x0c, 1), "cache line size");
        config.write(0x3c, 1, 0x0b);
        assertEquals(0x0b, config.read(0x3c, 1), "interrupt line");
        config.write(0x40, 4, 0x1122_3344);
        config.write(0xfe, 2, 0xa5a5);
        assertEquals(0x1122_3344, config.read(0x40, 4), "device-specific space is storage");
        assertEquals(0xa5a5, config.read(0xfe, 2));
        assertEquals(0x44, config.read(0x40, 1));
    }

    @Test
    void sizingProbeReturnsTheSizeMaskWithTheTypeBits() {
        config.write(0x10, 4, 0xffff_ffff);
        config.write(0x14, 4, 0xffff_ffff);
        assertEquals(0xfffe_0000, config.read(0x10, 4), "128 KiB memory BAR, 32-bit non-prefetchable");
        assertEquals(0xffff_ffc1, config.read(0x14, 4), "64-byte I/O BAR, bit 0 set");
        config.write(0x10, 4, 0);
        config.write(0x14, 4, 0);
        assertEquals(0, config.read(0x10, 4));
        assertEquals(1, config.read(0x14, 4));
    }

    @Test
    void barAddressesDropTheBitsBelowTheSize() {
        config.write(0x10, 4, 0xfebf_1234);
        config.write(0x14, 4, 0xc07f);
        assertEquals(0xfebe_0000, config.read(0x10, 4));
        assertEquals(0xc041, config.read(0x14, 4));
        config.write(0x12, 2, 0xd000); // the high half alone
        assertEquals(0xd000_0000, config.read(0x10, 4));
        config.write(0x15, 1, 0xe0);
        assertEquals(0xe041, config.read(0x14, 4));
    }

    @Test
    void aBarDecodesOnlyWhileItsSpaceIsEnabledAndItsAddressIsUsable() {
        config.write(0x10, 4, 0xfeb0_0000);
        config.write(0x14, 4, 0xc040);
        assertEquals(UNMAPPED, config.decodedAddress(0));
        assertEquals(UNMAPPED, config.decodedAddress(1));
        assertEquals(0, decodeChanges);

        config.write(0x04, 2, PciConfigSpace.COMMAND_MEMORY);
        assertEquals(0xfeb0_0000L, config.decodedAddress(0));
        assertEquals(UNMAPPED, config.decodedAddress(1), "I/O space still disabled");
        assertEquals(1, decodeChanges);

        config.write(0x04, 2, PciConfigSpace.COMMAND_MEMORY | PciConfigSpace.COMMAND_IO);
        assertEquals(0xc040L, config.decodedAddress(1));
        assertEquals(2, decodeChanges);

        config.write(0x10, 4, 0xffff_ffff);
        assertEquals(UNMAPPED, config.decodedAddress(0), "a sizing probe never decodes");
        config.write(0x10, 4, 0);
        assertEquals(UNMAPPED, config.decodedAddress(0), "address 0 never decodes on the PC");
        config.write(0x10, 4, 0xfffe_0000);
        assertEquals(UNMAPPED, config.decodedAddress(0), "would reach 0xffffffff");
        config.write(0x10, 4, 0xfffc_0000);
        assertEquals(0xfffc_0000L, config.decodedAddress(0), "ends at 0xfffdffff");
        config.write(0x14, 4, 0xffff_ffc0);
        assertEquals(UNMAPPED, config.decodedAddress(1));
        config.write(0x14, 4, 0x1_0000);
        assertEquals(0x1_0000L, config.decodedAddress(1), "decodes (QEMU does); the port bus will refuse it");
        assertEquals(UNMAPPED, config.decodedAddress(2), "no BAR 2");
        assertEquals(UNMAPPED, config.decodedAddress(-1));

        config.write(0x04, 2, 0);
        assertEquals(UNMAPPED, config.decodedAddress(0));
        assertEquals(UNMAPPED, config.decodedAddress(1));
    }

    @Test
    void theListenerRunsOnlyWhenADecodedAddressChanges() {
        config.write(0x10, 4, 0xfeb0_0000);
        config.write(0x04, 2, PciConfigSpace.COMMAND_MEMORY);
        assertEquals(1, decodeChanges);
        config.write(0x04, 2, PciConfigSpace.COMMAND_MEMORY | PciConfigSpace.COMMAND_MASTER);
        config.write(0x10, 4, 0xfeb0_0000);
        config.write(0x10, 4, 0xfeb1_ffff); // same BAR after masking
        config.write(0x3c, 1, 5);
        config.write(0x40, 4, -1);
        config.write(0x14, 4, 0xc000); // I/O disabled: no change
        assertEquals(1, decodeChanges);
        config.write(0x11, 1, 0x80);
        assertEquals(0xfeb0_0000L, config.decodedAddress(0), "bits 15:8 are below the 128 KiB size");
        config.write(0x12, 1, 0xa0);
        assertEquals(0xfea0_0000L, config.decodedAddress(0));
        assertEquals(2, decodeChanges);
    }

    @Test
    void barsAreListedInIndexOrder() {
        List<PciBar> bars = config.bars();
        assertEquals(2, bars.size());
        assertEquals(new PciBar(0, false, 0x2_0000, NOWHERE), bars.get(0));
        assertEquals(new PciBar(1, true, 0x40, NOWHERE), bars.get(1));
        assertEquals(0x14, bars.get(1).register());
    }

    @Test
    void badBarDeclarationsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> config.addIoBar(1, 0x40, NOWHERE), "taken");
        assertThrows(IllegalArgumentException.class, () -> config.addMemoryBar(6, 0x1000, NOWHERE), "index");
        assertThrows(IllegalArgumentException.class, () -> config.addMemoryBar(-1, 0x1000, NOWHERE), "index");
        assertThrows(IllegalArgumentException.class, () -> config.addMemoryBar(2, 0x1800, NOWHERE), "not a power of two");
        assertThrows(IllegalArgumentException.class, () -> config.addMemoryBar(2, 8, NOWHERE), "below 16");
        assertThrows(IllegalArgumentException.class, () -> config.addMemoryBar(2, 0x1_0000_0000L, NOWHERE), "above 2 GiB");
        assertThrows(IllegalArgumentException.class, () -> config.addIoBar(2, 2, NOWHERE), "below 4");
        assertThrows(IllegalArgumentException.class, () -> config.addIoBar(2, 512, NOWHERE), "above 256");
        assertThrows(IllegalArgumentException.class, () -> config.addIoBar(2, 0x40, null), "no region");
        assertEquals(2, config.bars().size());
    }

    @Test
    void accessesOutsideTheSpaceOrOfOddSizesReadAllOnesAndWriteNothing() {
        assertEquals(-1, config.read(-1, 4));
        assertEquals(-1, config.read(0xfd, 4));
        assertEquals(0xff, config.read(0x100, 1));
        assertEquals(0xffff, config.read(Integer.MAX_VALUE, 2));
        assertEquals(0, config.read(0, 0));
        assertEquals(-1, config.read(0, 5));
        assertEquals(0x0e_8086, config.read(0, 3), "3 bytes are allowed (QEMU's truncated access at the end)");
        assertDoesNotThrow(() -> {
            config.write(-4, 4, -1);
            config.write(0xff, 2, -1);
            config.write(0x40, 0, -1);
            config.write(0x40, 8, -1);
            config.write(Integer.MIN_VALUE, 1, -1);
        });
        assertEquals(0, config.read(0x40, 4));
        assertEquals(0, config.read(0xfc, 4));
        config.write(0xfd, 3, 0x00a1_b2c3);
        assertEquals(0xa1b2_c300, config.read(0xfc, 4));
    }

    @Test
    void deviceDecodeListenerRunsAfterTheBussWithTheNewAddress() {
        List<String> calls = new java.util.ArrayList<>();
        config.setDecodeListener(() -> calls.add("bus"));
        config.setDeviceDecodeListener(() -> calls.add("device 0x" + Long.toHexString(config.decodedAddress(0))));
        config.write(0x10, 4, 0xc000_0000);
        assertEquals(List.of(), calls, "not decoding yet: nothing moved");
        config.write(0x04, 2, PciConfigSpace.COMMAND_MEMORY);
        assertEquals(List.of("bus", "device 0xc0000000"), calls);
        config.write(0x10, 4, 0xc002_0000);
        config.write(0x3c, 1, 10);
        assertEquals(List.of("bus", "device 0xc0000000", "bus", "device 0xc0020000"), calls, "a move; not an unrelated write");
        config.reset();
        assertEquals("device 0x" + Long.toHexString(UNMAPPED), calls.getLast(), "reset stops decoding");
    }
}
