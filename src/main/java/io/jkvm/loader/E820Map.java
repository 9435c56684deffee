package io.jkvm.loader;

import io.jkvm.JkvmException;
import io.jkvm.boot.Layout;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The BIOS e820 memory map jkvm reports to Linux (in boot_params.e820_table), for a RAM size
 * placed as {@link Layout#ramRanges} places it:
 *
 * <pre>
 * [0,            0x9FC00)              RAM        conventional memory
 * [0x9FC00,      0x100000)             reserved   EBDA, VGA window, BIOS (ACPI tables at 0xE0000)
 * [0x100000,     min(RAM, 3 GiB))      RAM
 * [0xFEFFC000,   +4 KiB)               reserved   KVM identity-map page (Layout.IDENTITY_MAP_ADDR)
 * [0xFFFBD000,   +12 KiB)              reserved   KVM real-mode TSS (Layout.TSS_ADDR)
 * [4 GiB,        4 GiB + RAM - 3 GiB)  RAM        what does not fit below the MMIO hole
 * </pre>
 *
 * The KVM pages are not RAM; listing them keeps Linux from handing them to a PCI BAR, as QEMU
 * does. Extra areas (ACPI tables, ACPI NVS) are cut out of whatever they overlap. Entries are
 * sorted and never overlap. Types from arch/x86/include/asm/e820/types.h.
 */
public final class E820Map {
    public static final int E820_RAM = 1;
    public static final int E820_RESERVED = 2;
    public static final int E820_ACPI = 3;
    public static final int E820_NVS = 4;
    public static final int E820_UNUSABLE = 5;

    /** boot_params holds at most this many entries (E820_MAX_ENTRIES_ZEROPAGE). */
    public static final int MAX_ENTRIES = 128;

    /** One range: struct boot_e820_entry {u64 addr; u64 size; u32 type}, 20 bytes. */
    public record Entry(long addr, long size, int type) {
        public Entry {
            if (size <= 0 || addr < 0 || addr + size < addr) {
                throw new IllegalArgumentException(String.format("bad e820 range 0x%x +0x%x", addr, size));
            }
        }

        public long end() { return addr + size; }

        @Override
        public String toString() {
            return String.format("[0x%x, 0x%x) %s", addr, end(), typeName(type));
        }
    }

    private final List<Entry> entries;

    private E820Map(List<Entry> entries) {
        if (entries.size() > MAX_ENTRIES) {
            throw new JkvmException("the e820 map has " + entries.size() + " entries; boot_params holds " + MAX_ENTRIES);
        }
        this.entries = List.copyOf(entries);
    }

    /** The map for {@code ramSize} bytes of RAM (at least 1 MiB, as {@link Layout#MIN_MEMORY}). */
    public static E820Map forRam(long ramSize) {
        return forRam(ramSize, List.of());
    }

    /** The map for {@code ramSize} bytes, with {@code extra} areas (e.g. ACPI tables) cut into it. */
    public static E820Map forRam(long ramSize, List<Entry> extra) {
        if (ramSize < Layout.MIN_MEMORY) {
            throw new IllegalArgumentException("RAM of " + ramSize + " bytes is below jkvm's minimum of 1 MiB");
        }
        List<Entry> map = new ArrayList<>();
        map.add(new Entry(0, Layout.EBDA_START, E820_RAM));
        map.add(new Entry(Layout.EBDA_START, Layout.BIOS_END - Layout.EBDA_START, E820_RESERVED));
        long lowEnd = Math.min(ramSize, Layout.MMIO_HOLE_START);
        if (lowEnd > Layout.BIOS_END) map.add(new Entry(Layout.BIOS_END, lowEnd - Layout.BIOS_END, E820_RAM));
        map.add(new Entry(Layout.IDENTITY_MAP_ADDR, Layout.IDENTITY_MAP_SIZE, E820_RESERVED));
        map.add(new Entry(Layout.TSS_ADDR, Layout.TSS_SIZE, E820_RESERVED));
        if (ramSize > lowEnd) map.add(new Entry(Layout.HIGH_RAM_START, ramSize - lowEnd, E820_RAM));
        for (Entry e : extra) map = carve(map, e);
        return new E820Map(map);
    }

    /** {@code map} with {@code area} taking over the addresses it covers. */
    private static List<Entry> carve(List<Entry> map, Entry area) {
        List<Entry> out = new ArrayList<>();
        for (Entry e : map) {
            if (e.end() <= area.addr() || e.addr() >= area.end()) {
                out.add(e);
                continue;
            }
            if (e.addr() < area.addr()) out.add(new Entry(e.addr(), area.addr() - e.addr(), e.type()));
            if (e.end() > area.end()) out.add(new Entry(area.end(), e.end() - area.end(), e.type()));
        }
        out.add(area);
        out.sort(Comparator.comparingLong(Entry::addr));
        return out;
    }

    public List<Entry> entries() { return entries; }

    /** Total bytes of type RAM. */
    public long ramBytes() {
        return entries.stream().filter(e -> e.type() == E820_RAM).mapToLong(Entry::size).sum();
    }

    static String typeName(int type) {
        return switch (type) {
            case E820_RAM -> "RAM";
            case E820_RESERVED -> "reserved";
            case E820_ACPI -> "ACPI data";
            case E820_NVS -> "ACPI NVS";
            case E820_UNUSABLE -> "unusable";
            default -> "type " + type;
        };
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Entry e : entries) sb.append(e).append('\n');
        return sb.toString();
    }
}
