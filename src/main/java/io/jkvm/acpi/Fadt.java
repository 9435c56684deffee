package io.jkvm.acpi;

import io.jkvm.boot.PcPorts;

import java.nio.ByteBuffer;

/**
 * Fixed ACPI Description Table (ACPI 6.5 5.2.9), revision 6 (minor 5): 276 bytes.
 *
 * <p>jkvm's platform is <b>hardware-reduced</b> (HW_REDUCED_ACPI, 5.2.9 and 4.1): no PM1/GPE
 * register blocks, no PM timer, no SCI, no FACS; the fields from SCI_INT to DAY/MON_ALRM and
 * from X_PM1a_EVT_BLK to X_GPE1_BLK are zero (OSPM ignores them, and CENTURY). Power-off goes through the sleep control
 * register (4.8.3.7; Linux: ACPICA acpi_hw_extended_sleep writes SLP_TYP | SLP_EN there, and
 * acpi_sleep_state_supported wants both sleep registers present), reboot through the reset
 * register (4.8.3.6; Linux acpi_reboot). Firecracker and Cloud Hypervisor do the same.
 *
 * <pre>
 *   0 header (36)            36 FIRMWARE_CTRL (4)       40 DSDT (4)
 *  45 Preferred_PM_Profile   46 SCI_INT (2) ... 107 MON_ALRM: zero (hardware-reduced)   108 CENTURY
 * 109 IAPC_BOOT_ARCH (2)    112 Flags (4)              116 RESET_REG (GAS, 12)
 * 128 RESET_VALUE (1)       129 ARM_BOOT_ARCH (2)      131 FADT Minor Version (1)
 * 132 X_FIRMWARE_CTRL (8)   140 X_DSDT (8)             148-243 X_PM1a_EVT_BLK ... X_GPE1_BLK: zero
 * 244 SLEEP_CONTROL_REG (GAS, 12)   256 SLEEP_STATUS_REG (GAS, 12)
 * 268 Hypervisor Vendor Identity (8)                   276 end
 * </pre>
 */
public final class Fadt {
    private Fadt() {}

    public static final String SIGNATURE = "FACP";
    public static final int LENGTH = 276;
    public static final int REVISION = 6;
    public static final int MINOR_REVISION = 5;

    static final int FIRMWARE_CTRL = 36;
    static final int DSDT = 40;
    static final int PREFERRED_PM_PROFILE = 45;
    static final int SCI_INT = 46;
    static final int CENTURY = 108;
    static final int IAPC_BOOT_ARCH = 109;
    static final int FLAGS = 112;
    static final int RESET_REG = 116;
    static final int RESET_VALUE = 128;
    static final int ARM_BOOT_ARCH = 129;
    static final int FADT_MINOR_VERSION = 131;
    static final int X_FIRMWARE_CTRL = 132;
    static final int X_DSDT = 140;
    static final int SLEEP_CONTROL_REG = 244;
    static final int SLEEP_STATUS_REG = 256;
    static final int HYPERVISOR_VENDOR_IDENTITY = 268;

    // Fixed feature flags, by bit.
    /** WBINVD works: required of every processor in a new ACPI system. */
    public static final int WBINVD = 1 << 0;
    /** No fixed-feature power button (a hardware-reduced platform has none). */
    public static final int PWR_BUTTON = 1 << 4;
    /** No fixed-feature sleep button. */
    public static final int SLP_BUTTON = 1 << 5;
    /** RESET_REG is valid: Linux reboots through it first. */
    public static final int RESET_REG_SUP = 1 << 10;
    /** Hardware-reduced ACPI (4.1): no fixed hardware, no SCI, sleep through SLEEP_CONTROL_REG. */
    public static final int HW_REDUCED_ACPI = 1 << 20;

    public static final int JKVM_FLAGS = WBINVD | PWR_BUTTON | SLP_BUTTON | RESET_REG_SUP | HW_REDUCED_ACPI;

