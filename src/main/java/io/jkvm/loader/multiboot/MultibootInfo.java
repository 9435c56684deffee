package io.jkvm.loader.multiboot;

import io.jkvm.JkvmException;
import io.jkvm.boot.Layout;
import io.jkvm.loader.E820Map;
import io.jkvm.memory.GuestMemory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The Multiboot information structure and what it points to (Multiboot 0.6.96, 3.3 Boot
 * information format), written as one block: EBX holds the structure's address on entry.
 *
 * <pre>
 * block +0x000  memory map: entries {u32 size = 20; u64 base_addr; u64 length; u32 type}, 24 bytes each
 * block +0x500  multiboot_info (116 bytes, zero where not set):
 *                0 flags   4 mem_lower   8 mem_upper   12 boot_device   16 cmdline
 *               20 mods_count   24 mods_addr   28-40 syms   44 mmap_length   48 mmap_addr
 *               52 drives_length   56 drives_addr   60 config_table   64 boot_loader_name
 *               68 apm_table   72-86 vbe_*   88-115 framebuffer_*
 * block +0x580  module table: {u32 mod_start; u32 mod_end; u32 string; u32 reserved = 0}, 16 bytes each
 * then          the strings, NUL-terminated: command line, each module's string, "jkvm"
 * </pre>
 *
 * Flags as QEMU sets them (hw/i386/multiboot.c): MEMORY, BOOT_DEVICE, CMDLINE, MODS (even with
 * no module), MMAP and BOOT_LOADER_NAME; boot_device 0x8000ffff (BIOS drive 0x80, whole disk).
 * mem_lower and mem_upper come from the memory map as QEMU's option ROM computes them: RAM from 0
 * (at most 640 KiB), and contiguous RAM from 1 MiB below 4 GiB. The map's entries keep their e820
 * types (1 is RAM, any other value reserved); mmap_addr points at the first entry's size field.
 */
public final class MultibootInfo {
    public static final int OFFSET_FLAGS = 0;
    public static final int OFFSET_MEM_LOWER = 4;
    public static final int OFFSET_MEM_UPPER = 8;
    public static final int OFFSET_BOOT_DEVICE = 12;
    public static final int OFFSET_CMDLINE = 16;
    public static final int OFFSET_MODS_COUNT = 20;
    public static final int OFFSET_MODS_ADDR = 24;
    public static final int OFFSET_MMAP_LENGTH = 44;
    public static final int OFFSET_MMAP_ADDR = 48;
    public static final int OFFSET_BOOT_LOADER_NAME = 64;
    /** multiboot_info through framebuffer_bpp/type/color_info (0.6.96's last fields, offsets 88-115). */
    public static final int SIZE = 116;
    /**
     * multiboot_info through the VBE fields (offsets 0-87), without the framebuffer ones: QEMU's
     * MBI_SIZE (hw/i386/multiboot.c), the structure it hands to fw_cfg as INITRD_DATA. jkvm sets
     * neither the VBE nor the framebuffer flag, so these bytes carry everything jkvm fills in.
     */
    public static final int SIZE_THROUGH_VBE = 88;

    public static final int FLAG_MEMORY = 1;
    public static final int FLAG_BOOT_DEVICE = 1 << 1;
    public static final int FLAG_CMDLINE = 1 << 2;
    public static final int FLAG_MODS = 1 << 3;
    public static final int FLAG_MMAP = 1 << 6;
    public static final int FLAG_BOOT_LOADER_NAME = 1 << 9;
    /** What jkvm fills in: 0x24f. */
    public static final int FLAGS = FLAG_MEMORY | FLAG_BOOT_DEVICE | FLAG_CMDLINE | FLAG_MODS | FLAG_MMAP | FLAG_BOOT_LOADER_NAME;

    /** QEMU's boot_device: drive 0x80 (first hard disk), part1 0x00, part2 and part3 0xff (unused). */
    public static final int BOOT_DEVICE = 0x8000_ffff;
    public static final String BOOT_LOADER_NAME = "jkvm";

    /** A memory map entry: the u32 size field (which says 20) and 20 bytes. */
    public static final int MMAP_ENTRY_SIZE = 24;
    public static final int MMAP_ENTRY_SIZE_FIELD = 20;
    public static final int MODULE_ENTRY_SIZE = 16;
    /*
     * The boot information block, from its base (Layout.MULTIBOOT_INFO_ADDR when it fits there),
     * as QEMU lays it out from MULTIBOOT_STRUCT_ADDR (hw/i386/multiboot.c):
     *   +0x000  memory map, up to 0x500 bytes        MMAP_OFFSET (QEMU's ADDR_E820_MAP)
     *   +0x500  multiboot_info (EBX)                 INFO_OFFSET (QEMU's ADDR_MBI = 0x9500)
     *   +0x580  module table, then the strings       MODULE_TABLE_OFFSET
     */
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

    /** The memory map's room before multiboot_info. */
    public static final int MAX_MMAP_ENTRIES = (int) (MMAP_AREA_SIZE / MMAP_ENTRY_SIZE);

    /** 3.3: "The maximum possible value for lower memory is 640 kilobytes." */
    static final long LOWER_MEMORY_END = 640 * 1024;
    /** 3.3: upper memory "starts at 1 megabyte". */
    static final long UPPER_MEMORY_START = Layout.BIOS_END;

    private MultibootInfo() {}

    /**
     * The block's contents, checked and sized before anything is placed: the command line, the
     * modules' strings and the memory map.
     */
    public static final class Block {
        private final byte[] cmdline;
        private final List<byte[]> moduleStrings;
        private final byte[] loaderName;
        private final List<E820Map.Entry> memoryMap;

