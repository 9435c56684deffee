package io.jkvm.loader.multiboot;

import io.jkvm.boot.Layout;

/**
 * The guest-physical addresses jkvm chooses for a multiboot boot, each with its reason (the rest
 * are in {@link Layout}). A multiboot kernel is entered in 32-bit protected mode with paging off
 * (Multiboot 0.6.96, 3.2 Machine state), so of jkvm's own structures only the GDT is in memory
 * ({@link Layout#reservedFor} PROTECTED): the long-mode page tables at 0x9000-0xEFFF are not
 * written, which leaves QEMU's multiboot area free.
 *
 * <pre>
 * 0x0000_0000  IVT, BIOS data area, jkvm's GDT: no kernel byte may go here   RESERVED_LOW_END
 * 0x0000_9000  boot information block (QEMU's MULTIBOOT_STRUCT_ADDR)         INFO_BLOCK_ADDR
 *   +0x000       memory map, up to 0x500 bytes                                MMAP_OFFSET
 *   +0x500       multiboot_info (EBX), QEMU's ADDR_MBI = 0x9500               INFO_OFFSET
 *   +0x580       module table, then the strings                               MODULE_TABLE_OFFSET
 * 0x0009_FC00  EBDA: the block must end before it                             LOW_AREA_END
 * 0x0009_FC00  legacy BIOS area, reserved in the map; kernel segments may     BIOS_AREA_START
 *   ..1 MiB    load here (plain `ld -Ttext 0x100000` puts the ELF headers at
 *              0xff000) unless they touch jkvm's ACPI tables                 BIOS_AREA_END
 * kernel       [load start, bss end) at the kernel's own addresses
 * after it     the block, if it does not fit low; the modules, page-aligned
 * 0xC000_0000  nothing multiboot goes past the MMIO hole                      PLACEMENT_LIMIT
 * </pre>
 */
public final class MultibootLayout {
    private MultibootLayout() {}

    /**
     * jkvm's real-mode IVT/BIOS data area and GDT (0x500-0xfff): a kernel that loads any byte
     * below this would overwrite the GDT the vCPU runs on, so it is refused.
     */
    public static final long RESERVED_LOW_END = Layout.GDT_RESERVED_END;

    /**
     * The boot information block (memory map, info structure, module table, strings) goes here
     * when the kernel does not occupy it: QEMU's MULTIBOOT_STRUCT_ADDR (hw/i386/multiboot.c),
     * low enough for a real-mode reader, clear of the GDT, far below the EBDA.
     */
    public static final long INFO_BLOCK_ADDR = 0x9000;

    /** The memory map opens the block, as QEMU's ADDR_E820_MAP = MULTIBOOT_STRUCT_ADDR + 0. */
    public static final long MMAP_OFFSET = 0;

    /** Room for the memory map: QEMU's 0x500 bytes between ADDR_E820_MAP and ADDR_MBI (53 entries of 24 bytes). */
    public static final long MMAP_AREA_SIZE = 0x500;

    /** multiboot_info right after the map's room: 0x9500 in the low block, QEMU's ADDR_MBI. */
    public static final long INFO_OFFSET = MMAP_OFFSET + MMAP_AREA_SIZE;

    /** Room for multiboot_info: its 116 bytes (through the framebuffer fields) rounded up to 128. */
    public static final long INFO_AREA_SIZE = 0x80;

    /** The module table follows multiboot_info; the NUL-terminated strings follow the table. */
    public static final long MODULE_TABLE_OFFSET = INFO_OFFSET + INFO_AREA_SIZE;

    /** The low block must end before the EBDA, which the memory map reports reserved. */
    public static final long LOW_AREA_END = Layout.EBDA_START;

    /**
     * The legacy BIOS area [EBDA, 1 MiB), reported reserved in the memory map ({@code E820Map}).
     * Kernel segments may load into it, as under QEMU: GNU ld 2.3x linking with
     * {@code -Ttext 0x100000} and no {@code -N}/{@code -n}/linker script makes a first PT_LOAD
     * holding only the ELF and program headers, at 0xff000. Multiboot 0.6.96 (3.1.1, 3.3) puts no
     * limit on where an image loads; QEMU 7.2 (hw/i386/multiboot.c) loads every segment with
     * {@code load_elf} by its p_paddr, takes elf_low (0xff000) as the start of its buffer and
     * KERNEL_ADDR, and the kernel finds its headers at 0xff000. jkvm has only RAM there; what it
     * keeps there itself (the ACPI tables) is checked separately ({@link MultibootImage#check}).
     */
    public static final long BIOS_AREA_START = Layout.EBDA_START;
    public static final long BIOS_AREA_END = Layout.BIOS_END;

    /**
     * Modules, and the block when it moves above the kernel, start on a page: Multiboot 0.6.96,
     * 3.1.2, flag bit 0 asks for "page (4KB) boundaries"; jkvm aligns them whether asked or not,
     * as QEMU does (TARGET_PAGE_ALIGN).
     */
    public static final long PAGE_SIZE = 0x1000;

    /**
     * Nothing jkvm places for a multiboot kernel goes past the start of the MMIO hole: the RAM
     * above 4 GiB is out of a 32-bit kernel's reach and the info structure's fields are 32-bit.
     */
    public static final long PLACEMENT_LIMIT = Layout.MMIO_HOLE_START;

    /**
     * A multiboot kernel runs in 32-bit protected mode without paging (Multiboot 0.6.96, 3.2):
     * its image and entry point must lie below 4 GiB.
     */
    public static final long ADDRESS_LIMIT = 1L << 32;

    /** The low block's address of multiboot_info: 0x9500. */
    public static final long INFO_ADDR = INFO_BLOCK_ADDR + INFO_OFFSET;
}
