package io.jkvm.loader;

import io.jkvm.memory.GuestMemory;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PvhStartInfoTest {
    @Test
    void startInfoModuleAndMemoryMapAtTheirOffsets() {
        try (GuestMemory mem = GuestMemory.allocate(List.of(new GuestMemory.Range(0, 0x10000)))) {
            List<E820Map.Entry> map = List.of(new E820Map.Entry(0, 0x9fc00, 1), new E820Map.Entry(0x100000, 0xff00000, 1));
            long at = PvhStartInfo.write(mem, 0x7000, 0x20000, 0xe0000, 0x800000, 0x1234, map);
            assertEquals(0x7000, at);
            assertEquals(0x336ec578, mem.readInt(0x7000));
            assertEquals(1, mem.readInt(0x7004));           // version
            assertEquals(1, mem.readInt(0x700c));           // nr_modules
            assertEquals(0x7038, mem.readLong(0x7010));     // modlist right after the 56-byte start_info
            assertEquals(0x20000, mem.readLong(0x7018));    // cmdline
            assertEquals(0xe0000, mem.readLong(0x7020));    // rsdp
            assertEquals(0x7058, mem.readLong(0x7028));     // memmap after one 32-byte module entry
            assertEquals(2, mem.readInt(0x7030));
            assertEquals(0x800000, mem.readLong(0x7038));   // module: the initrd
            assertEquals(0x1234, mem.readLong(0x7040));
            assertEquals(0x100000, mem.readLong(0x7058 + 24));
            assertEquals(0xff00000, mem.readLong(0x7058 + 32));
            assertEquals(1, mem.readInt(0x7058 + 40));
        }
    }

    @Test
    void noInitrdNoModules() {
        try (GuestMemory mem = GuestMemory.allocate(List.of(new GuestMemory.Range(0, 0x10000)))) {
            PvhStartInfo.write(mem, 0x7000, 0x20000, 0, 0, 0, List.of());
            assertEquals(0, mem.readInt(0x700c));
            assertEquals(0, mem.readLong(0x7010));
            assertEquals(0x7038, mem.readLong(0x7028));
        }
    }
}
