package io.jkvm.pci;

import io.jkvm.bus.Bus;
import io.jkvm.bus.BusDevice;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Configuration mechanism #1 through the port bus, as a guest uses it. */
class PciConfigMechanismTest {
    private final Bus ports = Bus.ports();
    private final Bus mmio = Bus.mmio();
    private final PciBus pci = new PciBus();
    private final PciTestdev testdev = new PciTestdev();

    PciConfigMechanismTest() {
        pci.add(3, testdev);
        pci.attach(ports, mmio);
    }

    /** CONFIG_ADDRESS for bus 0, device {@code slot}, function 0, register {@code reg}. */
    private static long address(int slot, int reg) {
        return 0x8000_0000L | slot << 11 | reg;
    }

    private long configRead(int slot, int reg, int size) {
        ports.write(0xcf8, 4, address(slot, reg & 0xfc));
        return ports.read(0xcfc + (reg & 3), size);
    }

    @Test
    void theMechanismIsOnBothPortsWithFourBytesEach() {
        assertEquals(new Bus.Mapping(0xcf8, 4, pci.configMechanism().addressPort()), ports.mappings().get(0));
        assertEquals(new Bus.Mapping(0xcfc, 4, pci.configMechanism().dataPort()), ports.mappings().get(1));
    }

    @Test
    void dwordWordAndByteReadsOfTheVendorAndDeviceId() {
        assertEquals(0x0005_1b36L, configRead(3, 0, 4));
        assertEquals(0x1b36L, configRead(3, 0, 2));
        assertEquals(0x0005L, configRead(3, 2, 2));
        assertEquals(0x36L, configRead(3, 0, 1));
        assertEquals(0x1bL, configRead(3, 1, 1));
        assertEquals(0x05L, configRead(3, 2, 1));
        assertEquals(0x00L, configRead(3, 3, 1));
        assertEquals(0x00ff_0000L, configRead(3, 8, 4), "class 00 ff 00, revision 0");
        assertEquals(0, ports.unmappedReads());
    }

    @Test
    void aWordAtAnOddPortIsTwoByteAccesses() {
        ports.write(0xcf8, 4, address(3, 0));
        assertEquals(0x051bL, ports.read(0xcfd, 2), "registers 1 and 2");
    }

    @Test
    void emptySlotsFunctionsAndOtherBusesReadAllOnesAndIgnoreWrites() {
        assertEquals(0xffff_ffffL, configRead(4, 0, 4));
        assertEquals(0xffffL, configRead(4, 2, 2));
        assertEquals(0xffL, configRead(31, 0x3c, 1));
        ports.write(0xcf8, 4, address(3, 0) | 1 << 8); // function 1
        assertEquals(0xffff_ffffL, ports.read(0xcfc, 4));
        ports.write(0xcf8, 4, address(3, 0) | 1 << 16); // bus 1
        assertEquals(0xffff_ffffL, ports.read(0xcfc, 4));
        ports.write(0xcfc, 4, 0x1234);
        ports.write(0xcf8, 4, address(4, 0x3c));
        ports.write(0xcfc, 1, 0x0b);
        assertEquals(0xffL, ports.read(0xcfc, 1));
        assertEquals(0L, configRead(3, 0x3c, 1), "the write to slot 4 reached nobody");
    }

    @Test
    void withTheEnableBitClearReadsAreAllOnesAndWritesAreDropped() {
        ports.write(0xcf8, 4, address(3, 0x3c) & 0x7fff_ffffL);
        assertEquals(0xffff_ffffL, ports.read(0xcfc, 4));
        assertEquals(0xffffL, ports.read(0xcfe, 2));
        assertEquals(0xffL, ports.read(0xcfd, 1));
        ports.write(0xcfc, 1, 0x0b);
        assertEquals(0L, configRead(3, 0x3c, 1));
    }

