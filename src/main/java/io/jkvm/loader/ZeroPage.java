package io.jkvm.loader;

import io.jkvm.JkvmException;
import io.jkvm.memory.GuestMemory;

import static io.jkvm.loader.LittleEndian.put16;
import static io.jkvm.loader.LittleEndian.put32;
import static io.jkvm.loader.LittleEndian.put64;

/**
 * Builds struct boot_params, the "zero page" of the Linux boot protocol
 * (arch/x86/include/uapi/asm/bootparam.h; Documentation/arch/x86/zero-page.rst and boot.rst,
 * "The 64-bit boot protocol"). 4096 bytes; the fields jkvm fills:
 *
 * <pre>
 * 0x000 ...                 screen_info, apm, ...       zero
 * 0x070 u64 acpi_rsdp_addr  where the RSDP is (0: the kernel scans 0xE0000-0xFFFFF)
 * 0x0C0 u32 ext_ramdisk_image   high 32 bits of ramdisk_image
 * 0x0C4 u32 ext_ramdisk_size    high 32 bits of ramdisk_size
 * 0x0C8 u32 ext_cmd_line_ptr    high 32 bits of cmd_line_ptr
 * 0x1E8 u8  e820_entries
 * 0x1EF u8  sentinel        must stay 0, or the kernel clears the ext_ fields as stale
 * 0x1F1 ... setup header    copied from the bzImage, then (SetupHeader offsets):
 *           type_of_loader = 0xFF, loadflags |= CAN_USE_HEAP, heap_end_ptr = 0xFE00,
 *           vid_mode = 0xFFFF, cmd_line_ptr, ramdisk_image, ramdisk_size
 * 0x2D0 e820_table[128]     20 bytes each: u64 addr, u64 size, u32 type
 * </pre>
 */
public final class ZeroPage {
    public static final int SIZE = 4096;

    public static final int ACPI_RSDP_ADDR = 0x070;
    public static final int EXT_RAMDISK_IMAGE = 0x0C0;
    public static final int EXT_RAMDISK_SIZE = 0x0C4;
    public static final int EXT_CMD_LINE_PTR = 0x0C8;
    public static final int E820_ENTRIES = 0x1E8;
    public static final int SENTINEL = 0x1EF;
    public static final int HDR = SetupHeader.START;
    public static final int E820_TABLE = 0x2D0;
    public static final int E820_ENTRY_SIZE = 20;

    /**
     * setup_header.heap_end_ptr: the end of the real-mode setup heap, as an offset from the start
     * of the setup code, minus 0x200 (boot.rst). 0xFE00 is the largest value, as kvmtool and
     * QEMU set it; only the 16-bit setup code reads it, which the 64-bit entry skips.
     */
    public static final int HEAP_END_PTR = 0xFE00;

    /** kernel_alignment in a made-up header: 16 MiB, Firecracker's KERNEL_MIN_ALIGNMENT_BYTES. */
    static final long ELF_KERNEL_ALIGNMENT = 0x100_0000;

    private final byte[] page = new byte[SIZE];

    private ZeroPage() {}

    /**
     * A zero page carrying {@code kernel}'s setup header, with jkvm's loader fields set:
     * type_of_loader 0xFF, CAN_USE_HEAP with heap_end_ptr 0xFE00, vid_mode 0xFFFF.
     */
    public static ZeroPage forBzImage(BzImage kernel) {
        ZeroPage z = new ZeroPage();
        byte[] hdr = kernel.setupHeader();
        System.arraycopy(hdr, 0, z.page, HDR, hdr.length);
        z.page[SetupHeader.TYPE_OF_LOADER] = (byte) SetupHeader.LOADER_UNDEFINED;
        z.page[SetupHeader.LOADFLAGS] |= (byte) SetupHeader.CAN_USE_HEAP;
        put16(z.page, SetupHeader.HEAP_END_PTR, HEAP_END_PTR);
        put16(z.page, SetupHeader.VID_MODE, SetupHeader.VID_MODE_NORMAL);
        return z;
    }

    /**
     * A zero page for a kernel without a setup header of its own (an ELF vmlinux entered at its
     * 64-bit startup_64): the header fields the kernel checks are made up as Firecracker does,
     * boot_flag, "HdrS", kernel_alignment 16 MiB, plus type_of_loader and vid_mode as above.
     */
    public static ZeroPage withoutSetupHeader() {
        ZeroPage z = new ZeroPage();
        put16(z.page, SetupHeader.BOOT_FLAG, SetupHeader.BOOT_FLAG_MAGIC);
        put32(z.page, SetupHeader.HEADER, SetupHeader.HEADER_MAGIC);
        put32(z.page, SetupHeader.KERNEL_ALIGNMENT, ELF_KERNEL_ALIGNMENT);
        z.page[SetupHeader.TYPE_OF_LOADER] = (byte) SetupHeader.LOADER_UNDEFINED;
        put16(z.page, SetupHeader.VID_MODE, SetupHeader.VID_MODE_NORMAL);
        return z;
    }

    /** cmd_line_ptr (low 32 bits) and ext_cmd_line_ptr (high 32 bits). */
    public ZeroPage commandLine(long addr) {
        put32(page, SetupHeader.CMD_LINE_PTR, addr);
        put32(page, EXT_CMD_LINE_PTR, addr >>> 32);
        return this;
    }

    /** ramdisk_image / ramdisk_size and their ext_ high halves. */
    public ZeroPage ramdisk(long addr, long size) {
        put32(page, SetupHeader.RAMDISK_IMAGE, addr);
        put32(page, EXT_RAMDISK_IMAGE, addr >>> 32);
        put32(page, SetupHeader.RAMDISK_SIZE, size);
        put32(page, EXT_RAMDISK_SIZE, size >>> 32);
        return this;
    }

    /** boot_params.acpi_rsdp_addr (0x070; zero-page.rst): honoured by Linux 5.0+, ignored before. */
    public ZeroPage acpiRsdp(long addr) {
        put64(page, ACPI_RSDP_ADDR, addr);
        return this;
    }

    /** e820_entries and e820_table. */
    public ZeroPage e820(E820Map map) {
        var entries = map.entries();
        if (entries.size() > E820Map.MAX_ENTRIES) throw new JkvmException("too many e820 entries: " + entries.size());
        page[E820_ENTRIES] = (byte) entries.size();
        for (int i = 0; i < E820Map.MAX_ENTRIES; i++) {
            int at = E820_TABLE + i * E820_ENTRY_SIZE;
            E820Map.Entry e = i < entries.size() ? entries.get(i) : null;
            put64(page, at, e == null ? 0 : e.addr());
            put64(page, at + 8, e == null ? 0 : e.size());
            put32(page, at + 16, e == null ? 0 : e.type());
        }
        return this;
    }

    /** A copy of the 4096 bytes. */
    public byte[] toBytes() {
        return page.clone();
    }

    public void writeTo(GuestMemory memory, long addr) {
        memory.write(addr, page);
    }
}
