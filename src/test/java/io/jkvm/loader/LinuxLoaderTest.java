package io.jkvm.loader;

import io.jkvm.JkvmException;
import io.jkvm.boot.Layout;
import io.jkvm.memory.GuestMemory;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinuxLoaderTest {
    private static final long MIB = 1L << 20;
    /** HOST-NOTES.md's command line, shortened. */
    private static final String CMDLINE = "console=ttyS0 quiet nokaslr noxsave mitigations=off nopti panic=-1 reboot=t";

    /** boot_params fits the page Layout keeps for it. */
    @Test
    void zeroPageFitsItsPage() {
        assertTrue(ZeroPage.SIZE <= Layout.ZERO_PAGE_SIZE);
        assertEquals(0, Layout.ZERO_PAGE_ADDR % Layout.PAGE_SIZE);
    }

    @Test
    void debianBzImageWithInitrd() {
        byte[] image = TestKernel.bzImage();
        BzImage kernel = BzImage.parse(image);
        byte[] initrd = new byte[3 * (int) MIB + 5];
        for (int i = 0; i < initrd.length; i++) initrd[i] = (byte) (i * 31);

        try (GuestMemory mem = GuestMemory.allocate(Layout.ramRanges(128 * MIB))) {
            LinuxLoader.Loaded l = LinuxLoader.loadBzImage(mem, kernel, new LinuxLoader.Options(CMDLINE, initrd, 0, List.of()));

            assertEquals(0x100_0200, l.entry(), "64-bit entry: pref_address + 0x200");
            assertEquals(Layout.ZERO_PAGE_ADDR, l.bootParams());
            assertEquals(128 * MIB - 3 * MIB - 0x1000, l.initrdAddr(), "as high as possible: 3 MiB + 5 bytes take 3 MiB + a page");
            assertArrayEquals(Arrays.copyOfRange(image, (int) kernel.setupSize(), (int) kernel.setupSize() + 8192), mem.read(0x100_0000, 8192));
            assertArrayEquals(initrd, mem.read(l.initrdAddr(), initrd.length));
            assertEquals(CMDLINE + "\0", new String(mem.read(Layout.CMDLINE_ADDR, CMDLINE.length() + 1), StandardCharsets.US_ASCII));

            long zp = Layout.ZERO_PAGE_ADDR;
            assertEquals(0xAA55, mem.readInt(zp + 0x1FE) & 0xffff);
            assertEquals(0x020F, mem.readInt(zp + 0x206) & 0xffff);
            assertEquals(0xFF, mem.readByte(zp + 0x210), "type_of_loader");
            assertEquals(0x81, mem.readByte(zp + 0x211) & 0x81, "LOADED_HIGH | CAN_USE_HEAP");
            assertEquals(Layout.CMDLINE_ADDR, mem.readInt(zp + 0x228));
            assertEquals(l.initrdAddr(), mem.readInt(zp + 0x218));
            assertEquals(initrd.length, mem.readInt(zp + 0x21C));
            assertEquals(kernel.initSize(), mem.readInt(zp + 0x260) & 0xffff_ffffL, "init_size copied with the header");
            assertEquals(l.e820().entries().size(), mem.readByte(zp + 0x1E8));
            assertEquals(0x100000L, mem.readLong(zp + 0x2D0 + 2 * 20), "third e820 entry: RAM from 1 MiB");
            assertEquals(128 * MIB - 0x100000, mem.readLong(zp + 0x2D0 + 2 * 20 + 8));
        }
    }

    @Test
    void syntheticBzImage() {
        BzImage kernel = BzImage.parse(SyntheticImages.bytes(SyntheticImages.bzImage()));
        try (GuestMemory mem = GuestMemory.allocate(Layout.ramRanges(32 * MIB))) {
            LinuxLoader.Loaded l = LinuxLoader.loadBzImage(mem, kernel, LinuxLoader.Options.of("console=ttyS0"));
            assertEquals(0x100_0200, l.entry());
            assertEquals(0, l.initrdAddr());
            assertEquals(0, mem.readInt(Layout.ZERO_PAGE_ADDR + 0x218), "no ramdisk");
            assertEquals(0, mem.readByte(Layout.CMDLINE_ADDR + "console=ttyS0".length()), "NUL-terminated");
        }
    }

    @Test
    void commandLineTooLongForTheKernel() {
        BzImage kernel = BzImage.parse(SyntheticImages.bytes(SyntheticImages.bzImage()));
        try (GuestMemory mem = GuestMemory.allocate(Layout.ramRanges(32 * MIB))) {
            JkvmException e = assertThrows(JkvmException.class,
                    () -> LinuxLoader.loadBzImage(mem, kernel, LinuxLoader.Options.of("x".repeat(2048))));
            assertEquals("the kernel command line is 2048 bytes; this kernel takes at most 2047", e.getMessage());
            assertEquals(0, mem.readByte(0x100_0000), "nothing loaded");
        }
    }

    @Test
    void a32BitOnlyBzImageIsRefused() {
        ByteBuffer b = SyntheticImages.bzImage();
        b.putShort(SetupHeader.XLOADFLAGS, (short) 0);
        BzImage kernel = BzImage.parse(SyntheticImages.bytes(b));
        try (GuestMemory mem = GuestMemory.allocate(Layout.ramRanges(32 * MIB))) {
            assertThrows(JkvmException.class, () -> LinuxLoader.loadBzImage(mem, kernel, LinuxLoader.Options.of("")));
        }
    }

    @Test
    void elfKernelWithZeroPage() {
        byte[] elf = SyntheticImages.elf();
        try (GuestMemory mem = GuestMemory.allocate(Layout.ramRanges(16 * MIB))) {
            LinuxLoader.Loaded l = LinuxLoader.loadElf(mem, ElfKernel.parse(elf),
                    new LinuxLoader.Options("root=/dev/vda", new byte[100], 0xE_0000, List.of()));
            assertEquals(SyntheticImages.ENTRY_PADDR, l.entry());
            assertEquals(16 * MIB - 0x1000, l.initrdAddr());
            long zp = Layout.ZERO_PAGE_ADDR;
            assertEquals(0x53726448, mem.readInt(zp + 0x202));
            assertEquals(0xE_0000L, mem.readLong(zp + 0x070), "acpi_rsdp_addr");
            assertEquals(100, mem.readInt(zp + 0x21C));
        }
    }

    @Test
    void elfBelowOneMiBIsRefused() {
        byte[] elf = SyntheticImages.elf();
        SyntheticImages.putLong(elf, 64 + 24, 0x8000);  // text at 32 KiB, over the page tables
        try (GuestMemory mem = GuestMemory.allocate(Layout.ramRanges(16 * MIB))) {
            JkvmException e = assertThrows(JkvmException.class, () -> LinuxLoader.loadElf(mem, ElfKernel.parse(elf), LinuxLoader.Options.of("")));
            assertTrue(e.getMessage().startsWith("the ELF kernel starts at 0x8000, below 1 MiB"));
        }
    }
}
