package io.jkvm.loader;

import io.jkvm.boot.Layout;

/**
 * The guest-physical addresses jkvm picks for booting Linux, each with its reason. They belong
 * in {@link Layout} and are kept here only until they move there; nothing else in the loader
 * hard-codes a guest address.
 *
 * <pre>
 * 0x0000_0500  GDT                         (Layout.GDT_ADDR)
 * 0x0000_7000  boot_params ("zero page")   ZERO_PAGE_ADDR       one page
 * 0x0000_9000  page tables 0x9000-0xEFFF   (Layout.PML4_ADDR ...)
 * 0x0002_0000  kernel command line         CMDLINE_ADDR         up to CMDLINE_MAX bytes
 * 0x0009_FC00  EBDA / VGA / BIOS: reserved EBDA_START ... BIOS_END (0x10_0000)
 * 0x000E_0000  ACPI tables (inside the reserved BIOS area; the ACPI code picks the address)
 * 0x0100_0000  kernel at its own pref_address / p_paddr (16 MiB for x86-64 Linux), + init_size
 *   ...        initrd: as high as fits     (InitrdPlacement)
 * 0xC000_0000  MMIO hole                   (Layout.MMIO_HOLE_START)
 * </pre>
 */
public final class LinuxLayout {
    private LinuxLayout() {}

    /**
     * struct boot_params, 4 KiB. Below the page tables (0x9000) and above the GDT (0x500-0xfff),
     * in memory Linux treats as free once it has copied boot_params; Firecracker and Cloud
     * Hypervisor use the same page (ZERO_PAGE_START = 0x7000).
     */
    public static final long ZERO_PAGE_ADDR = io.jkvm.boot.Layout.ZERO_PAGE_ADDR;

    /**
     * The command line: 128 KiB, past the page tables (0xEFFF) and well below the EBDA; the
     * address Firecracker uses (CMDLINE_START). The kernel copies it early, so it may sit in RAM
     * the e820 map calls usable.
     */
    public static final long CMDLINE_ADDR = io.jkvm.boot.Layout.CMDLINE_ADDR;

    /**
     * Room for the command line including its NUL: up to the EBDA would allow more, but 64 KiB
     * is far beyond any kernel's cmdline_size (2048 for x86-64 Linux 6.1) and keeps
     * 0x30000-0x9FBFF free for later structures.
     */
    public static final long CMDLINE_MAX = io.jkvm.boot.Layout.CMDLINE_MAX;

    /**
     * Start of the Extended BIOS Data Area: 639 KiB, the end of conventional memory on a PC.
     * [EBDA_START, BIOS_END) is reported reserved (the MP table and ACPI tables live there), so
     * Linux never allocates it. Firecracker's EBDA_START too.
     */
    public static final long EBDA_START = io.jkvm.boot.Layout.EBDA_START;

    /** End of the legacy BIOS area (VGA window 0xA0000, option ROMs, BIOS at 0xF0000): 1 MiB. */
    public static final long BIOS_END = io.jkvm.boot.Layout.BIOS_END;

    /**
     * The traditional protected-mode load address of a bzImage with boot protocol older than
     * 2.10 (boot.rst "Loading the rest of the kernel"): 1 MiB.
     */
    public static final long LEGACY_KERNEL_ADDR = 0x10_0000;

    /**
     * setup_header.heap_end_ptr: the end of the real-mode setup heap, as an offset from the start
     * of the setup code, minus 0x200 (boot.rst). 0xFE00 is the largest value, as kvmtool and
     * QEMU set it; only the 16-bit setup code reads it, which the 64-bit entry skips.
     */
    public static final int HEAP_END_PTR = 0xFE00;

    /**
     * Linux's default initrd_addr_max for kernels that predate the field (boot.rst: "for boot
     * protocols 2.02 or earlier, the maximum address is 0x37FFFFFF"), used for ELF kernels.
     */
    public static final long DEFAULT_INITRD_ADDR_MAX = 0x37FF_FFFFL;

    /** Page size: the initrd and the kernel are placed on page boundaries. */
    public static final long PAGE_SIZE = 0x1000;
}