    // IA-PC Boot Architecture Flags (5.2.9.3), by bit.
    /** User-visible ISA/LPC devices: clear, so Linux does not probe the PnP BIOS (the devices are in the DSDT). */
    public static final int LEGACY_DEVICES = 1 << 0;
    /**
     * An 8042 on ports 0x60/0x64: set only when the VM has one. Clear, Linux's i8042 driver
     * does not probe those ports (X86_LEGACY_I8042_FIRMWARE_ABSENT).
     */
    public static final int I8042 = 1 << 1;
    /** VGA not present: set, jkvm has no VGA (Linux: x86_platform.legacy.no_vga, "probing for VGA not safe"). */
    public static final int VGA_NOT_PRESENT = 1 << 2;
    /**
     * MSI not supported: clear. jkvm has no PCI yet, and KVM's local APICs take MSIs; setting it
     * would make Linux disable MSI for good (pci_no_msi) once virtio-pci arrives.
     */
    public static final int MSI_NOT_SUPPORTED = 1 << 3;
    /** OSPM must not touch PCIe ASPM: set, there are no PCIe links to manage. */
    public static final int PCIE_ASPM_CONTROLS = 1 << 4;
    /** No CMOS RTC: set when the VM has none at 0x70, so Linux registers no rtc_cmos device. */
    public static final int CMOS_RTC_NOT_PRESENT = 1 << 5;

    /** The IA-PC boot architecture flags for {@code platform}. */
    public static int iapcBootArch(Platform platform) {
        return VGA_NOT_PRESENT | PCIE_ASPM_CONTROLS
                | (platform.i8042() ? I8042 : 0)
                | (platform.cmosRtc() ? 0 : CMOS_RTC_NOT_PRESENT);
    }

    /**
     * The CMOS RAM index of the century byte, the IBM PC AT's 0x32, when there is an RTC. ACPI
     * says a hardware-reduced OSPM ignores this field, but Linux's RTC code reads it
     * (drivers/rtc/rtc-mc146818-lib.c) to get four-digit years; 0 without an RTC.
     */
    public static final int CMOS_CENTURY_INDEX = 0x32;

    /** Identifies the hypervisor to the guest (offset 268, ACPI 6.0 and later): "JKVM", zero-padded. */
    public static final long HYPERVISOR_VENDOR_ID = 0x4D56_4B4AL; // "JKVM" little-endian

    /**
     * jkvm's FADT for {@code platform}: hardware-reduced, the DSDT at {@code dsdtAddress} (below
     * 4 GiB, in both the 32- and 64-bit fields), the sleep control and status registers at byte
     * port {@link PcPorts#ACPI_SLEEP}, the reset register at byte port
     * {@link PcPorts#ACPI_RESET} taking {@link ResetControl#RESET_VALUE}.
     */
    public static byte[] build(long dsdtAddress, Platform platform) {
        if (dsdtAddress <= 0 || dsdtAddress > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("the DSDT must lie below 4 GiB: 0x" + Long.toHexString(dsdtAddress));
        }
        ByteBuffer b = SdtHeader.begin(SIGNATURE, LENGTH, REVISION, "JKVMFACP");
        b.putInt(FIRMWARE_CTRL, 0); // no FACS: allowed when HW_REDUCED_ACPI is set
        b.putInt(DSDT, (int) dsdtAddress);
        b.put(PREFERRED_PM_PROFILE, (byte) 0); // unspecified
        b.put(CENTURY, (byte) (platform.cmosRtc() ? CMOS_CENTURY_INDEX : 0));
        b.putShort(IAPC_BOOT_ARCH, (short) iapcBootArch(platform));
        b.putInt(FLAGS, JKVM_FLAGS);
        GenericAddress.ioPort8(PcPorts.ACPI_RESET.base()).put(b, RESET_REG);
        b.put(RESET_VALUE, (byte) ResetControl.RESET_VALUE);
        b.putShort(ARM_BOOT_ARCH, (short) 0);
        b.put(FADT_MINOR_VERSION, (byte) MINOR_REVISION);
        b.putLong(X_FIRMWARE_CTRL, 0);
        b.putLong(X_DSDT, dsdtAddress);
        // 4.8.3.7: Register_Bit_Width 8, Register_Bit_Offset 0.
        GenericAddress.ioPort8(PcPorts.ACPI_SLEEP.base()).put(b, SLEEP_CONTROL_REG);
        GenericAddress.ioPort8(PcPorts.ACPI_SLEEP.base()).put(b, SLEEP_STATUS_REG);
        b.putLong(HYPERVISOR_VENDOR_IDENTITY, HYPERVISOR_VENDOR_ID);
        return SdtHeader.finish(b);
    }
}
