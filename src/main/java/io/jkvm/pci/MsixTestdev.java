package io.jkvm.pci;

import io.jkvm.bus.BusAccess;
import io.jkvm.bus.BusDevice;
import io.jkvm.irq.MsiSink;

/**
 * jkvm's own PCI test device, {@code jkvm-msix-testdev}: a function with an MSI-X capability
 * and an INTx pin, and a register with which the guest asks for an interrupt. QEMU's
 * pci-testdev has neither, and stays as QEMU has it for the differential tests.
 * <pre>
 * ID      1234:6a6b (vendor 0x1234 is not assigned to anyone; QEMU uses it for test and
 *         emulated-only devices such as the bochs VGA; 0x6a6b is "jk"), class 0x00ff00,
 *         revision 0, subsystem 1af4:1100, interrupt pin INTA#
 * caps    MSI-X, 2 vectors (the only capability, at 0x40)
 * BAR0-1  64-bit memory, 4 KiB: the MSI-X table at 0, the PBA at 0x800
 * BAR2    I/O, 16 bytes:
 *         0x0 TRIGGER   write n: raise vector n through MSI-X; with MSI-X disabled, assert INTA#
 *                       instead (PCI Local Bus 3.0, 6.8.2). Reads 0.
 *         0x4 INTX      reads 1 while INTA# is asserted; any write deasserts it
 *         0x8 COUNT     reads the number of TRIGGER writes so far (u32)
 * </pre>
 * Registers take accesses of any size at their offset (the low bytes of the value count);
 * other offsets read 0 and ignore writes.
 *
 * <p>Thread-safe.
 */
public final class MsixTestdev implements PciDevice {
    public static final int VENDOR_ID = 0x1234;
    public static final int DEVICE_ID = 0x6a6b;
    public static final int CLASS_CODE = 0x00ff00;
    public static final int VECTORS = 2;
    public static final int MSIX_BAR = 0;
    public static final int REGISTER_BAR = 2;
    public static final int REGISTER_SIZE = 16;
    public static final int TRIGGER = 0x0;
    public static final int INTX = 0x4;
    public static final int COUNT = 0x8;

    private final PciConfigSpace config = new PciConfigSpace(VENDOR_ID, DEVICE_ID, 0, CLASS_CODE);
    private final MsixCapability msix;
    private final BusDevice registers = new Registers();
    private int count;

    public MsixTestdev(MsiSink sink, GuestErrorLog log) {
        config.setInterruptPin(1);
        msix = MsixCapability.exclusiveBar(config, MSIX_BAR, true, VECTORS, sink, log);
        config.addIoBar(REGISTER_BAR, REGISTER_SIZE, registers);
    }

    @Override
    public PciConfigSpace config() { return config; }

    public MsixCapability msix() { return msix; }

    /** BAR2's region. */
    public BusDevice registers() { return registers; }

    /** Raises vector {@code vector}, or INTA# when MSI-X is disabled (as a TRIGGER write does). */
    public void raise(int vector) {
        synchronized (this) {
            count++;
        }
        if (!msix.trigger(vector)) config.setIntx(true);
    }

    private final class Registers implements BusDevice {
        @Override
        public long read(long offset, int size) {
            long value;
            if (offset == INTX) value = config.intxAsserted() ? 1 : 0;
            else if (offset == COUNT) {
                synchronized (MsixTestdev.this) {
                    value = count & 0xffff_ffffL;
                }
            } else value = 0;
            return value & BusAccess.mask(size);
        }

        @Override
        public void write(long offset, int size, long value) {
            if (offset == TRIGGER) raise((int) (value & BusAccess.mask(Math.min(size, 4))));
            else if (offset == INTX) config.setIntx(false);
        }
    }
}
