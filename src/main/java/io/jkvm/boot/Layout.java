package io.jkvm.boot;

import io.jkvm.memory.GuestMemory;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Every guest-physical address and size jkvm picks, each with its reason. Nothing else in jkvm
 * writes a guest address; the I/O ports and IRQs are in {@link PcPorts}. {@link #MAP} lists the
 * ranges so that {@code LayoutTest} can check they are disjoint (or nested on purpose).
 *
 * <pre>
 * below 1 MiB (RAM)                                                   used in (CpuMode)
 * 0x0000_0000  real-mode IVT and BIOS data area: left alone           all
 * 0x0000_0500  GDT, to 0xFFF                     GDT_ADDR             protected, long
 * 0x0000_1000  real-mode images by default       REAL_MODE_LOAD_ADDR  real
 * 0x0000_7000  Linux zero page (boot_params)     ZERO_PAGE_ADDR       long (Linux)
 * 0x0000_9000  PML4, PDPT, four PDs to 0xEFFF    PML4_ADDR ...        long
 * 0x0000_9000  multiboot information block       MULTIBOOT_INFO_ADDR  protected (multiboot: no page tables)
 * 0x0002_0000  Linux command line, 64 KiB        CMDLINE_ADDR         long (Linux)
 * 0x0009_FC00  EBDA, VGA, BIOS: e820-reserved    EBDA_START           all
 * 0x000E_0000    ACPI RSDP                       RSDP_ADDR              (inside the BIOS area)
 * 0x000E_0040    XSDT, FADT, DSDT, MADT          ACPI_TABLES_ADDR       (inside the BIOS area)
 * 0x0010_0000  protected/long-mode images, old bzImages   DEFAULT_LOAD_ADDR
 * 0x0100_0000  a Linux kernel, at its own pref_address / p_paddr (not jkvm's pick)
 *
 * the MMIO hole, 3-4 GiB (no RAM)                MMIO_HOLE_START
 * 0xC000_0000  PCI 32-bit memory window, 256 MiB PCI_MMIO32_START
 * 0xD000_0000  virtio-mmio window (microvm), 1 MiB of 4 KiB slots  VIRTIO_MMIO_START
 * 0xFEC0_0000  KVM's in-kernel IOAPIC            IO_APIC_ADDR
 * 0xFEE0_0000  local APICs, MSI address window   LOCAL_APIC_ADDR
 * 0xFEFF_C000  KVM identity-map page             IDENTITY_MAP_ADDR
 * 0xFF00_0000  pc-testdev "iomem", 64 KiB        PC_TESTDEV_IOMEM_ADDR
 * 0xFFFB_D000  KVM real-mode TSS, three pages    TSS_ADDR
 *
 * 0x1_0000_0000  RAM above the hole              HIGH_RAM_START
 * after RAM    PCI 64-bit memory window, 1 GiB-aligned, 32 GiB  pciMmio64Start(ram)
 * </pre>
 */
public final class Layout {
    private Layout() {}

    /** The x86 page: the unit of the structures below and of initrd, module and BAR placement. */
    public static final long PAGE_SIZE = 0x1000;

    // ---- Below 1 MiB ------------------------------------------------------------------------

    /** The real-mode interrupt vector table (0-0x3ff) and BIOS data area (0x400-0x4ff): jkvm writes nothing there. */
    public static final long IVT_BDA_END = 0x500;

    /** Just past the real-mode IVT and BIOS data area, where no guest image goes. */
    public static final long GDT_ADDR = IVT_BDA_END;
    /**
     * Room reserved for the GDT: 0x500-0xfff. No kernel byte may load below this (a multiboot
     * image that does is refused: it would overwrite the GDT the vCPU runs on).
     */
    public static final long GDT_RESERVED_END = 0x1000;

    /** MISSION.md demo 1 loads its code at 0x1000; real mode images default to it. */
    public static final long REAL_MODE_LOAD_ADDR = 0x1000;

    /**
     * Linux's struct boot_params (Documentation/arch/x86/zero-page.rst), 4 KiB: between the GDT
     * and the page tables, in memory Linux treats as free once it has copied boot_params;
     * Firecracker and Cloud Hypervisor use the same page (ZERO_PAGE_START). The PVH start info
     * goes here too when an ELF vmlinux is booted (then there is no boot_params).
     */
    public static final long ZERO_PAGE_ADDR = 0x7000;
    public static final long ZERO_PAGE_SIZE = PAGE_SIZE;

    /** Page tables below 64 KiB as Firecracker places them (arch/x86_64/layout.rs): PML4, PDPT, then four PDs. */
    public static final long PML4_ADDR = 0x9000;
    public static final long PDPT_ADDR = 0xA000;
    public static final long PD_ADDR = 0xB000;
    /** Four PDs of 512 x 2 MiB pages identity-map 0-4 GiB. */
    public static final int PD_COUNT = 4;
    public static final long PAGE_TABLES_END = PD_ADDR + PD_COUNT * PAGE_SIZE;

    /**
     * The multiboot boot information block (memory map, multiboot_info at +0x500, module table,
     * strings) when the kernel does not occupy it: QEMU's MULTIBOOT_STRUCT_ADDR
     * (hw/i386/multiboot.c), low enough for a real-mode reader, clear of the GDT. It shares
     * 0x9000-0xEFFF with the long-mode page tables on purpose: a multiboot kernel is entered
     * in 32-bit protected mode with paging off (Multiboot 0.6.96, 3.2), so jkvm writes no page
     * tables for it. The block must end before the EBDA ({@link #MULTIBOOT_INFO_END}).
     */
    public static final long MULTIBOOT_INFO_ADDR = 0x9000;
    /** The low block's limit: the EBDA, which the memory map reports reserved. */
    public static final long MULTIBOOT_INFO_END = Layout.EBDA_START;

    /**
     * Linux's command line: past the page tables (0xEFFF) and well below the EBDA; the
     * address Firecracker uses (CMDLINE_START) and QEMU's fw_cfg CMDLINE_ADDR. The kernel copies
     * it early, so it may sit in RAM the e820 map calls usable.
     */
    public static final long CMDLINE_ADDR = 0x2_0000;
    /**
     * Room for the command line including its NUL: up to the EBDA would allow more, but 64 KiB
     * is far beyond any kernel's cmdline_size (2048 for x86-64 Linux 6.1) and keeps
     * 0x30000-0x9FBFF free for later structures.
     */
    public static final long CMDLINE_MAX = 0x1_0000;

    /**
     * Start of the Extended BIOS Data Area: 639 KiB, the end of conventional memory on a PC.
     * [EBDA_START, BIOS_END) is reported reserved (the ACPI tables live there), so Linux never
     * allocates it; Linux reserves 640 KiB-1 MiB whatever the e820 map says (trim_bios_range).
     * Firecracker's EBDA_START too.
     */
    public static final long EBDA_START = 0x9_FC00;
    /**
     * End of the legacy BIOS area (VGA window 0xA0000, option ROMs, BIOS at 0xF0000): 1 MiB.
     * Multiboot kernel segments may load into [EBDA_START, BIOS_END), as under QEMU (plain
     * {@code ld -Ttext 0x100000} puts the ELF headers at 0xff000), unless they touch the ACPI
     * tables.
     */
    public static final long BIOS_END = 0x10_0000;

    /**
     * The ACPI RSDP (ACPI 6.5 5.2.5.1): without EFI and without boot_params.acpi_rsdp_addr,
     * Linux finds it as every OS on a PC does, on a 16-byte boundary in the first KiB of the
     * EBDA or in the BIOS read-only area 0xE0000-0xFFFFF (ACPICA acpi_find_root_pointer). The
     * first boundary of that area, as Firecracker (arch/x86_64/layout.rs) puts it.
     */
    public static final long RSDP_ADDR = 0x000E_0000L;
    /** The other ACPI tables follow the RSDP (36 bytes), 64-byte aligned, in the same reserved BIOS area. */
    public static final long ACPI_TABLES_ADDR = 0x000E_0040L;
    /** The tables end by 1 MiB, where kernels load. */
    public static final long ACPI_TABLES_END = BIOS_END;

    /** 1 MiB: above the real-mode area, where protected and long mode images load by default (as Linux and multiboot kernels do). */
    public static final long DEFAULT_LOAD_ADDR = 0x10_0000;
    /**
     * Where a bzImage with boot protocol older than 2.10 goes (boot.rst, "Loading the rest of the
     * kernel": the traditional protected-mode load address), 1 MiB; newer ones name their own
     * pref_address.
     */
    public static final long LINUX_LEGACY_LOAD_ADDR = 0x10_0000;

    /** Smallest RAM jkvm accepts: enough for the real-mode area and the page tables. */
    public static final long MIN_MEMORY = 0x10_0000;

    // ---- The MMIO hole ----------------------------------------------------------------------

    /** 32-bit PCI/MMIO devices and the APIC/IOAPIC live in 3-4 GiB on a PC, so RAM skips it. */
    public static final long MMIO_HOLE_START = 0xC000_0000L;
    /** 4 GiB: the end of the hole and the start of the RAM above it. */
    public static final long HIGH_RAM_START = 0x1_0000_0000L;

    /**
     * Where jkvm, standing in for firmware, puts 32-bit PCI memory BARs: the bottom of the MMIO
     * hole, 256 MiB, clear of the virtio-mmio window above it and of the chipset's fixed
     * addresses from 0xFEC00000 up.
     */
    public static final long PCI_MMIO32_START = MMIO_HOLE_START;
    public static final long PCI_MMIO32_SIZE = 0x1000_0000L;

    /**
     * The virtio-mmio devices of the microvm machine (virtio 1.2, 4.2): slot n at
     * {@code VIRTIO_MMIO_START + n * VIRTIO_MMIO_SLOT_SIZE} ({@link #virtioMmioSlot}). Firecracker's
     * x86 address (MMIO_MEM_START, 4 GiB - 768 MiB) and stride (MMIO_LEN, one page per device),
     * so a device's registers never share a page with another's and a guest's
     * {@code virtio_mmio.device=4K@0xd0000000:IRQ} lines read as under Firecracker; QEMU's
     * microvm packs 0x200-byte transports at 0xFEB00000 instead, one MiB below the IOAPIC.
     * Right above the PCI window: a machine may have both.
     */
    public static final long VIRTIO_MMIO_START = 0xD000_0000L;
    public static final long VIRTIO_MMIO_SLOT_SIZE = PAGE_SIZE;
    /** 256 slots (1 MiB): more devices than there are IOAPIC pins to give them. */
    public static final int VIRTIO_MMIO_SLOTS = 256;
    public static final long VIRTIO_MMIO_SIZE = VIRTIO_MMIO_SLOTS * VIRTIO_MMIO_SLOT_SIZE;

    /**
     * KVM's in-kernel IOAPIC answers at the PC's default address (KVM_IOAPIC_DEFAULT_BASE_ADDRESS,
     * fixed by KVM); the MADT says so. One page, as firmware reserves it.
     */
    public static final long IO_APIC_ADDR = 0xFEC0_0000L;
    public static final long IO_APIC_SIZE = PAGE_SIZE;

    /**
     * The xAPIC base of every local APIC, the MADT's Local Interrupt Controller Address (Intel
     * SDM vol. 3A 11.4.1, fixed by the CPU). A write to the 1 MiB from here is an MSI, not
     * memory (Intel SDM vol. 3A 11.11.1: address 0xFEExxxxx).
     */
    public static final long LOCAL_APIC_ADDR = 0xFEE0_0000L;
    public static final long MSI_WINDOW_SIZE = 0x10_0000L;

    /** KVM_SET_IDENTITY_MAP_ADDR: one page inside the MMIO hole, below the TSS; QEMU's choice. */
    public static final long IDENTITY_MAP_ADDR = 0xFEFF_C000L;
    public static final long IDENTITY_MAP_SIZE = PAGE_SIZE;

    /**
     * QEMU's pc-testdev "iomem" window (hw/misc/pc-testdev.c: 0xff000000, IOMEM_LEN 64 KiB), at
     * QEMU's address because kvm-unit-tests expect it there; only when the device is asked for.
     */
    public static final long PC_TESTDEV_IOMEM_ADDR = 0xFF00_0000L;
    public static final int PC_TESTDEV_IOMEM_SIZE = 0x1_0000;

    /** KVM_SET_TSS_ADDR: three pages inside the MMIO hole, QEMU's choice (below the BIOS at 4 GiB - 256 KiB). */
    public static final long TSS_ADDR = 0xFFFB_D000L;
    /** KVM's real-mode TSS takes three pages (api.rst, KVM_SET_TSS_ADDR). */
    public static final long TSS_SIZE = 3 * PAGE_SIZE;

    // ---- Above RAM --------------------------------------------------------------------------

    /**
     * The 64-bit PCI memory window for 64-bit BARs starts at the first GiB boundary past the RAM
     * above 4 GiB, and is 32 GiB long: QEMU's pc (hw/i386/pc.c pc_pci_hole64_start rounds up to
     * 1 GiB; the default pci-hole64-size is 32 GiB). It ends at most RAM + 34 GiB, inside the
     * 39 physical address bits (512 GiB) of the smallest x86-64 hosts for RAM up to 478 GiB.
     */
    public static final long PCI_MMIO64_ALIGN = 1L << 30;
    public static final long PCI_MMIO64_SIZE = 32L << 30;

    /** Where the 64-bit PCI window starts for {@code ramSize} bytes of RAM: never below 4 GiB. */
    public static long pciMmio64Start(long ramSize) {
        long end = HIGH_RAM_START;
        for (GuestMemory.Range r : ramRanges(ramSize)) end = Math.max(end, r.start() + r.size());
        return (end + PCI_MMIO64_ALIGN - 1) & -PCI_MMIO64_ALIGN;
    }

    /** The guest-physical address of virtio-mmio slot {@code n} (0 to {@link #VIRTIO_MMIO_SLOTS} - 1). */
    public static long virtioMmioSlot(int n) {
        if (n < 0 || n >= VIRTIO_MMIO_SLOTS) throw new IllegalArgumentException("virtio-mmio slot " + n + " is not 0-" + (VIRTIO_MMIO_SLOTS - 1));
        return VIRTIO_MMIO_START + n * VIRTIO_MMIO_SLOT_SIZE;
    }

    // ---- The map ----------------------------------------------------------------------------

    /**
     * One range jkvm picks, [start, end), for the {@code modes} whose boots use it (the VM's
     * starting mode: Linux boots in LONG, multiboot in PROTECTED). {@code within} names the range
     * it lies inside on purpose, or is null.
     */
    public record Region(String name, long start, long end, Set<CpuMode> modes, String within) {
        public Region {
            if (start < 0 || end <= start) throw new IllegalArgumentException(name + ": empty range");
            modes = Set.copyOf(modes);
        }

        public boolean overlaps(Region other) {
            return start < other.end && other.start < end;
        }

        @Override
        public String toString() {
            return String.format("%s [0x%x, 0x%x) %s%s", name, start, end, modes, within == null ? "" : " in " + within);
        }
    }

    private static final Set<CpuMode> ALL = EnumSet.allOf(CpuMode.class);
    private static final Set<CpuMode> LONG = EnumSet.of(CpuMode.LONG);
    private static final String BIOS_AREA = "EBDA and BIOS area";
    private static final String MMIO_HOLE = "MMIO hole";

    /** Every fixed range above, low to high. The 64-bit PCI window depends on the RAM size: {@link #pciMmio64Start}. */
    public static final List<Region> MAP = List.of(
            new Region("real-mode IVT and BIOS data area", 0, IVT_BDA_END, ALL, null),
            new Region("GDT", GDT_ADDR, GDT_RESERVED_END, EnumSet.of(CpuMode.PROTECTED, CpuMode.LONG), null),
            new Region("Linux zero page", ZERO_PAGE_ADDR, ZERO_PAGE_ADDR + ZERO_PAGE_SIZE, LONG, null),
            new Region("page tables", PML4_ADDR, PAGE_TABLES_END, LONG, null),
            new Region("multiboot information block", MULTIBOOT_INFO_ADDR, MULTIBOOT_INFO_END, EnumSet.of(CpuMode.PROTECTED), null),
            new Region("Linux command line", CMDLINE_ADDR, CMDLINE_ADDR + CMDLINE_MAX, LONG, null),
            new Region(BIOS_AREA, EBDA_START, BIOS_END, ALL, null),
            new Region("ACPI RSDP", RSDP_ADDR, ACPI_TABLES_ADDR, ALL, BIOS_AREA),
            new Region("ACPI tables", ACPI_TABLES_ADDR, ACPI_TABLES_END, ALL, BIOS_AREA),
            new Region(MMIO_HOLE, MMIO_HOLE_START, HIGH_RAM_START, ALL, null),
            new Region("PCI 32-bit memory window", PCI_MMIO32_START, PCI_MMIO32_START + PCI_MMIO32_SIZE, ALL, MMIO_HOLE),
            new Region("virtio-mmio window", VIRTIO_MMIO_START, VIRTIO_MMIO_START + VIRTIO_MMIO_SIZE, ALL, MMIO_HOLE),
            new Region("IOAPIC", IO_APIC_ADDR, IO_APIC_ADDR + IO_APIC_SIZE, ALL, MMIO_HOLE),
            new Region("local APIC and MSI window", LOCAL_APIC_ADDR, LOCAL_APIC_ADDR + MSI_WINDOW_SIZE, ALL, MMIO_HOLE),
            new Region("KVM identity-map page", IDENTITY_MAP_ADDR, IDENTITY_MAP_ADDR + IDENTITY_MAP_SIZE, ALL, MMIO_HOLE),
            new Region("pc-testdev iomem", PC_TESTDEV_IOMEM_ADDR, PC_TESTDEV_IOMEM_ADDR + PC_TESTDEV_IOMEM_SIZE, ALL, MMIO_HOLE),
            new Region("KVM real-mode TSS", TSS_ADDR, TSS_ADDR + TSS_SIZE, ALL, MMIO_HOLE));

    // ---- RAM and per-mode reservations -----------------------------------------------------

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
