package io.jkvm.boot;

import io.jkvm.memory.GuestMemory;

import java.util.ArrayList;
import java.util.List;

/**
 * Every guest-physical address and size jkvm chooses, each with its reason. Nothing else in
 * jkvm hard-codes a guest address.
 *
 * <pre>
 * 0x0000_0000  real-mode IVT and BIOS data area: left alone
 * 0x0000_0500  GDT (jkvm's, protected and long mode)            GDT_ADDR
 * 0x0000_1000  default load address in real mode (MISSION demo)  REAL_MODE_LOAD_ADDR
 * 0x0000_7000  Linux zero page (struct boot_params)              ZERO_PAGE_ADDR
 * 0x0000_9000  PML4, 0xA000 PDPT, 0xB000-0xEFFF four PDs         PML4_ADDR ... (long mode)
 * 0x0002_0000  Linux command line (up to 64 KiB)                 CMDLINE_ADDR
 * 0x0009_FC00  EBDA .. 1 MiB: reserved in e820 (BIOS area)       EBDA_START
 * 0x000E_0000  ACPI RSDP, then the other tables up to 1 MiB      RSDP_ADDR
 * 0x0010_0000  default load address, protected and long mode     DEFAULT_LOAD_ADDR
 * 0x0100_0000  a Linux kernel, at its own pref_address / p_paddr (16 MiB for Debian's)
 * 0xC000_0000  MMIO hole start: RAM past 3 GiB moves above 4 GiB  MMIO_HOLE_START
 *              (PCI memory BARs are assigned from here up)        PCI_MMIO_BASE
 * 0xFEC0_0000  end of the 32-bit PCI window; the IOAPIC            PCI_MMIO_END
 * 0xFF00_0000  QEMU pc-testdev's 64 KiB window (PcTestdev.IOMEM_BASE, when asked for)
 * 0xFEFF_C000  KVM identity-map page (one page)                  IDENTITY_MAP_ADDR
 * 0xFFFB_D000  KVM real-mode TSS (three pages)                   TSS_ADDR
 * 0x1_0000_0000  RAM above the hole                              HIGH_RAM_START
 * 0x40_0000_0000 (256 GiB)  64-bit PCI window, 256 GiB             PCI_MMIO64_BASE
 * </pre>
 */
public final class Layout {
    private Layout() {}

    /** Just past the real-mode IVT (0-0x3ff) and BIOS data area (0x400-0x4ff), where no guest image goes. */
    public static final long GDT_ADDR = 0x500;
    /** Room reserved for the GDT: 0x500-0xfff. */
    public static final long GDT_RESERVED_END = 0x1000;

    /** MISSION.md demo 1 loads its code at 0x1000; real mode images default to it. */
    public static final long REAL_MODE_LOAD_ADDR = 0x1000;
    /** 1 MiB: above the real-mode area, where protected and long mode images load by default (as Linux and multiboot kernels do). */
    public static final long DEFAULT_LOAD_ADDR = 0x10_0000;

    /** Page tables below 64 KiB as Firecracker places them (arch/x86_64/layout.rs): PML4, PDPT, then four PDs. */
    public static final long PML4_ADDR = 0x9000;
    public static final long PDPT_ADDR = 0xA000;
    public static final long PD_ADDR = 0xB000;
    /** Four PDs of 512 x 2 MiB pages identity-map 0-4 GiB. */
    public static final int PD_COUNT = 4;
    public static final long PAGE_TABLES_END = PD_ADDR + PD_COUNT * 0x1000L;

