package io.jkvm.loader.multiboot;

import io.jkvm.JkvmException;
import io.jkvm.loader.E820Map;
import io.jkvm.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.jkvm.loader.multiboot.MultibootImages.MIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MultibootInfoTest {
    private final GuestMemory memory = GuestMemory.allocate(List.of(new GuestMemory.Range(0, 4 * MIB)));

    @AfterEach
    void close() {
        memory.close();
    }

    @Test
    void everyFieldAtItsSpecOffset() {
        List<E820Map.Entry> map = E820Map.forRam(64 * MIB).entries();
        assertEquals(5, map.size());
        byte[] dirt = new byte[0x1000];
        Arrays.fill(dirt, (byte) 0xAA);
        memory.write(0x9000, dirt);

        MultibootInfo.Block block = MultibootInfo.block("kernel.bin console=ttyS0", List.of("mod1.bin arg", "mod2"), map);
        assertEquals(0x5D0, block.size(), "0x580 + 2 module entries + 25 + 13 + 5 + 5 string bytes");
        long info = block.write(memory, 0x9000, List.of(new AddressRange(0x20_0000, 0x20_1234), new AddressRange(0x20_2000, 0x20_2010)));
        assertEquals(0x9500, info);

        assertEquals(0x24f, memory.readInt(info), "flags: MEMORY, BOOT_DEVICE, CMDLINE, MODS, MMAP, BOOT_LOADER_NAME");
        assertEquals(639, memory.readInt(info + 4), "mem_lower: RAM up to the EBDA, as int 0x12 says");
        assertEquals(63 * 1024, memory.readInt(info + 8), "mem_upper: 1 MiB to 64 MiB");
        assertEquals(0x8000ffff, memory.readInt(info + 12), "boot_device as QEMU sets it");
        assertEquals(0x95A0, memory.readInt(info + 16), "cmdline");
        assertEquals(2, memory.readInt(info + 20), "mods_count");
        assertEquals(0x9580, memory.readInt(info + 24), "mods_addr");
        assertArrayEquals(new byte[16], memory.read(info + 28, 16), "syms");
        assertEquals(5 * 24, memory.readInt(info + 44), "mmap_length");
        assertEquals(0x9000, memory.readInt(info + 48), "mmap_addr");
        assertArrayEquals(new byte[12], memory.read(info + 52, 12), "drives_length, drives_addr, config_table");
        assertEquals(0x95CB, memory.readInt(info + 64), "boot_loader_name");
        assertArrayEquals(new byte[MultibootInfo.SIZE - 68], memory.read(info + 68, MultibootInfo.SIZE - 68), "apm, vbe, framebuffer");

        assertEquals("kernel.bin console=ttyS0", cString(0x95A0));
        assertEquals("jkvm", cString(0x95CB));

        int[][] modules = {{0x20_0000, 0x20_1234, 0x95B9}, {0x20_2000, 0x20_2010, 0x95C6}};
        for (int i = 0; i < 2; i++) {
            long entry = 0x9580 + 16L * i;
            assertEquals(modules[i][0], memory.readInt(entry), "mod_start");
            assertEquals(modules[i][1], memory.readInt(entry + 4), "mod_end = start + length, as QEMU sets it");
            assertEquals(modules[i][2], memory.readInt(entry + 8), "string");
            assertEquals(0, memory.readInt(entry + 12), "reserved");
        }
        assertEquals("mod1.bin arg", cString(0x95B9));
        assertEquals("mod2", cString(0x95C6));
        assertEquals(0xAA, memory.readByte(0x9000 + 0x5D0), "nothing written past the block");

        for (int i = 0; i < map.size(); i++) {
            long p = 0x9000 + 24L * i;
            assertEquals(20, memory.readInt(p), "size");
            assertEquals(map.get(i).addr(), memory.readLong(p + 4), "base_addr");
            assertEquals(map.get(i).size(), memory.readLong(p + 12), "length");
            assertEquals(map.get(i).type(), memory.readInt(p + 20), "type");
        }
        assertEquals(0x9FC00, memory.readLong(0x9000 + 24 + 4), "the EBDA entry");
        assertEquals(2, memory.readInt(0x9000 + 24 + 20), "reserved");
        assertEquals(0x10_0000, memory.readLong(0x9000 + 48 + 4));
        assertEquals(63 * MIB, memory.readLong(0x9000 + 48 + 12));
        assertEquals(1, memory.readInt(0x9000 + 48 + 20), "RAM");
    }

    @Test
    void noModules() {
        MultibootInfo.Block block = MultibootInfo.block("", List.of(), E820Map.forRam(4 * MIB).entries());
        assertEquals(0x580 + 1 + 5, block.size());
        long info = block.write(memory, 0x20_0000, List.of());
        assertEquals(0x20_0500, info);
        assertEquals(MultibootInfo.FLAGS, memory.readInt(info));
        assertEquals(0, memory.readInt(info + 20), "mods_count");
        assertEquals(0x20_0580, memory.readInt(info + 24), "mods_addr: the empty table");
        assertEquals(0x20_0580, memory.readInt(info + 16), "an empty command line");
        assertEquals(0, memory.readByte(0x20_0580));
        assertEquals(0x20_0581, memory.readInt(info + 64));
        assertEquals(0x20_0000, memory.readInt(info + 48));
    }

    @Test
    void memUpperStopsAtTheFirstHoleAndBelow4GiB() {
        List<E820Map.Entry> map = List.of(  // unsorted, as QEMU's option ROM allows
                new E820Map.Entry(17 * MIB, 100 * MIB, E820Map.E820_RAM),
                new E820Map.Entry(0, 0x9FC00, E820Map.E820_RAM),
                new E820Map.Entry(16 * MIB, MIB, E820Map.E820_RESERVED),
                new E820Map.Entry(8 * MIB, 8 * MIB, E820Map.E820_RAM),
                new E820Map.Entry(MIB, 7 * MIB, E820Map.E820_RAM));
        assertEquals(15 * 1024, MultibootInfo.memUpper(map));
        assertEquals(639, MultibootInfo.memLower(map));

        List<E820Map.Entry> big = E820Map.forRam(5L << 30).entries();  // 3 GiB below the hole, 2 GiB above 4 GiB
        assertEquals((3L << 30) / 1024 - 1024, MultibootInfo.memUpper(big));
        assertEquals(0, MultibootInfo.memUpper(List.of(new E820Map.Entry(0, 0x9FC00, 1))), "no RAM at 1 MiB");
        assertEquals(640, MultibootInfo.memLower(List.of(new E820Map.Entry(0, 2 * MIB, 1))), "at most 640 KiB");
        assertEquals(4 * 1024 * 1024 - 1024, MultibootInfo.memUpper(List.of(new E820Map.Entry(0, 8L << 30, 1))), "RAM past 4 GiB is cut at 4 GiB");
    }

    @Test
    void badStringsAndTooLongAMap() {
        List<E820Map.Entry> map = E820Map.forRam(4 * MIB).entries();
        assertEquals("the kernel command line contains a NUL character",
                assertThrows(JkvmException.class, () -> MultibootInfo.block("a\0b", List.of(), map)).getMessage());
        assertEquals("the string of multiboot module 1 contains a NUL character",
                assertThrows(JkvmException.class, () -> MultibootInfo.block("", List.of("ok", "b\0"), map)).getMessage());
        List<E820Map.Entry> many = new ArrayList<>();
        for (int i = 0; i < 54; i++) many.add(new E820Map.Entry(i * 0x1000L, 0x1000, 1));
        assertEquals("the memory map has 54 entries; the multiboot area holds 53",
                assertThrows(JkvmException.class, () -> MultibootInfo.block("", List.of(), many)).getMessage());
    }

    private String cString(long at) {
        StringBuilder sb = new StringBuilder();
        for (long p = at; memory.readByte(p) != 0; p++) sb.append((char) memory.readByte(p));
        return sb.toString();
    }
}
