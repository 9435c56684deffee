package io.jkvm.loader;

import io.jkvm.JkvmException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.jkvm.loader.E820Map.E820_ACPI;
import static io.jkvm.loader.E820Map.E820_RAM;
import static io.jkvm.loader.E820Map.E820_RESERVED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class E820MapTest {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    private static E820Map.Entry e(long addr, long end, int type) {
        return new E820Map.Entry(addr, end - addr, type);
    }

    /** The entries every map has after low RAM: KVM's identity-map page and TSS in the MMIO hole. */
    private static final E820Map.Entry IDENTITY = e(0xFEFF_C000L, 0xFEFF_D000L, E820_RESERVED);
    private static final E820Map.Entry TSS = e(0xFFFB_D000L, 0xFFFC_0000L, E820_RESERVED);

    @Test
    void ram64MiB() {
        assertEquals(List.of(
                e(0, 0x9FC00, E820_RAM),
                e(0x9FC00, 0x100000, E820_RESERVED),
                e(0x100000, 64 * MIB, E820_RAM),
                IDENTITY, TSS), E820Map.forRam(64 * MIB).entries());
        assertEquals(0x9FC00 + 63 * MIB, E820Map.forRam(64 * MIB).ramBytes());
    }

    @Test
    void ram3GiBFillsUpToTheHole() {
        assertEquals(List.of(
                e(0, 0x9FC00, E820_RAM),
                e(0x9FC00, 0x100000, E820_RESERVED),
                e(0x100000, 0xC000_0000L, E820_RAM),
                IDENTITY, TSS), E820Map.forRam(3 * GIB).entries());
    }

    @Test
    void ram4GiBPutsTheLastGiBAbove4GiB() {
        assertEquals(List.of(
                e(0, 0x9FC00, E820_RAM),
                e(0x9FC00, 0x100000, E820_RESERVED),
                e(0x100000, 0xC000_0000L, E820_RAM),
                IDENTITY, TSS,
                e(0x1_0000_0000L, 0x1_4000_0000L, E820_RAM)), E820Map.forRam(4 * GIB).entries());
    }

    @Test
    void acpiAreasAreCutIn() {
        // ACPI tables inside the reserved BIOS area, and an NVS page inside high RAM.
        E820Map map = E820Map.forRam(64 * MIB, List.of(
                e(0xE0000, 0xE2000, E820_ACPI),
                e(0x300_0000, 0x300_1000, E820Map.E820_NVS)));
        assertEquals(List.of(
                e(0, 0x9FC00, E820_RAM),
                e(0x9FC00, 0xE0000, E820_RESERVED),
                e(0xE0000, 0xE2000, E820_ACPI),
                e(0xE2000, 0x100000, E820_RESERVED),
                e(0x100000, 0x300_0000, E820_RAM),
                e(0x300_0000, 0x300_1000, E820Map.E820_NVS),
                e(0x300_1000, 64 * MIB, E820_RAM),
                IDENTITY, TSS), map.entries());
    }

    @Test
    void tooManyEntries() {
        List<E820Map.Entry> extra = new ArrayList<>();
        for (int i = 0; i < 130; i++) extra.add(e(0x200000 + i * 0x2000L, 0x201000 + i * 0x2000L, E820_ACPI));
        assertThrows(JkvmException.class, () -> E820Map.forRam(64 * MIB, extra));
    }
}
