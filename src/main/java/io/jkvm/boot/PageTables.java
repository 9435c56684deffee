package io.jkvm.boot;

import io.jkvm.memory.GuestMemory;

/**
 * Identity-mapped 4-level page tables for long mode (Intel SDM vol. 3A, 4.5 "4-Level Paging"):
 * one PML4 entry, four PDPT entries and four page directories of 2 MiB pages map guest-physical
 * 0-4 GiB onto the same linear addresses. Every entry is Present, Writable and User, so code
 * that drops to ring 3 can run anywhere (benchmarks and tests do).
 */
public final class PageTables {
    static final long PRESENT = 1;
    static final long WRITABLE = 1 << 1;
    static final long USER = 1 << 2;
    static final long PAGE_SIZE_2M = 1 << 7;
    static final long FLAGS = PRESENT | WRITABLE | USER;

    private PageTables() {}

    public static void write(GuestMemory memory) {
        memory.writeLong(Layout.PML4_ADDR, Layout.PDPT_ADDR | FLAGS);
        for (int i = 0; i < 511; i++) memory.writeLong(Layout.PML4_ADDR + 8 + 8L * i, 0);
        for (int p = 0; p < 512; p++) {
            long entry = p < Layout.PD_COUNT ? (Layout.PD_ADDR + 0x1000L * p) | FLAGS : 0;
            memory.writeLong(Layout.PDPT_ADDR + 8L * p, entry);
        }
        for (long page = 0; page < Layout.PD_COUNT * 512L; page++) {
            memory.writeLong(Layout.PD_ADDR + 8 * page, (page << 21) | FLAGS | PAGE_SIZE_2M);
        }
    }
}
