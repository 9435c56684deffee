package io.jkvm.loader.multiboot;

import io.jkvm.JkvmException;
import io.jkvm.loader.E820Map;
import io.jkvm.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static io.jkvm.loader.multiboot.MultibootImages.MIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MultibootLoaderTest {
    private static final long RAM = 16 * MIB;
    private static final String CMDLINE = "kernel.bin console=ttyS0";
    private final GuestMemory memory = GuestMemory.allocate(List.of(new GuestMemory.Range(0, RAM)));
    private final List<E820Map.Entry> map = E820Map.forRam(RAM).entries();
    private final byte[] modA = MultibootImages.pattern(0x1234);
    private final byte[] modB = {1, 2, 3, 4, 5};
    private final List<MultibootLoader.Module> modules = List.of(new MultibootLoader.Module(modA, "modA.bin x=1"), new MultibootLoader.Module(modB, "modB"));

    @AfterEach
    void close() {
        memory.close();
    }

    @Test
    void aoutKernelWithTwoModules() {
        byte[] kernel = MultibootImages.aout(0x3000, 0, 0x40, 0x10_0000, 0x10_2000, 0x10_5000, 0x10_0080);
        MultibootLoader.Loaded l = MultibootLoader.load(memory, kernel, "kernel.bin", CMDLINE, modules, map);

        assertEquals(0x10_0080, l.entry());
        assertEquals(0x9500, l.infoAddress(), "QEMU's ADDR_MBI");
        assertEquals(new AddressRange(0x10_0000, 0x10_5000), l.image());
        assertEquals(List.of(new AddressRange(0x10_5000, 0x10_6234), new AddressRange(0x10_7000, 0x10_7005)), l.modules());
        assertEquals(MultibootImage.Format.AOUT_KLUDGE, l.format());
        assertEquals("multiboot kernel (a.out kludge), entry 0x100080, 2 modules", l.description());

        assertArrayEquals(Arrays.copyOf(kernel, 0x2000), memory.read(0x10_0000, 0x2000));
        assertArrayEquals(modA, memory.read(0x10_5000, modA.length));
        assertArrayEquals(modB, memory.read(0x10_7000, modB.length));
        checkInfo(l);
    }

    private void checkInfo(MultibootLoader.Loaded l) {
        long info = l.infoAddress();
        assertEquals(MultibootInfo.FLAGS, memory.readInt(info));
        assertEquals(639, memory.readInt(info + 4));
        assertEquals(15 * 1024, memory.readInt(info + 8));
        assertEquals(CMDLINE, cString(memory.readInt(info + 16)));
        assertEquals(l.modules().size(), memory.readInt(info + 20));
        long table = memory.readInt(info + 24);
        String[] strings = {"modA.bin x=1", "modB"};
        for (int i = 0; i < l.modules().size(); i++) {
            assertEquals(l.modules().get(i).start(), memory.readInt(table + 16L * i));
            assertEquals(l.modules().get(i).end(), memory.readInt(table + 16L * i + 4));
            assertEquals(strings[i], cString(memory.readInt(table + 16L * i + 8)));
        }
        assertEquals(map.size() * 24, memory.readInt(info + 44));
        long mmap = memory.readInt(info + 48);
        assertEquals(l.infoAddress() - 0x500, mmap);
        assertEquals(0x10_0000, memory.readLong(mmap + 2 * 24 + 4));
        assertEquals("jkvm", cString(memory.readInt(info + 64)));
    }

    @Test
    void elf32KernelWithTwoModules() {
        MultibootLoader.Loaded l = MultibootLoader.load(memory, MultibootImages.elf32(), "kernel.elf", CMDLINE, modules, map);
        assertEquals("multiboot kernel (ELF32), entry 0x100010, 2 modules", l.description());
        assertEquals(new AddressRange(0x10_0000, 0x10_5000), l.image());
        assertEquals(0x9500, l.infoAddress());
        assertEquals(List.of(new AddressRange(0x10_5000, 0x10_6234), new AddressRange(0x10_7000, 0x10_7005)), l.modules());
        assertEquals(0x10_0010, l.entry());
        checkInfo(l);
    }

    @Test
    void elf64KernelWithOneModuleAndAVideoModeRequest() {
        byte[] kernel = MultibootImages.elf64();
        MultibootImages.header(kernel, MultibootImages.ELF64_HEADER_AT, MultibootHeader.FLAG_VIDEO_MODE | 3);
        MultibootLoader.Loaded l = MultibootLoader.load(memory, kernel, "kernel64.elf", "", modules.subList(0, 1), map);
        assertEquals("multiboot kernel (ELF64), entry 0x100010, 1 module, video mode request ignored", l.description());
        assertEquals(MultibootImage.Format.ELF64, l.format());
        assertEquals(0, memory.readByte(memory.readInt(l.infoAddress() + 16)), "an empty command line");
        assertEquals("multiboot kernel (ELF64), entry 0x100010, no modules, video mode request ignored",
                MultibootLoader.load(memory, kernel, "kernel64.elf", "", List.of(), map).description());
    }

    @Test
    void kernelLoadedLowPushesTheInformationAboveIt() {
        byte[] kernel = MultibootImages.aout(0x3000, 0, 0x40, 0x8000, 0xA000, 0x2_0000, 0x8000);
        MultibootLoader.Loaded l = MultibootLoader.load(memory, kernel, "low.bin", CMDLINE, modules, map);
        assertEquals(0x2_0500, l.infoAddress(), "block on the first page after the bss");
        assertEquals(List.of(new AddressRange(0x2_1000, 0x2_2234), new AddressRange(0x2_3000, 0x2_3005)), l.modules());
        assertArrayEquals(Arrays.copyOf(kernel, 0x2000), memory.read(0x8000, 0x2000), "the kernel is not overwritten");
        assertArrayEquals(new byte[0x2_0000 - 0xA000], memory.read(0xA000, 0x2_0000 - 0xA000), "nor its bss");
        checkInfo(l);
    }

    /**
     * A plain {@code ld -Ttext 0x100000} kernel: its ELF-header segment goes to 0xff000 and the
     * image is [0xff000, bss end), as QEMU's buffer is [elf_low, elf_high); the information stays
     * at 0x9500 and the modules follow the bss on page boundaries, as in QEMU.
     */
    @Test
    void plainLdKernelWithTwoModules() {
        byte[] kernel = MultibootImages.elf32PlainLd();
        MultibootLoader.Loaded l = MultibootLoader.load(memory, kernel, "plain.elf", CMDLINE, modules, map,
                List.of(new MultibootLoader.Occupied("jkvm's ACPI tables", new AddressRange(0xe_0000, 0xe_0400))));
        assertEquals("multiboot kernel (ELF32), entry 0x100000, 2 modules", l.description());
        assertEquals(new AddressRange(0xf_f000, 0x10_5000), l.image());
        assertEquals(0x9500, l.infoAddress());
        assertEquals(List.of(new AddressRange(0x10_5000, 0x10_6234), new AddressRange(0x10_7000, 0x10_7005)), l.modules());
        assertArrayEquals(Arrays.copyOf(kernel, MultibootImages.PLAIN_HEADERS_SIZE), memory.read(0xf_f000, MultibootImages.PLAIN_HEADERS_SIZE));
        checkInfo(l);
    }

    @Test
    void badFilesAreNamed() {
        byte[] kernel = MultibootImages.aout(0x3000, 0, 0x40, 0x10_0000, 0x10_2000, 0x10_5000, 0x10_0080);
        kernel[0x48] ^= 1;
        assertEquals("kernel.bin: the multiboot header at file offset 0x40 has a bad checksum 0xe4514ffa: magic + flags (0x10003) + checksum must be 0 mod 2^32",
                assertThrows(JkvmException.class, () -> MultibootLoader.load(memory, kernel, "kernel.bin", "", List.of(), map)).getMessage());
        assertEquals("x.bin: no multiboot header (magic 0x1BADB002, 32-bit aligned, in the first 8192 bytes): not a multiboot kernel",
                assertThrows(JkvmException.class, () -> MultibootLoader.load(memory, new byte[0x3000], "x.bin", "", List.of(), map)).getMessage());
        byte[] elf = MultibootImages.elf32();
        MultibootImages.putInt(elf, 52 + 32 + 16, 0x10_0000);
        assertEquals("k.elf: ELF segment 1 [file 0x2000, +0x100000) lies past the end of the 10240-byte file: the image is truncated",
                assertThrows(JkvmException.class, () -> MultibootLoader.load(memory, elf, "k.elf", "", List.of(), map)).getMessage());
    }

    @Test
    void nothingIsWrittenWhenSomethingDoesNotFit() {
        byte[] kernel = MultibootImages.aout(0x3000, 0, 0x40, 0x10_0000, 0x10_2000, 0x10_5000, 0x10_0080);
        List<MultibootLoader.Module> big = List.of(new MultibootLoader.Module(new byte[(int) (15 * MIB)], "big"));
        assertEquals("the multiboot modules (15 MiB in all) do not fit in guest RAM below 0x1000000 after the kernel at [0x100000, 0x105000): give the guest more memory",
                assertThrows(JkvmException.class, () -> MultibootLoader.load(memory, kernel, "kernel.bin", "", big, map)).getMessage());
        assertArrayEquals(new byte[0x2000], memory.read(0x10_0000, 0x2000), "kernel not written");
        assertArrayEquals(new byte[0x600], memory.read(0x9000, 0x600), "no boot information");

        byte[] high = MultibootImages.aout(0x3000, 0, 0x40, RAM - 0x1000, RAM + 0x1000, 0, RAM - 0x1000);
        assertEquals("multiboot kernel segment [0xfff000, 0x1001000) lies outside guest RAM (16 MiB): give the guest more memory",
                assertThrows(JkvmException.class, () -> MultibootLoader.load(memory, high, "kernel.bin", "", List.of(), map)).getMessage());
        assertArrayEquals(new byte[0x1000], memory.read(RAM - 0x1000, 0x1000));
    }

    private String cString(long at) {
        StringBuilder sb = new StringBuilder();
        for (long p = at; memory.readByte(p) != 0; p++) sb.append((char) memory.readByte(p));
        return sb.toString();
    }
}
