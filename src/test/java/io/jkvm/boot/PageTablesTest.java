package io.jkvm.boot;

import io.jkvm.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PageTablesTest {
    private static final long GARBAGE = 0x5a5a_5a5a_5a5a_5a5aL;
    private GuestMemory memory;

    @BeforeEach
    void writeTables() {
        memory = GuestMemory.allocate(List.of(new GuestMemory.Range(0, 0x10000)));
        // What a previous guest or image left behind: the tables must not depend on zeroed RAM.
        for (long a = 0; a < 0x10000; a += 8) memory.writeLong(a, GARBAGE);
        PageTables.write(memory);
    }

    @AfterEach
    void close() {
        memory.close();
    }

    @Test
    void pml4HasOneEntry() {
        assertEquals(0xA007L, memory.readLong(0x9000));
        for (int i = 1; i < 512; i++) assertEquals(0L, memory.readLong(0x9000 + 8L * i), "PML4[" + i + "]");
    }

    @Test
    void pdptPointsAtFourDirectories() {
        assertEquals(0xB007L, memory.readLong(0xA000));
        assertEquals(0xC007L, memory.readLong(0xA008));
        assertEquals(0xD007L, memory.readLong(0xA010));
        assertEquals(0xE007L, memory.readLong(0xA018));
        for (int i = 4; i < 512; i++) assertEquals(0L, memory.readLong(0xA000 + 8L * i), "nothing past 4 GiB: PDPT[" + i + "]");
    }

    @Test
    void directoriesIdentityMapTwoMegabytePages() {
        for (long i = 0; i < 2048; i++) {
            assertEquals((i << 21) | 0x87, memory.readLong(0xB000 + 8 * i), "PD entry " + i);
        }
        assertEquals(0x87L, memory.readLong(0xB000));
        assertEquals(0xd000_0087L, memory.readLong(0xB000 + 8 * (0xd000_0000L >> 21)), "the entry mapping 0xd0000000");
        assertEquals(0xffe0_0087L, memory.readLong(0xEFF8), "the last 2 MiB below 4 GiB");
        assertEquals(GARBAGE, memory.readLong(0xF000), "no fifth directory");
        assertEquals(GARBAGE, memory.readLong(0x8ff8), "nothing below the PML4");
    }
}
