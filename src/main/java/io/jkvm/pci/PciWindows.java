package io.jkvm.pci;

/**
 * The address ranges a PCI host bridge forwards to bus 0 and firmware hands out to BARs
 * ({@link PciBus#assignResources}); the DSDT's PCI0._CRS declares the same windows. Each range
 * is [base, end).
 *
 * @param ioBase      first port for I/O BARs
 * @param ioEnd       end of the I/O window, at most 0x10000
 * @param mmio32Base  first address for memory BARs below 4 GiB
 * @param mmio32End   end of the 32-bit window, at most 4 GiB
 * @param mmio64Base  first address of the window above 4 GiB, for 64-bit BARs; equal to
 *                    {@code mmio64End} for none
 * @param mmio64End   end of the 64-bit window
 */
public record PciWindows(int ioBase, int ioEnd, long mmio32Base, long mmio32End, long mmio64Base, long mmio64End) {
    public PciWindows {
        if (ioBase <= 0 || ioEnd > 0x1_0000 || ioBase >= ioEnd || mmio32Base <= 0 || mmio32End > 0x1_0000_0000L
                || mmio32Base >= mmio32End || mmio64Base > mmio64End
                || (mmio64Base != mmio64End && (mmio64Base < 0x1_0000_0000L || mmio64End > PciConfigSpace.MAX_ADDRESS))) {
            throw new IllegalArgumentException(String.format(
                    "PCI windows I/O [0x%x, 0x%x), 32-bit [0x%x, 0x%x), 64-bit [0x%x, 0x%x) are not in the 16-bit port, 32-bit and 52-bit address spaces",
                    ioBase, ioEnd, mmio32Base, mmio32End, mmio64Base, mmio64End));
        }
    }

    public boolean hasMmio64() { return mmio64End > mmio64Base; }
}
