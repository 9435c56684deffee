package io.jkvm.pci;

/**
 * The host bridge in slot 0 of bus 0, with the identity of QEMU's pc (i440FX, hw/pci-host/i440fx.c):
 * 8086:1237 revision 2, class 0x060000 (bridge, host), no BARs, no interrupt pin, QEMU's default
 * subsystem IDs. jkvm models none of the 440FX's registers (PAM, SMRAM): its bytes from 0x40 are
 * plain storage, as for every device without capabilities.
 *
 * <p>Operating systems look for it: without DMI data, Linux accepts configuration mechanism #1
 * only if bus 0 holds a host bridge, a VGA device or an Intel or Compaq function
 * (arch/x86/pci/direct.c, {@code pci_sanity_check}); with no device there it logs "PCI: Fatal: No
 * config space access function found" and sees no PCI device at all.
 */
public final class PciHostBridge implements PciDevice {
    public static final int VENDOR_ID = 0x8086;
    public static final int DEVICE_ID = 0x1237;
    public static final int REVISION = 0x02;
    public static final int CLASS_CODE = 0x060000;
    /** Where it sits: device 0 of bus 0, as on every PC. */
    public static final int SLOT = 0;

    private final PciConfigSpace config = new PciConfigSpace(VENDOR_ID, DEVICE_ID, REVISION, CLASS_CODE);

    @Override
    public PciConfigSpace config() { return config; }
}
