package io.jkvm.loader.multiboot;

import io.jkvm.JkvmException;
import io.jkvm.loader.E820Map;
import io.jkvm.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static io.jkvm.loader.multiboot.MultibootImages.DATA_FILESZ;
import static io.jkvm.loader.multiboot.MultibootImages.DATA_MEMSZ;
import static io.jkvm.loader.multiboot.MultibootImages.DATA_OFFSET;
import static io.jkvm.loader.multiboot.MultibootImages.DATA_PADDR;
import static io.jkvm.loader.multiboot.MultibootImages.ELF_ENTRY_PADDR;
import static io.jkvm.loader.multiboot.MultibootImages.MIB;
import static io.jkvm.loader.multiboot.MultibootImages.TEXT_OFFSET;
import static io.jkvm.loader.multiboot.MultibootImages.TEXT_PADDR;
import static io.jkvm.loader.multiboot.MultibootImages.TEXT_SIZE;
import static io.jkvm.loader.multiboot.MultibootImages.putInt;
import static io.jkvm.loader.multiboot.MultibootImages.putLong;
import static io.jkvm.loader.multiboot.MultibootImages.putShort;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MultibootImageTest {
    private final GuestMemory memory = GuestMemory.allocate(List.of(new GuestMemory.Range(0, 4 * MIB)));
    private final List<E820Map.Entry> map = E820Map.forRam(4 * MIB).entries();

    @AfterEach
    void close() {
        memory.close();
    }

    private static MultibootImage parse(byte[] b) {
        return MultibootImage.parse(b, MultibootHeader.require(b));
    }

    private void dirty(long from, int length) {
        byte[] d = new byte[length];
        Arrays.fill(d, (byte) 0xAA);
        memory.write(from, d);
    }

    @Test
    void aoutKludgeWithTheHeaderAtVariousOffsets() {
        // {file size, text offset in the file, header offset}
        int[][] cases = {{0x3000, 0, 0}, {0x3000, 0, 0x40}, {0x3000, 0x200, 0x200}, {0x3000, 0x200, 0x1000}, {0x4000, 0x1000, 0x1000}, {0x4000, 0x1000, 8192 - 32}};
        for (int[] c : cases) {
            long load = 0x20_0000;
            long loadEnd = load + 0x1800;
            long bssEnd = load + 0x5000;
            byte[] b = MultibootImages.aout(c[0], c[1], c[2], load, loadEnd, bssEnd, load + 0x20);
            MultibootImage image = parse(b);
            assertEquals(MultibootImage.Format.AOUT_KLUDGE, image.format());
            assertEquals(List.of(new MultibootImage.Segment(c[1], load, 0x1800, 0x5000)), image.segments(), "header at 0x" + Integer.toHexString(c[2]));
            assertEquals(load + 0x20, image.entry());
            assertEquals(load, image.start());
            assertEquals(bssEnd, image.end());

            dirty(load - 0x1000, 0x7000);
            image.check(memory, map, List.of());
            image.load(memory);
            assertArrayEquals(Arrays.copyOfRange(b, c[1], c[1] + 0x1800), memory.read(load, 0x1800));
            assertArrayEquals(new byte[0x5000 - 0x1800], memory.read(loadEnd, 0x5000 - 0x1800), "bss zeroed");
            assertEquals(0xAA, memory.readByte(load - 1), "nothing before load_addr");
            assertEquals(0xAA, memory.readByte(bssEnd), "nothing after bss_end_addr");
            assertEquals(Multiboot.MAGIC_HEADER, memory.readInt(load + c[2] - c[1]), "the header lands at header_addr");
        }
    }

    @Test
    void aoutLoadEndZeroLoadsTheRestOfTheFileAndBssZeroMeansNone() {
        byte[] b = MultibootImages.aout(0x2345, 0x100, 0x180, 0x10_0000, 0, 0, 0x10_0000);
        MultibootImage image = parse(b);
        assertEquals(List.of(new MultibootImage.Segment(0x100, 0x10_0000, 0x2245, 0x2245)), image.segments());
        dirty(0x10_0000, 0x3000);
        image.load(memory);
        assertArrayEquals(Arrays.copyOfRange(b, 0x100, b.length), memory.read(0x10_0000, 0x2245));
        assertEquals(0xAA, memory.readByte(0x10_2245));
    }

    @Test
    void aoutKludgeIsUsedEvenForAnElfFile() {
        byte[] b = MultibootImages.elf32();
        MultibootImages.header(b, 0x80, MultibootHeader.FLAG_AOUT_KLUDGE, 0x30_0080, 0x30_0000, 0x30_1000, 0, 0x30_0100);
        MultibootImage image = parse(b);
        assertEquals(MultibootImage.Format.AOUT_KLUDGE, image.format());
        assertEquals(List.of(new MultibootImage.Segment(0, 0x30_0000, 0x1000, 0x1000)), image.segments());
    }

    @Test
    void badAddressFields() {
        assertEquals("the multiboot load_addr 0x100040 is above header_addr 0x100000: it must not be (Multiboot 0.6.96, 3.1.3)",
                aoutError(b -> MultibootImages.header(b, 0x40, MultibootHeader.FLAG_AOUT_KLUDGE, 0x10_0000, 0x10_0040, 0, 0, 0x10_0040)));
        assertEquals("the multiboot header_addr 0x101000 and load_addr 0x100000 put the start of the text 0xfc0 bytes before the start of the file",
                aoutError(b -> MultibootImages.header(b, 0x40, MultibootHeader.FLAG_AOUT_KLUDGE, 0x10_1000, 0x10_0000, 0, 0, 0x10_0000)));
        assertEquals("the multiboot load_end_addr 0xfffff is below load_addr 0x100000",
                aoutError(b -> MultibootImages.header(b, 0x40, MultibootHeader.FLAG_AOUT_KLUDGE, 0x10_0040, 0x10_0000, 0xf_ffff, 0, 0x10_0000)));
        assertEquals("the multiboot header loads [0x100000, 0x103001) from file offset 0x0, past the end of the 12288-byte file: the image is truncated",
                aoutError(b -> MultibootImages.header(b, 0x40, MultibootHeader.FLAG_AOUT_KLUDGE, 0x10_0040, 0x10_0000, 0x10_3001, 0, 0x10_0000)));
        assertEquals("the multiboot bss_end_addr 0x100fff is below the end of the loaded image 0x101000",
                aoutError(b -> MultibootImages.header(b, 0x40, MultibootHeader.FLAG_AOUT_KLUDGE, 0x10_0040, 0x10_0000, 0x10_1000, 0x10_0fff, 0x10_0000)));
        assertEquals("the multiboot entry_addr 0x101000 lies outside the loaded image [0x100000, 0x101000)",
                aoutError(b -> MultibootImages.header(b, 0x40, MultibootHeader.FLAG_AOUT_KLUDGE, 0x10_0040, 0x10_0000, 0x10_1000, 0x10_2000, 0x10_1000)));
        assertEquals("the multiboot header loads nothing (load_addr 0x100000, nothing to its end)",
                aoutError(b -> MultibootImages.header(b, 0x40, MultibootHeader.FLAG_AOUT_KLUDGE, 0x10_0040, 0x10_0000, 0x10_0000, 0, 0x10_0000)));
        assertEquals("the multiboot image at 0xfffff000 (12288 bytes) reaches past 4 GiB: a multiboot kernel runs in 32-bit mode",
                aoutError(b -> MultibootImages.header(b, 0x40, MultibootHeader.FLAG_AOUT_KLUDGE, 0xffff_f040L, 0xffff_f000L, 0, 0, 0xffff_f000L)));
    }

    @Test
    void elf32TwoSegmentsWithBss() {
        checkElf(MultibootImages.elf32(), MultibootImage.Format.ELF32);
    }

    @Test
    void elf64TwoSegmentsWithBss() {
        checkElf(MultibootImages.elf64(), MultibootImage.Format.ELF64);
    }

    private void checkElf(byte[] b, MultibootImage.Format format) {
        MultibootImage image = parse(b);
        assertEquals(format, image.format());
        assertEquals(List.of(new MultibootImage.Segment(TEXT_OFFSET, TEXT_PADDR, TEXT_SIZE, TEXT_SIZE),
                new MultibootImage.Segment(DATA_OFFSET, DATA_PADDR, DATA_FILESZ, DATA_MEMSZ)), image.segments());
        assertEquals(ELF_ENTRY_PADDR, image.entry(), "higher-half e_entry translated through its segment");
        assertEquals(TEXT_PADDR, image.start());
        assertEquals(DATA_PADDR + DATA_MEMSZ, image.end());

        dirty(TEXT_PADDR - 0x1000, 0x8000);
        image.check(memory, map, List.of());
        image.load(memory);
        assertArrayEquals(Arrays.copyOfRange(b, TEXT_OFFSET, TEXT_OFFSET + TEXT_SIZE), memory.read(TEXT_PADDR, TEXT_SIZE));
        assertArrayEquals(Arrays.copyOfRange(b, DATA_OFFSET, DATA_OFFSET + DATA_FILESZ), memory.read(DATA_PADDR, DATA_FILESZ));
        assertArrayEquals(new byte[DATA_MEMSZ - DATA_FILESZ], memory.read(DATA_PADDR + DATA_FILESZ, DATA_MEMSZ - DATA_FILESZ), "bss zeroed");
        assertEquals(0xAA, memory.readByte(TEXT_PADDR - 1));
        assertEquals(0xAA, memory.readByte(TEXT_PADDR + TEXT_SIZE), "the gap between the segments is not written");
        assertEquals(0xAA, memory.readByte(DATA_PADDR + DATA_MEMSZ));
    }

    @Test
    void physicalElfEntryIsKept() {
        byte[] b = MultibootImages.elf32();
        putInt(b, 0x18, ELF_ENTRY_PADDR);
        assertEquals(ELF_ENTRY_PADDR, parse(b).entry());
        byte[] identity = MultibootImages.elf64();
        putLong(identity, 64 + 16, TEXT_PADDR);  // vaddr == paddr, entry in the text
        putLong(identity, 0x18, TEXT_PADDR + 0x44);
        assertEquals(TEXT_PADDR + 0x44, parse(identity).entry());
    }

    @Test
    void badElfFiles() {
        assertEquals("ELF32 machine 62 is not i386 (3)", elf32Error(b -> putShort(b, 0x12, 62)));
        assertEquals("ELF64 machine 3 is not x86-64 (62)", elf64Error(b -> putShort(b, 0x12, 3)));
        assertEquals("ELF class 3 is neither 32-bit (1) nor 64-bit (2)", elf32Error(b -> b[4] = 3));
        assertEquals("a big-endian ELF file: a multiboot kernel is little-endian x86", elf32Error(b -> b[5] = 2));
        assertEquals("ELF type 3 is not an executable (ET_EXEC): not a kernel image", elf32Error(b -> putShort(b, 0x10, 3)));
        assertEquals("ELF program header size 56 is not 32", elf32Error(b -> putShort(b, 0x2A, 56)));
        assertEquals("ELF file has no program headers", elf64Error(b -> putShort(b, 0x38, 0)));
        assertEquals("ELF program header table at 0x2800 (+64 bytes) lies past the end of the 10240-byte file: the image is truncated or corrupt",
                elf32Error(b -> putInt(b, 0x1C, 0x2800)));
        assertEquals("ELF segment 1 [file 0x2000, +0x801) lies past the end of the 10240-byte file: the image is truncated",
                elf32Error(b -> putInt(b, 52 + 32 + 16, DATA_FILESZ + 1)));
        assertEquals("ELF segment 0 has p_memsz 0x10 smaller than p_filesz 0x1000", elf64Error(b -> putLong(b, 64 + 40, 0x10)));
        assertEquals("ELF segment 1 at physical 0xfffff000 +0x3000 reaches past 4 GiB: a multiboot kernel runs in 32-bit mode",
                elf32Error(b -> putInt(b, 52 + 32 + 12, 0xffff_f000L)));
        assertEquals("ELF segment 0 at physical 0x100000000 +0x1000 reaches past 4 GiB: a multiboot kernel runs in 32-bit mode",
                elf64Error(b -> putLong(b, 64 + 24, 1L << 32)));
        assertEquals("ELF segments overlap in physical memory: [0x100000, 0x101000) and [0x100800, 0x103800)",
                elf64Error(b -> putLong(b, 64 + 56 + 24, TEXT_PADDR + 0x800)));
        assertEquals("ELF entry point 0x1234 lies in no loadable segment", elf32Error(b -> putInt(b, 0x18, 0x1234)));
        assertEquals("ELF file has no loadable (PT_LOAD) segment", elf32Error(b -> {
            putInt(b, 52, 4);
            putInt(b, 52 + 32, 4);
        }));
        assertEquals("the multiboot header has no address fields (flag 16) and the file is not ELF: jkvm cannot tell where to load it",
                elf32Error(b -> b[1] = 'X'));
    }

    @Test
    void truncatedElfFile() {
        byte[] b = Arrays.copyOf(MultibootImages.elf64(), 0x2400);  // half the data segment's bytes are gone
        assertEquals("ELF segment 1 [file 0x2000, +0x800) lies past the end of the 9216-byte file: the image is truncated",
                assertThrows(JkvmException.class, () -> parse(b)).getMessage());
        byte[] header = Arrays.copyOf(MultibootImages.elf32(), 0x100);
        assertEquals("ELF segment 0 [file 0x1000, +0x1000) lies past the end of the 256-byte file: the image is truncated",
                assertThrows(JkvmException.class, () -> parse(header)).getMessage());
    }

    @Test
    void segmentOutsideRam() {
        byte[] b = MultibootImages.elf32();
        putInt(b, 52 + 32 + 12, 4 * MIB - 0x1000);  // the data segment's bss runs past 4 MiB
        putInt(b, 52 + 32 + 8, 4 * MIB - 0x1000);
        assertEquals("multiboot kernel segment [0x3ff000, 0x402000) lies outside guest RAM (4 MiB): give the guest more memory",
                assertThrows(JkvmException.class, () -> parse(b).check(memory, map, List.of())).getMessage());
    }

    @Test
    void segmentInJkvmsLowPageOrAReservedArea() {
        byte[] low = MultibootImages.aout(0x3000, 0, 0, 0x800, 0x1800, 0, 0x800);
        assertEquals("multiboot kernel segment [0x800, 0x1800) overlaps [0x0, 0x1000), where jkvm keeps the real-mode IVT and its GDT: link the kernel higher (1 MiB is usual)",
                assertThrows(JkvmException.class, () -> parse(low).check(memory, map, List.of())).getMessage());
        // reserved outside the legacy BIOS area (as KVM's identity-map and TSS pages are, at 4 GiB - ...)
        List<E820Map.Entry> withHole = List.of(new E820Map.Entry(0, 0x20_0000, E820Map.E820_RAM),
                new E820Map.Entry(0x20_0000, 0x1000, E820Map.E820_RESERVED), new E820Map.Entry(0x20_1000, 4 * MIB - 0x20_1000, E820Map.E820_RAM));
        byte[] hole = MultibootImages.aout(0x3000, 0, 0, 0x1f_f000, 0x20_1000, 0, 0x1f_f000);
        assertEquals("multiboot kernel segment [0x1ff000, 0x201000) overlaps [0x200000, 0x201000) reserved in the memory map: link the kernel elsewhere (1 MiB is usual)",
                assertThrows(JkvmException.class, () -> parse(hole).check(memory, withHole, List.of())).getMessage());
    }

    @Test
    void segmentOverJkvmsAcpiTablesIsRefused() {
        List<MultibootLoader.Occupied> acpi = List.of(new MultibootLoader.Occupied("jkvm's ACPI tables", new AddressRange(0xe_0000, 0xe_0400)));
        byte[] b = MultibootImages.aout(0x3000, 0, 0, 0xe_0000, 0xe_2000, 0, 0xe_0000);
        assertEquals("multiboot kernel segment [0xe0000, 0xe2000) overlaps jkvm's ACPI tables at [0xe0000, 0xe0400): link the kernel elsewhere (1 MiB is usual)",
                assertThrows(JkvmException.class, () -> parse(b).check(memory, map, acpi)).getMessage());
        byte[] bss = MultibootImages.aout(0x3000, 0, 0, 0xd_f000, 0xd_f800, 0xe_0001, 0xd_f000);
        assertEquals("multiboot kernel segment [0xdf000, 0xe0001) overlaps jkvm's ACPI tables at [0xe0000, 0xe0400): link the kernel elsewhere (1 MiB is usual)",
                assertThrows(JkvmException.class, () -> parse(bss).check(memory, map, acpi)).getMessage(), "its bss counts too");
        parse(MultibootImages.aout(0x3000, 0, 0, 0xe_0400, 0xe_2000, 0, 0xe_0400)).check(memory, map, acpi);
    }

    /**
     * Plain {@code ld -Ttext 0x100000} puts the ELF headers in a PT_LOAD at 0xff000, in the BIOS
     * area the memory map reserves. QEMU loads it there (its buffer starts at elf_low); so does jkvm.
     */
    @Test
    void plainLdHeaderSegmentLoadsInTheBiosArea() {
        byte[] b = MultibootImages.elf32PlainLd();
        MultibootImage image = parse(b);
        assertEquals(List.of(new MultibootImage.Segment(0, 0xf_f000, 0x94, 0x94), new MultibootImage.Segment(0x1000, 0x10_0000, 0x400, 0x400),
                new MultibootImage.Segment(0x2000, 0x10_1000, 4, 0x4000)), image.segments());
        assertEquals(0xf_f000, image.start(), "QEMU: elf_low");
        assertEquals(0x10_5000, image.end(), "QEMU: elf_high");
        assertEquals(0x10_0000, image.entry());
        dirty(0xf_f000, 0x7000);
        image.check(memory, map, List.of(new MultibootLoader.Occupied("jkvm's ACPI tables", new AddressRange(0xe_0000, 0xe_0400))));
        image.load(memory);
        assertArrayEquals(Arrays.copyOf(b, 0x94), memory.read(0xf_f000, 0x94), "the ELF header at 0xff000");
        assertArrayEquals(Arrays.copyOfRange(b, 0x1000, 0x1400), memory.read(0x10_0000, 0x400));
        assertArrayEquals(new byte[0x4000 - 4], memory.read(0x10_1004, 0x4000 - 4), "bss zeroed");

        // anywhere in [EBDA, 1 MiB) clear of the tables, as under QEMU; the EBDA too (jkvm keeps nothing there)
        parse(MultibootImages.aout(0x3000, 0, 0, 0x9_f000, 0xa_0000, 0, 0x9_f000)).check(memory, map, List.of());
        parse(MultibootImages.aout(0x3000, 0, 0, 0xf_e000, 0x10_1000, 0, 0xf_e000)).check(memory, map, List.of());
    }

    /** Random damage and truncation: a one-line JkvmException or a clean load, nothing else. */
    @Test
    void malformedFilesFailCleanly() {
        byte[][] goods = {MultibootImages.elf32(), MultibootImages.elf64(), MultibootImages.aout(0x3000, 0x100, 0x140, 0x10_0000, 0x10_2000, 0x10_4000, 0x10_0000)};
        Random random = new Random(11);
        for (int round = 0; round < 20_000; round++) {
            byte[] b = goods[round % goods.length].clone();
            for (int n = 1 + random.nextInt(4); n > 0; n--) {
                int at = random.nextBoolean() ? random.nextInt(0x100) : 0x80 + random.nextInt(0xC0);
                b[at] = (byte) (random.nextInt(4) == 0 ? 0xff : random.nextInt(256));
            }
            loadOrOneLineError(b);
        }
        for (byte[] good : goods) {
            for (int len = 0; len <= good.length; len += 7) loadOrOneLineError(Arrays.copyOf(good, len));
        }
    }

    private void loadOrOneLineError(byte[] b) {
        try {
            MultibootImage image = parse(b);
            image.check(memory, map, List.of());
            image.load(memory);
            image.toString();
        } catch (JkvmException e) {
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }

    private interface Edit { void apply(byte[] b); }

    private static String aoutError(Edit edit) {
        byte[] b = MultibootImages.pattern(0x3000);
        edit.apply(b);
        return assertThrows(JkvmException.class, () -> parse(b)).getMessage();
    }

    private static String elf32Error(Edit edit) {
        byte[] b = MultibootImages.elf32();
        edit.apply(b);
        return assertThrows(JkvmException.class, () -> parse(b)).getMessage();
    }

    private static String elf64Error(Edit edit) {
        byte[] b = MultibootImages.elf64();
        edit.apply(b);
        return assertThrows(JkvmException.class, () -> parse(b)).getMessage();
    }
}