    /**
     * Linux's boot_params (Documentation/arch/x86/zero-page.rst): between the GDT and the page
     * tables, the page Firecracker and Cloud Hypervisor use.
     */
    public static final long ZERO_PAGE_ADDR = 0x7000;
    /** Linux's command line: clear of the page tables, far below the EBDA (Firecracker's choice). */
    public static final long CMDLINE_ADDR = 0x2_0000;
    /** Room for the command line: more than any kernel's cmdline_size. */
    public static final long CMDLINE_MAX = 0x1_0000;
    /** Start of the extended BIOS data area (639 KiB): [EBDA_START, 1 MiB) is reserved in e820. */
    public static final long EBDA_START = 0x9_FC00;
    /** End of the legacy BIOS area. */
    public static final long BIOS_END = 0x10_0000;
    /**
     * ACPI RSDP (ACPI 6.5 5.2.5.1): without EFI the kernel scans 0xE0000-0xFFFFF on 16-byte
     * boundaries; the other tables follow it up to 1 MiB, inside the reserved BIOS area.
     */
    public static final long RSDP_ADDR = 0x000E_0000L;
    public static final long ACPI_TABLES_ADDR = 0x000E_0040L;
    public static final long ACPI_TABLES_END = BIOS_END;
    /** ACPI sleep control/status register (hardware-reduced FADT): q35's PM block port, free on a PC. */
    public static final int ACPI_SLEEP_PORT = 0x600;
    /** ACPI RESET_REG, written with 6 to reset. */
    public static final int ACPI_RESET_PORT = 0x601;

    /** 32-bit PCI/MMIO devices and the APIC/IOAPIC live in 3-4 GiB on a PC, so RAM skips it. */
    public static final long MMIO_HOLE_START = 0xC000_0000L;
    public static final long HIGH_RAM_START = 0x1_0000_0000L;
    /** Where jkvm, standing in for firmware, puts PCI memory BARs: the bottom of the MMIO hole, clear of the APIC/IOAPIC at 0xFEC00000 up. */
    public static final long PCI_MMIO_BASE = MMIO_HOLE_START;
    /**
     * End of the 32-bit PCI memory window: the IOAPIC at 0xFEC00000 and the APIC, KVM and
     * pc-testdev pages above it are not PCI's (QEMU's pc ends its window at 0xFEBFFFFF too).
     */
    public static final long PCI_MMIO_END = 0xFEC0_0000L;
    /**
     * The 64-bit PCI window, for 64-bit BARs that do not fit below 4 GiB: 256 GiB-512 GiB, far
     * above the RAM of any VM jkvm runs and below 2^39, the smallest physical address width of
     * the 64-bit hosts KVM runs on today (a guest sees the host's). QEMU's pc puts its window
     * right above RAM (or, with recent SeaBIOS, at the top of the address space).
     */
    public static final long PCI_MMIO64_BASE = 0x40_0000_0000L;
    public static final long PCI_MMIO64_SIZE = 0x40_0000_0000L;
    /** Where PCI I/O BARs go: 0xC000, SeaBIOS's PCI I/O window on QEMU's pc, above every legacy ISA port. */
    public static final int PCI_IO_BASE = 0xc000;

    /** KVM_SET_IDENTITY_MAP_ADDR: inside the MMIO hole, below the TSS; QEMU's choice. */
    public static final long IDENTITY_MAP_ADDR = 0xFEFF_C000L;
    /** KVM_SET_TSS_ADDR: three pages inside the MMIO hole, QEMU's choice (below the BIOS at 4 GiB - 256 KiB). */
    public static final long TSS_ADDR = 0xFFFB_D000L;

    /** Smallest RAM jkvm accepts: enough for the real-mode area and the page tables. */
    public static final long MIN_MEMORY = 0x10_0000;

    /** The RAM ranges for {@code size} bytes: below the MMIO hole, and the rest above 4 GiB. */
    public static List<GuestMemory.Range> ramRanges(long size) {
        List<GuestMemory.Range> ranges = new ArrayList<>();
        long low = Math.min(size, MMIO_HOLE_START);
        ranges.add(new GuestMemory.Range(0, low));
        if (size > low) ranges.add(new GuestMemory.Range(HIGH_RAM_START, size - low));
        return ranges;
    }

    /** The guest-physical ranges jkvm writes its own structures to in {@code mode}: [start, end) pairs. */
    public static List<long[]> reservedFor(CpuMode mode) {
        return switch (mode) {
            case REAL -> List.of();
            case PROTECTED -> List.of(new long[] {GDT_ADDR, GDT_RESERVED_END});
            case LONG -> List.of(new long[] {GDT_ADDR, GDT_RESERVED_END}, new long[] {PML4_ADDR, PAGE_TABLES_END});
        };
    }

    public static long defaultLoadAddress(CpuMode mode) {
        return mode == CpuMode.REAL ? REAL_MODE_LOAD_ADDR : DEFAULT_LOAD_ADDR;
    }
}
