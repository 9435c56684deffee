package io.jkvm.pci;

/**
 * A PCI function on a {@link PciBus}. Its configuration space is 256 bytes; the bus calls
 * {@link #configRead} and {@link #configWrite} with {@code 0 <= offset}, {@code 1 <= size <= 4}
 * and {@code offset + size <= 256}: usually 1, 2 or 4 bytes, naturally aligned, but a guest
 * that sets CONFIG_ADDRESS bits 1:0 can cause unaligned accesses, and one that reaches past
 * offset 255 is cut short to end there (3 bytes at 0xfd), as QEMU does
 * (hw/pci/pci_host.c, {@code pci_host_config_read_common}). Values are little-endian.
 *
 * <p>Calls come from vCPU threads, several at once; they must not throw. The default methods
 * serve the header from {@link #config()}; a device with device-specific registers overrides
 * them and passes the header accesses on.
 */
public interface PciDevice {
    /** The device's configuration header and BARs, which the bus maps. */
    PciConfigSpace config();

    /** Reads {@code size} bytes of configuration space at {@code offset}. */
    default int configRead(int offset, int size) {
        return config().read(offset, size);
    }

    /** Writes the low {@code size} bytes of {@code value} at {@code offset}. */
    default void configWrite(int offset, int size, int value) {
        config().write(offset, size, value);
    }
}
