package io.jkvm.devices.fwcfg;

/**
 * fw_cfg selector keys and the bits of a selector, from QEMU's
 * include/standard-headers/linux/qemu_fw_cfg.h; the x86 arch-local keys from hw/i386/fw_cfg.h.
 *
 * <p>A selector is 16 bits (docs/specs/fw_cfg.rst, "Selector (Control) Register"): bits 0-13
 * index the item, bit 14 asks for write access (ignored since QEMU 2.4: items are written
 * through DMA only, and jkvm's never), bit 15 picks the architecture-specific set of items.
 */
public final class FwCfgKeys {
    private FwCfgKeys() {}

    public static final int SIGNATURE = 0x00;
    public static final int ID = 0x01;
    public static final int UUID = 0x02;
    public static final int RAM_SIZE = 0x03;
    public static final int NOGRAPHIC = 0x04;
    public static final int NB_CPUS = 0x05;
    public static final int MACHINE_ID = 0x06;
    public static final int KERNEL_ADDR = 0x07;
    public static final int KERNEL_SIZE = 0x08;
    public static final int KERNEL_CMDLINE = 0x09;
    public static final int INITRD_ADDR = 0x0a;
    public static final int INITRD_SIZE = 0x0b;
    public static final int BOOT_DEVICE = 0x0c;
    public static final int NUMA = 0x0d;
    public static final int BOOT_MENU = 0x0e;
    public static final int MAX_CPUS = 0x0f;
    public static final int KERNEL_ENTRY = 0x10;
    public static final int KERNEL_DATA = 0x11;
    public static final int INITRD_DATA = 0x12;
    public static final int CMDLINE_ADDR = 0x13;
    public static final int CMDLINE_SIZE = 0x14;
    public static final int CMDLINE_DATA = 0x15;
    public static final int SETUP_ADDR = 0x16;
    public static final int SETUP_SIZE = 0x17;
    public static final int SETUP_DATA = 0x18;
    /** The file directory, built by {@link FwCfgBuilder#build()}. */
    public static final int FILE_DIR = 0x19;
    /** The first selector given to a file; files take the following ones in name order. */
    public static final int FILE_FIRST = 0x20;

    /** Bit 14: write access through the data register (a no-op since QEMU 2.4). */
    public static final int WRITE_CHANNEL = 0x4000;
    /** Bit 15: an architecture-specific item. */
    public static final int ARCH_LOCAL = 0x8000;
    /** Bits 0-13: the item's index within its set. */
    public static final int ENTRY_MASK = 0x3fff;

    // x86 arch-local items (QEMU hw/i386/fw_cfg.h).
    public static final int ACPI_TABLES = ARCH_LOCAL + 0;
    public static final int SMBIOS_ENTRIES = ARCH_LOCAL + 1;
    public static final int IRQ0_OVERRIDE = ARCH_LOCAL + 2;
    /** Dropped by QEMU in favour of the "etc/e820" file; kept for the number. */
    public static final int E820_TABLE = ARCH_LOCAL + 3;
    public static final int HPET = ARCH_LOCAL + 4;

    // FW_CFG_ID bits (docs/specs/fw_cfg.rst, "Revision / feature bitmap").
    /** The selector/data interface; always set. */
    public static final int ID_TRADITIONAL = 0x01;
    /** The DMA interface. */
    public static final int ID_DMA = 0x02;

    /** The item a selector names: its index and arch bit, without the write bit. */
    static int item(int selector) {
        return selector & (ARCH_LOCAL | ENTRY_MASK);
    }
}
