package io.jkvm.loader;

import io.jkvm.JkvmException;
import io.jkvm.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static io.jkvm.loader.SyntheticImages.DATA_FILESZ;
import static io.jkvm.loader.SyntheticImages.DATA_MEMSZ;
import static io.jkvm.loader.SyntheticImages.DATA_PADDR;
import static io.jkvm.loader.SyntheticImages.ENTRY_PADDR;
import static io.jkvm.loader.SyntheticImages.KERNEL_MAP;
import static io.jkvm.loader.SyntheticImages.PVH_ENTRY;
import static io.jkvm.loader.SyntheticImages.TEXT_PADDR;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ElfKernelTest {
    private static final long MIB = 1L << 20;
    private final GuestMemory memory = GuestMemory.allocate(List.of(new GuestMemory.Range(0, 4 * MIB)));

    @AfterEach
    void close() {
        memory.close();
    }

    @Test
    void parsesSegmentsEntryAndPvhNote() {
        ElfKernel k = ElfKernel.parse(SyntheticImages.elf());
        assertEquals(2, k.segments().size());
        assertEquals(new ElfKernel.Segment(0x1000, KERNEL_MAP + TEXT_PADDR, TEXT_PADDR, 0x1000, 0x1000, 5), k.segments().get(0));
        assertEquals(KERNEL_MAP + ENTRY_PADDR, k.entryField());
        assertEquals(ENTRY_PADDR, k.entry(), "virtual e_entry translated through its segment");
        assertEquals(PVH_ENTRY, k.pvhEntry().orElseThrow());
        assertEquals(TEXT_PADDR, k.physStart());
        assertEquals(DATA_PADDR + DATA_MEMSZ, k.physEnd());
    }

    @Test
    void loadsByPhysicalAddressAndZeroesBss() {
        byte[] elf = SyntheticImages.elf();
        byte[] dirt = new byte[(int) DATA_MEMSZ];
        Arrays.fill(dirt, (byte) 0xAA);
        memory.write(DATA_PADDR, dirt);

        ElfKernel.parse(elf).load(memory);

        assertArrayEquals(Arrays.copyOfRange(elf, 0x1000, 0x2000), memory.read(TEXT_PADDR, 0x1000));
        assertEquals(0xf4, memory.readByte(ENTRY_PADDR));
        assertArrayEquals(Arrays.copyOfRange(elf, 0x2000, 0x2000 + (int) DATA_FILESZ), memory.read(DATA_PADDR, (int) DATA_FILESZ));
        assertArrayEquals(new byte[(int) (DATA_MEMSZ - DATA_FILESZ)], memory.read(DATA_PADDR + DATA_FILESZ, (int) (DATA_MEMSZ - DATA_FILESZ)), "bss zeroed");
        assertEquals(0, memory.readByte(DATA_PADDR + DATA_MEMSZ - 1));
        assertEquals(0, memory.readByte(TEXT_PADDR - 1), "nothing written before the first segment");
    }

    @Test
    void physicalEntryAsLinuxHasIt() {
        byte[] elf = SyntheticImages.elf();
        SyntheticImages.putLong(elf, 0x18, ENTRY_PADDR);  // vmlinux: ENTRY(phys_startup_64)
        assertEquals(ENTRY_PADDR, ElfKernel.parse(elf).entry());
    }

    @Test
    void pvhNoteInASectionOnly() {
        ElfKernel k = ElfKernel.parse(SyntheticImages.elf(false, true));
        assertEquals(PVH_ENTRY, k.pvhEntry().orElseThrow());
    }

    @Test
    void noPvhNote() {
        assertFalse(ElfKernel.parse(SyntheticImages.elf(true, false)).pvhEntry().isPresent());
    }

    @Test
    void segmentOutsideRam() {
        byte[] elf = SyntheticImages.elf();
        SyntheticImages.putLong(elf, 64 + 56 + 24, 4 * MIB - 0x1000);  // data p_paddr: its bss runs past 4 MiB
        JkvmException e = assertThrows(JkvmException.class, () -> ElfKernel.parse(elf).load(memory));
        assertEquals("ELF segment 1 [0x3ff000, 0x402000) lies outside guest RAM (4 MiB): give the guest more memory", e.getMessage());
        assertEquals(0, memory.readByte(TEXT_PADDR), "nothing loaded when any segment does not fit");
    }

    @Test
    void rejectsWhatIsNotAnX86_64Kernel() {
        assertEquals("not an ELF file (no 7f 'E' 'L' 'F' magic)", error(b -> b[1] = 'X'));
        assertEquals("a 32-bit ELF file: jkvm loads 64-bit (ELFCLASS64) kernels", error(b -> b[4] = 1));
        assertEquals("a big-endian ELF file: an x86-64 kernel is little-endian", error(b -> b[5] = 2));
        assertEquals("ELF machine 3 is not x86-64 (62)", error(b -> SyntheticImages.putShort(b, 0x12, 3)));
        assertEquals("ELF type 3 is not an executable (ET_EXEC): not a kernel image", error(b -> SyntheticImages.putShort(b, 0x10, 3)));
        assertEquals("ELF program header size 32 is not 56", error(b -> SyntheticImages.putShort(b, 0x36, 32)));
        assertEquals("ELF file has no program headers", error(b -> SyntheticImages.putShort(b, 0x38, 0)));
        assertTrue(error(b -> SyntheticImages.putLong(b, 0x20, 0x7fff_0000L)).startsWith("ELF program header table at 0x7fff0000"));
        assertTrue(error(b -> SyntheticImages.putLong(b, 64 + 32, 0x10_0000)).startsWith("ELF segment 0 [file 0x1000, +0x100000) lies past the end"));
        assertTrue(error(b -> SyntheticImages.putLong(b, 64 + 40, 0x10)).startsWith("ELF segment 0 has p_memsz 0x10 smaller than p_filesz"));
        assertTrue(error(b -> SyntheticImages.putLong(b, 64 + 24, -0x1000L)).contains("beyond the 52-bit physical address space"));
        assertTrue(error(b -> SyntheticImages.putLong(b, 64 + 56 + 24, TEXT_PADDR + 0x800)).startsWith("ELF segments overlap"));
        assertEquals("ELF entry point 0x1234 lies in no executable segment", error(b -> SyntheticImages.putLong(b, 0x18, 0x1234)));
        assertTrue(error(b -> SyntheticImages.putInt(b, 0x3000 + 4, 0x1000)).startsWith("corrupt ELF note"));
        assertEquals("not an ELF file (no 7f 'E' 'L' 'F' magic)",
                assertThrows(JkvmException.class, () -> ElfKernel.parse(new byte[3])).getMessage());
    }

    /** Random damage to headers and notes, and truncation anywhere: a JkvmException or a load, nothing else. */
    @Test
    void malformedFilesFailCleanly() {
        byte[] good = SyntheticImages.elf();
        byte[] sectionNotes = SyntheticImages.elf(false, true);
        Random random = new Random(7);
        for (int round = 0; round < 20_000; round++) {
            byte[] b = (round % 2 == 0 ? good : sectionNotes).clone();
            for (int n = 1 + random.nextInt(4); n > 0; n--) {
                int at = switch (random.nextInt(3)) {
                    case 0 -> random.nextInt(64);                 // ELF header
                    case 1 -> 64 + random.nextInt(3 * 56);        // program headers
                    default -> random.nextBoolean() ? 0x3000 + random.nextInt(0x40) : 0x4000 + random.nextInt(128); // notes, sections
                };
                b[at] = (byte) (random.nextInt(4) == 0 ? 0xff : random.nextInt(256));
            }
            loadOrJkvmError(b);
        }
        for (int len = 0; len <= good.length; len += 13) loadOrJkvmError(Arrays.copyOf(good, len));
    }

    private void loadOrJkvmError(byte[] b) {
        try {
            ElfKernel k = ElfKernel.parse(b);
            k.load(memory);
            k.toString();
        } catch (JkvmException expected) {
            // the one error type
        }
    }

    /** The vmlinux inside Debian's bzImage, decompressed on the host (the payload is LZ4). */
    @Test
    void debianVmlinux() {
        byte[] vmlinux = TestKernel.vmlinux();
        BzImage bz = BzImage.parse(TestKernel.bzImage());
        assertEquals(KernelImage.ELF64, KernelImage.detect(vmlinux));
        ElfKernel k = ElfKernel.parse(vmlinux);
        System.out.println("Debian vmlinux: " + k);

        assertEquals(bz.prefAddress(), k.physStart(), "vmlinux starts where the bzImage prefers to load");
        assertEquals(bz.prefAddress(), k.entry(), "startup_64 at the start of .text, e_entry already physical");
        long pvh = k.pvhEntry().orElseThrow();
        assertTrue(pvh > k.entry() && pvh < k.entry() + 0x10_0000, "pvh_start_xen early in .text: 0x" + Long.toHexString(pvh));
        assertTrue(k.physEnd() - k.physStart() <= bz.initSize(), "the kernel's span fits in init_size");
        ElfKernel.Segment text = k.segments().get(0);
        assertEquals(0xffff_ffff_8100_0000L, text.vaddr());

        long ram = BzImage.alignUp(k.physEnd(), MIB);
        try (GuestMemory mem = GuestMemory.allocate(List.of(new GuestMemory.Range(0, ram)))) {
            k.load(mem);
            assertArrayEquals(Arrays.copyOfRange(vmlinux, (int) text.offset(), (int) text.offset() + 4096), mem.read(text.paddr(), 4096));
        }
    }

    private interface Edit { void apply(byte[] b); }

    private static String error(Edit edit) {
        byte[] b = SyntheticImages.elf();
        edit.apply(b);
        return assertThrows(JkvmException.class, () -> ElfKernel.parse(b)).getMessage();
    }
}