    @Test
    void byteWordAndDwordWritesReachTheRegisterAtTheDataPortOffset() {
        ports.write(0xcf8, 4, address(3, 0x3c));
        ports.write(0xcfc, 1, 0x0b); // interrupt line
        ports.write(0xcfd, 1, 0x01); // interrupt pin: read-only
        assertEquals(0x0000_000bL, configRead(3, 0x3c, 4));
        ports.write(0xcf8, 4, address(3, 0x04));
        ports.write(0xcfc, 2, 0xffff); // command
        assertEquals(0x0507L, configRead(3, 4, 2));
        ports.write(0xcf8, 4, address(3, 0x40));
        ports.write(0xcfc, 4, 0x1122_3344L);
        ports.write(0xcfe, 2, 0xaabb);
        ports.write(0xcfd, 1, 0xcc);
        assertEquals(0xaabb_cc44L, configRead(3, 0x40, 4));
    }

    @Test
    void onlyADwordWriteLatchesConfigAddressAndReadsReturnItsLowBytes() {
        ports.write(0xcf8, 4, 0x8000_1810L);
        ports.write(0xcf8, 2, 0x0000);
        ports.write(0xcf8, 1, 0x00);
        ports.write(0xcfa, 2, 0x0000);
        ports.write(0xcfb, 1, 0x00);
        assertEquals(0x8000_1810, pci.configMechanism().configAddress());
        assertEquals(0x8000_1810L, ports.read(0xcf8, 4));
        assertEquals(0x1810L, ports.read(0xcf8, 2));
        assertEquals(0x1810L, ports.read(0xcfa, 2), "unshifted, as QEMU returns the whole register");
        assertEquals(0x10L, ports.read(0xcfb, 1));
        assertEquals(0x1010L, ports.read(0xcf9, 2), "two 1-byte pieces, each the low byte");
        ports.write(0xcf8, 4, 0x7f00_0003L);
        assertEquals(0x7f00_0003L, ports.read(0xcf8, 4), "reserved and low bits are kept as written");
    }

    @Test
    void lowAddressBitsAreOredIntoTheRegisterAsQemuDoes() {
        ports.write(0xcf8, 4, address(3, 0) | 1);
        assertEquals(0x1bL, ports.read(0xcfc, 1), "register 0 | 1");
        assertEquals(0x1bL, ports.read(0xcfd, 1), "register 1 | 1");
        assertEquals(0x00L, ports.read(0xcfe, 1), "register 2 | 1 = 3");
        assertEquals(0x0000_051bL, ports.read(0xcfc, 4), "4 bytes from register 1: 1b 05 00 00");
    }

    @Test
    void aDwordReadPastRegister255IsCutShortAndItsMissingBytesReadZero() {
        ports.write(0xcf8, 4, address(3, 0xfc));
        ports.write(0xcfc, 4, 0xa1b2_c3d4L);
        ports.write(0xcf8, 4, address(3, 0xfc) | 1);
        assertEquals(0x00a1_b2c3L, ports.read(0xcfc, 4));
        ports.write(0xcfc, 4, 0x1122_3344L); // writes registers 0xfd-0xff only
        ports.write(0xcf8, 4, address(3, 0xfc));
        assertEquals(0x2233_44d4L, ports.read(0xcfc, 4));
    }

    @Test
    void hostileAccessesToThePortsThemselvesNeverThrow() {
        BusDevice address = pci.configMechanism().addressPort();
        BusDevice data = pci.configMechanism().dataPort();
        ports.write(0xcf8, 4, address(3, 0));
        assertDoesNotThrow(() -> {
            for (long offset : new long[] {-1, 0, 1, 3, 4, 5, Long.MAX_VALUE, Long.MIN_VALUE}) {
                for (int size : new int[] {-1, 0, 1, 2, 3, 4, 5, 8, 16}) {
                    address.read(offset, size);
                    data.read(offset, size);
                    data.write(offset, size, -1L);
                    address.write(offset, size, 0x8000_1800L);
                }
            }
        });
        assertEquals(0xffff_ffffL, data.read(2, 4), "outside the port");
        assertEquals(0xffffL, address.read(4, 2));
        assertEquals(0x8000_1800, pci.configMechanism().configAddress(), "only (0, 4) latched");
    }
}
