package io.jkvm.platform;

import io.jkvm.config.MultibootKernel;
import io.jkvm.boot.Layout;
import io.jkvm.devices.fwcfg.FwCfgKernelItems;
import io.jkvm.loader.multiboot.MultibootImages;
import io.jkvm.loader.multiboot.MultibootInfo;
import io.jkvm.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

import static io.jkvm.devices.fwcfg.FwCfgKeys.INITRD_ADDR;
import static io.jkvm.devices.fwcfg.FwCfgKeys.INITRD_DATA;
import static io.jkvm.devices.fwcfg.FwCfgKeys.INITRD_SIZE;
import static io.jkvm.devices.fwcfg.FwCfgKeys.KERNEL_ADDR;
import static io.jkvm.devices.fwcfg.FwCfgKeys.KERNEL_DATA;
import static io.jkvm.devices.fwcfg.FwCfgKeys.KERNEL_ENTRY;
import static io.jkvm.devices.fwcfg.FwCfgKeys.KERNEL_SIZE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link MultibootBoot}: the fw_cfg kernel items for synthetic multiboot kernels, as QEMU's load_multiboot names them. */
class MultibootBootTest {
    private static final long RAM = 16 * MultibootImages.MIB;
    private static final long INFO = 0x9500;
    private final GuestMemory memory = GuestMemory.allocate(Layout.ramRanges(RAM));
    private final byte[] module = MultibootImages.pattern(0x1234);

    @AfterEach
    void close() {
        memory.close();
    }

    private static byte[] le32(long v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array();
    }

    private MultibootBoot.Result load(byte[] kernel) {
        return MultibootBoot.load(memory, new MultibootKernel(kernel, "kernel.bin", "console=ttyS0",
                List.of(new MultibootKernel.Module(module, "mod.bin x=1"))), RAM, List.of());
    }

    @Test
    void aoutKernel() {
        // load [0x100000, 0x102000) from file offset 0, bss to 0x105000, entry 0x100080
        byte[] kernel = MultibootImages.aout(0x3000, 0, 0x40, 0x10_0000, 0x10_2000, 0x10_5000, 0x10_0080);
        MultibootBoot.Result r = load(kernel);
        FwCfgKernelItems items = r.fwCfg();

        assertEquals(new TreeSet<>(List.of(KERNEL_ADDR, KERNEL_SIZE, INITRD_ADDR, INITRD_SIZE, KERNEL_ENTRY, KERNEL_DATA, INITRD_DATA)),
                items.keys(), "QEMU's multiboot items: no CMDLINE_*, no SETUP_*");
        assertArrayEquals(le32(0x10_0080), items.item(KERNEL_ENTRY));
        assertArrayEquals(le32(0x10_0000), items.item(KERNEL_ADDR));
        assertArrayEquals(le32(0x5000), items.item(KERNEL_SIZE), "the image through its bss, not the module after it");
        assertArrayEquals(Arrays.copyOf(Arrays.copyOf(kernel, 0x2000), 0x5000), items.item(KERNEL_DATA), "file bytes, then the zeroed bss");

        assertEquals(INFO, r.registers().get("rbx"));
        assertArrayEquals(le32(INFO), items.item(INITRD_ADDR), "EBX: multiboot_info");
        assertArrayEquals(le32(88), items.item(INITRD_SIZE), "QEMU's MBI_SIZE");
        byte[] info = items.item(INITRD_DATA);
        assertArrayEquals(memory.read(INFO, MultibootInfo.SIZE_THROUGH_VBE), info);
        ByteBuffer b = ByteBuffer.wrap(info).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x24f, b.getInt(MultibootInfo.OFFSET_FLAGS));
        assertEquals(639, b.getInt(MultibootInfo.OFFSET_MEM_LOWER), "filled in, unlike QEMU's (its option ROM fills them)");
        assertEquals(1, b.getInt(MultibootInfo.OFFSET_MODS_COUNT));
        assertEquals("kernel.bin console=ttyS0", cString(b.getInt(MultibootInfo.OFFSET_CMDLINE)));
    }

    @Test
    void theItemsAreASnapshotOfTheLoad() {
        byte[] kernel = MultibootImages.aout(0x3000, 0, 0x40, 0x10_0000, 0x10_2000, 0x10_5000, 0x10_0080);
        FwCfgKernelItems items = load(kernel).fwCfg();
        memory.write(0x10_0000, new byte[16]);   // the kernel runs and changes its memory
        memory.write(INFO, new byte[16]);
        assertArrayEquals(Arrays.copyOf(kernel, 16), Arrays.copyOf(items.item(KERNEL_DATA), 16));
        assertEquals(0x24f, ByteBuffer.wrap(items.item(INITRD_DATA)).order(ByteOrder.LITTLE_ENDIAN).getInt(0));
    }

    @Test
    void elf32Kernel() {
        byte[] kernel = MultibootImages.elf32();
        FwCfgKernelItems items = load(kernel).fwCfg();
        long end = MultibootImages.DATA_PADDR + MultibootImages.DATA_MEMSZ;
        assertArrayEquals(le32(MultibootImages.ELF_ENTRY_PADDR), items.item(KERNEL_ENTRY));
        assertArrayEquals(le32(MultibootImages.TEXT_PADDR), items.item(KERNEL_ADDR), "the lowest segment (QEMU: elf_low)");
        assertArrayEquals(le32(end - MultibootImages.TEXT_PADDR), items.item(KERNEL_SIZE), "to the end of the bss (QEMU: elf_high - elf_low)");

        byte[] expected = new byte[(int) (end - MultibootImages.TEXT_PADDR)];
        System.arraycopy(kernel, MultibootImages.TEXT_OFFSET, expected, 0, MultibootImages.TEXT_SIZE);
        System.arraycopy(kernel, MultibootImages.DATA_OFFSET, expected, (int) (MultibootImages.DATA_PADDR - MultibootImages.TEXT_PADDR),
                MultibootImages.DATA_FILESZ);
        assertArrayEquals(expected, items.item(KERNEL_DATA), "text, the gap, data, bss");
        assertArrayEquals(le32(INFO), items.item(INITRD_ADDR));
    }

    private String cString(long addr) {
        StringBuilder s = new StringBuilder();
        for (long a = addr; memory.readByte(a) != 0; a++) s.append((char) memory.readByte(a));
        return new String(s.toString().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }
}
