package io.jkvm.loader;

import io.jkvm.memory.GuestMemory;

import java.util.List;

/**
 * The PVH boot protocol's start-of-day structures (Xen's include/public/arch-x86/hvm/start_info.h,
 * version 1; Linux arch/x86/platform/pvh/enlighten.c): the kernel is entered at the ELF note's
 * 32-bit entry (XEN_ELFNOTE_PHYS32_ENTRY) in flat 32-bit protected mode, paging off, with EBX
 * pointing at {@code struct hvm_start_info}.
 * <pre>
 * hvm_start_info (56 bytes):   0 u32 magic 0x336ec578   4 u32 version   8 u32 flags   12 u32 nr_modules
 *                             16 u64 modlist_paddr  24 u64 cmdline_paddr  32 u64 rsdp_paddr
 *                             40 u64 memmap_paddr   48 u32 memmap_entries 52 u32 reserved
 * hvm_modlist_entry (32):      0 u64 paddr  8 u64 size  16 u64 cmdline_paddr  24 u64 reserved
 * hvm_memmap_table_entry (24): 0 u64 addr   8 u64 size  16 u32 type (e820 types)  20 u32 reserved
 * </pre>
 */
public final class PvhStartInfo {
    public static final int MAGIC = 0x336ec578;
    public static final int VERSION = 1;
    public static final int START_INFO_SIZE = 56;
    public static final int MODLIST_ENTRY_SIZE = 32;
    public static final int MEMMAP_ENTRY_SIZE = 24;

    private PvhStartInfo() {}

    /**
     * Writes start_info at {@code at}, then the module list (the initrd, if any) and the memory
     * map right after it; returns {@code at}.
     */
    public static long write(GuestMemory memory, long at, long cmdlineAddr, long rsdpAddr, long initrdAddr, long initrdSize,
                             List<E820Map.Entry> memmap) {
        long modlist = at + START_INFO_SIZE;
        int modules = initrdSize > 0 ? 1 : 0;
        long map = modlist + (long) MODLIST_ENTRY_SIZE * modules;
        memory.writeInt(at, MAGIC);
        memory.writeInt(at + 4, VERSION);
        memory.writeInt(at + 8, 0);
        memory.writeInt(at + 12, modules);
        memory.writeLong(at + 16, modules > 0 ? modlist : 0);
        memory.writeLong(at + 24, cmdlineAddr);
        memory.writeLong(at + 32, rsdpAddr);
        memory.writeLong(at + 40, map);
        memory.writeInt(at + 48, memmap.size());
        memory.writeInt(at + 52, 0);
        if (modules > 0) {
            memory.writeLong(modlist, initrdAddr);
            memory.writeLong(modlist + 8, initrdSize);
            memory.writeLong(modlist + 16, 0);
            memory.writeLong(modlist + 24, 0);
        }
        for (int i = 0; i < memmap.size(); i++) {
            E820Map.Entry e = memmap.get(i);
            long p = map + (long) MEMMAP_ENTRY_SIZE * i;
            memory.writeLong(p, e.addr());
            memory.writeLong(p + 8, e.size());
            memory.writeInt(p + 16, e.type());
            memory.writeInt(p + 20, 0);
        }
        return at;
    }
}
