package io.jkvm.boot;

/** The processor mode a guest starts in. */
public enum CpuMode {
    /** 16-bit real mode: CS:IP from the entry, no GDT. */
    REAL,
    /** 32-bit protected mode, flat segments from jkvm's GDT, paging off. */
    PROTECTED,
    /** 64-bit long mode, jkvm's GDT and identity-mapped page tables (0-4 GiB). */
    LONG
}