        private Block(byte[] cmdline, List<byte[]> moduleStrings, List<E820Map.Entry> memoryMap) {
            this.cmdline = cmdline;
            this.moduleStrings = moduleStrings;
            this.loaderName = cString(BOOT_LOADER_NAME, "the boot loader name");
            this.memoryMap = List.copyOf(memoryMap);
        }

        /** Bytes from the block's base to the end of its last string. */
        public long size() {
            long size = stringsOffset() + cmdline.length + loaderName.length;
            for (byte[] s : moduleStrings) size += s.length;
            return size;
        }

        private long stringsOffset() {
            return MODULE_TABLE_OFFSET + (long) MODULE_ENTRY_SIZE * moduleStrings.size();
        }

        /**
         * Writes the block at {@code base} for modules placed at {@code modules} (one per string,
         * in order; mod_end is the end address, exclusive, as QEMU sets it); returns multiboot_info's address, {@code base + 0x500}.
         */
        public long write(GuestMemory memory, long base, List<AddressRange> modules) {
            if (modules.size() != moduleStrings.size()) {
                throw new IllegalArgumentException(modules.size() + " module ranges for " + moduleStrings.size() + " module strings");
            }
            long info = base + INFO_OFFSET;
            long mmap = base + MMAP_OFFSET;
            long table = base + MODULE_TABLE_OFFSET;
            long string = base + stringsOffset();

            memory.write(info, new byte[SIZE]);
            memory.writeInt(info + OFFSET_FLAGS, FLAGS);
            memory.writeInt(info + OFFSET_MEM_LOWER, (int) memLower(memoryMap));
            memory.writeInt(info + OFFSET_MEM_UPPER, (int) memUpper(memoryMap));
            memory.writeInt(info + OFFSET_BOOT_DEVICE, BOOT_DEVICE);

            memory.write(string, cmdline);
            memory.writeInt(info + OFFSET_CMDLINE, (int) string);
            string += cmdline.length;

            for (int i = 0; i < modules.size(); i++) {
                long entry = table + (long) MODULE_ENTRY_SIZE * i;
                memory.writeInt(entry, (int) modules.get(i).start());
                memory.writeInt(entry + 4, (int) modules.get(i).end());
                memory.writeInt(entry + 8, (int) string);
                memory.writeInt(entry + 12, 0);
                memory.write(string, moduleStrings.get(i));
                string += moduleStrings.get(i).length;
            }
            memory.writeInt(info + OFFSET_MODS_COUNT, modules.size());
            memory.writeInt(info + OFFSET_MODS_ADDR, (int) table);

            for (int i = 0; i < memoryMap.size(); i++) {
                E820Map.Entry e = memoryMap.get(i);
                long p = mmap + (long) MMAP_ENTRY_SIZE * i;
                memory.writeInt(p, MMAP_ENTRY_SIZE_FIELD);
                memory.writeLong(p + 4, e.addr());
                memory.writeLong(p + 12, e.size());
                memory.writeInt(p + 20, e.type());
            }
            memory.writeInt(info + OFFSET_MMAP_LENGTH, MMAP_ENTRY_SIZE * memoryMap.size());
            memory.writeInt(info + OFFSET_MMAP_ADDR, (int) mmap);

            memory.write(string, loaderName);
            memory.writeInt(info + OFFSET_BOOT_LOADER_NAME, (int) string);
            return info;
        }
    }

    /** Checks the strings and the map and sizes the block. */
    public static Block block(String cmdline, List<String> moduleStrings, List<E820Map.Entry> memoryMap) {
        if (memoryMap.size() > MAX_MMAP_ENTRIES) {
            throw new JkvmException("the memory map has " + memoryMap.size() + " entries; the multiboot area holds " + MAX_MMAP_ENTRIES);
        }
        List<byte[]> strings = new ArrayList<>();
        for (int i = 0; i < moduleStrings.size(); i++) strings.add(cString(moduleStrings.get(i), "the string of multiboot module " + i));
        return new Block(cString(cmdline, "the kernel command line"), strings, memoryMap);
    }

    /** KiB of RAM from address 0, at most 640 (3.3 mem_lower). */
    public static long memLower(List<E820Map.Entry> map) {
        return Math.min(contiguousRamEnd(map, 0), LOWER_MEMORY_END) / 1024;
    }

    /** KiB of RAM from 1 MiB up to the first hole (3.3 mem_upper), counting only RAM below 4 GiB. */
    public static long memUpper(List<E820Map.Entry> map) {
        return (Math.min(contiguousRamEnd(map, UPPER_MEMORY_START), Multiboot.ADDRESS_LIMIT) - UPPER_MEMORY_START) / 1024;
    }

    /** How far RAM reaches from {@code from} through RAM entries that touch or overlap (the map need not be sorted). */
    private static long contiguousRamEnd(List<E820Map.Entry> map, long from) {
        long end = from;
        boolean grew = true;
        while (grew) {
            grew = false;
            for (E820Map.Entry e : map) {
                if (e.type() == E820Map.E820_RAM && e.addr() < Multiboot.ADDRESS_LIMIT && e.addr() <= end && end < e.end()) {
                    end = e.end();
                    grew = true;
                }
            }
        }
        return end;
    }

    private static byte[] cString(String text, String what) {
        if (text.indexOf('\0') >= 0) throw new JkvmException(what + " contains a NUL character");
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        byte[] withNul = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, withNul, 0, bytes.length);
        return withNul;
    }
}
