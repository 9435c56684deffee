package io.jkvm.acpi;

/**
 * The guest addresses and I/O ports the ACPI tables use, each with its reason. Proposed for
 * {@code io.jkvm.boot.Layout}; kept here until they move there.
 *
 * <pre>
 * 0x000E_0000  RSDP (36 bytes)                                   RSDP_ADDR
 * 0x000E_0040  XSDT, FADT, DSDT, MADT, one after another        TABLES_ADDR
 * 0x0010_0000  end of the BIOS area: the tables stay below it    TABLES_END
 * port 0x600   sleep control and status register (FADT)          SLEEP_PORT
 * port 0x601   reset register (FADT)                             RESET_PORT
 * 0xFEC0_0000  KVM's in-kernel IOAPIC (fixed by KVM)             IO_APIC_ADDR
 * 0xFEE0_0000  the local APICs (fixed by the CPU)                LOCAL_APIC_ADDR
 * </pre>
 */
public final class AcpiLayout {
    private AcpiLayout() {}

    /**
     * Without EFI and without boot_params.acpi_rsdp_addr, Linux finds the RSDP as every OS on a
     * PC does (ACPI 6.5 5.2.5.1): on a 16-byte boundary in the first KiB of the EBDA or in the
     * BIOS read-only area 0xE0000-0xFFFFF (ACPICA acpi_find_root_pointer). The first boundary
     * of that area, as Firecracker (arch/x86_64/layout.rs) puts it. Linux reserves
     * 640 KiB-1 MiB whatever the e820 map says (trim_bios_range), so the tables survive boot.
     */
    public static final long RSDP_ADDR = io.jkvm.boot.Layout.RSDP_ADDR;
    /** The other tables follow the RSDP, 64-byte aligned, in the same reserved BIOS area. */
    public static final long TABLES_ADDR = io.jkvm.boot.Layout.ACPI_TABLES_ADDR;
    /** 1 MiB: the end of the BIOS area, where kernels load. */
    public static final long TABLES_END = io.jkvm.boot.Layout.ACPI_TABLES_END;
    /** Each table starts on this boundary (the spec asks for none beyond the RSDP's 16). */
    public static final int TABLE_ALIGN = 64;

    /**
     * The hardware-reduced sleep control and status registers (ACPI 6.5 4.8.3.7), one byte
     * port for both, as Cloud Hypervisor does. 0x600 is where QEMU's q35 (ICH9 LPC PMBASE)
     * puts the PC's ACPI PM block, above the ISA range 0x000-0x3ff that legacy drivers probe
     * and clear of PCI config (0xcf8-0xcff); Cloud Hypervisor's 0x3c0 is avoided because it
     * is the VGA attribute register that vgacon writes.
     */
    public static final int SLEEP_PORT = io.jkvm.boot.Layout.ACPI_SLEEP_PORT;
    /** The FADT reset register (ACPI 6.5 4.8.3.6): jkvm's own byte next to the sleep register. */
    public static final int RESET_PORT = io.jkvm.boot.Layout.ACPI_RESET_PORT;
    /** The value the guest writes to reset: 0x06 as a PC chipset's 0xcf9 takes (full reset). */
    public static final int RESET_VALUE = 0x06;

    /** SLP_TYP for S5 (soft off) in \_S5 and the sleep control register; 5 to read as "S5". */
    public static final int S5_SLP_TYP = 5;

    /** xAPIC base: the MADT's Local Interrupt Controller Address (Intel SDM vol. 3A 11.4.1). */
    public static final long LOCAL_APIC_ADDR = 0xFEE0_0000L;
    /** KVM's in-kernel IOAPIC sits at the PC's default address (KVM_IOAPIC_DEFAULT_BASE_ADDRESS). */
    public static final long IO_APIC_ADDR = 0xFEC0_0000L;
    /** KVM's in-kernel IOAPIC has 24 pins, GSIs 0-23 (KVM_IOAPIC_NUM_PINS). */
    public static final int IO_APIC_PINS = 24;
    /**
     * The IOAPIC ID the MADT declares: 0, what the ID register of KVM's IOAPIC reads after
     * reset, and QEMU's choice. 64-bit Linux only checks it is unique among IOAPICs.
     */
    public static final int IO_APIC_ID = 0;
}
