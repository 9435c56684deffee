package io.jkvm.pci;

import io.jkvm.boot.PcPorts;
import io.jkvm.bus.BusAccess;
import io.jkvm.bus.BusDevice;

/**
 * PC configuration mechanism #1 (PCI Local Bus 3.0, 3.2.2.3.2): CONFIG_ADDRESS at port 0xcf8
 * selects a function and register, CONFIG_DATA at 0xcfc-0xcff transfers the data.
 * <pre>
 * CONFIG_ADDRESS  bit 31 enable, 30:24 reserved, 23:16 bus, 15:11 device, 10:8 function, 7:2 register, 1:0
 * </pre>
 * Behaviour is QEMU's (hw/pci/pci_host.c with the i440FX/Q35 4-byte "pci-conf-idx" and
 * "pci-conf-data" regions), access by access:
 * <ul>
 * <li>Only a 4-byte write at 0xcf8 latches CONFIG_ADDRESS, all 32 bits as written (bits 1:0
 *     and 30:24 included); other writes there are ignored. A read of any size at any of
 *     0xcf8-0xcfb returns the low bytes of the latch, unshifted ({@code pci_host_config_read}
 *     returns the whole register and the memory core keeps the low {@code size} bytes), so
 *     {@code inb 0xcfb} reads bits 7:0.</li>
 * <li>A CONFIG_DATA access at 0xcfc + n reaches bus {@code (latch >> 16) & 0xff}, device/function
 *     {@code (latch >> 8) & 0xff}, register {@code (latch | n) & 0xff}: QEMU ORs the port offset into
 *     the latch rather than adding it. With the enable bit clear, reads return all ones and
 *     writes are dropped; so are accesses to a bus other than 0 or an empty slot (the
 *     {@link PciBus} answers those).</li>
 * <li>Accesses reach both ports in QEMU's pieces ({@link BusAccess#pieceSize}, at most 4
 *     bytes, naturally aligned): a 2-byte access at 0xcfd is two 1-byte accesses.</li>
 * </ul>
 * An access straddling 0xcfb/0xcfc is the {@link io.jkvm.bus.Bus}'s business: it is unmapped
 * there (QEMU would split it between the two registers).
 */
public final class PciConfigMechanism {
    /** Each register is 4 bytes wide ({@link PcPorts#PCI_CONFIG_ADDRESS}, {@link PcPorts#PCI_CONFIG_DATA}). */
    public static final int PORT_LENGTH = 4;
    public static final int ENABLE = 0x8000_0000;

    private final PciBus bus;
    private final BusDevice addressPort = new AddressPort();
    private final BusDevice dataPort = new DataPort();
    private volatile int address;

    public PciConfigMechanism(PciBus bus) {
        this.bus = bus;
    }

    /** CONFIG_ADDRESS, for attaching at {@link PcPorts#PCI_CONFIG_ADDRESS}. */
    public BusDevice addressPort() { return addressPort; }

    /** CONFIG_DATA, for attaching at {@link PcPorts#PCI_CONFIG_DATA}. */
    public BusDevice dataPort() { return dataPort; }

    /** The latched CONFIG_ADDRESS. */
    public int configAddress() { return address; }

    private static boolean inside(long offset, int size) {
        return size >= 1 && size <= PORT_LENGTH && offset >= 0 && offset <= PORT_LENGTH - size;
    }

    private final class AddressPort implements BusDevice {
        @Override
        public long read(long offset, int size) {
            if (!inside(offset, size)) return BusAccess.mask(size);
            long value = 0;
            for (int done = 0, piece; done < size; done += piece) {
                piece = BusAccess.pieceSize(offset + done, size - done, 4);
                value |= (address & BusAccess.mask(piece)) << (8 * done);
            }
            return value;
        }

        @Override
        public void write(long offset, int size, long value) {
            if (offset == 0 && size == 4) address = (int) value;
        }
    }

    private final class DataPort implements BusDevice {
        @Override
        public long read(long offset, int size) {
            if (!inside(offset, size)) return BusAccess.mask(size);
            long value = 0;
            for (int done = 0, piece; done < size; done += piece) {
                long at = offset + done;
                piece = BusAccess.pieceSize(at, size - done, 4);
                int latch = address;
                long data = (latch & ENABLE) == 0 ? BusAccess.mask(piece) : bus.configRead(latch | (int) (at & 3), piece);
                value |= (data & BusAccess.mask(piece)) << (8 * done);
            }
            return value;
        }

        @Override
        public void write(long offset, int size, long value) {
            if (!inside(offset, size)) return;
            for (int done = 0, piece; done < size; done += piece) {
                long at = offset + done;
                piece = BusAccess.pieceSize(at, size - done, 4);
                int latch = address;
                if ((latch & ENABLE) != 0) bus.configWrite(latch | (int) (at & 3), piece, (int) (value >>> (8 * done)));
            }
        }
    }
}
