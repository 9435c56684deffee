package io.jkvm.devices.fwcfg;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.TreeSet;

import static io.jkvm.devices.fwcfg.FwCfgKeys.CMDLINE_ADDR;
import static io.jkvm.devices.fwcfg.FwCfgKeys.CMDLINE_DATA;
import static io.jkvm.devices.fwcfg.FwCfgKeys.CMDLINE_SIZE;
import static io.jkvm.devices.fwcfg.FwCfgKeys.INITRD_ADDR;
import static io.jkvm.devices.fwcfg.FwCfgKeys.INITRD_DATA;
import static io.jkvm.devices.fwcfg.FwCfgKeys.INITRD_SIZE;
import static io.jkvm.devices.fwcfg.FwCfgKeys.KERNEL_ADDR;
import static io.jkvm.devices.fwcfg.FwCfgKeys.KERNEL_DATA;
import static io.jkvm.devices.fwcfg.FwCfgKeys.KERNEL_ENTRY;
import static io.jkvm.devices.fwcfg.FwCfgKeys.KERNEL_SIZE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link FwCfgKernelItems}: which items, and their bytes (u32 little-endian as QEMU's fw_cfg_add_i32). */
class FwCfgKernelItemsTest {
    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) b[i] = (byte) values[i];
        return b;
    }

    @Test
    void multibootItemsAsQemuNamesThem() {
        byte[] image = bytes(0xeb, 0x0e, 0, 0, 0x02, 0xb0, 0xad, 0x1b);
        byte[] info = new byte[88];
        info[0] = 0x4f;
        info[1] = 0x02;
        FwCfgKernelItems items = FwCfgKernelItems.multiboot(0x10_0080, 0x10_0000, image.length, image, 0x9500, info);

        assertEquals(new TreeSet<>(List.of(KERNEL_ADDR, KERNEL_SIZE, INITRD_ADDR, INITRD_SIZE, KERNEL_ENTRY, KERNEL_DATA, INITRD_DATA)),
                items.keys(), "no CMDLINE_* or SETUP_* for a multiboot kernel");
        assertArrayEquals(bytes(0x80, 0x00, 0x10, 0x00), items.item(KERNEL_ENTRY));
        assertArrayEquals(bytes(0x00, 0x00, 0x10, 0x00), items.item(KERNEL_ADDR));
        assertArrayEquals(bytes(8, 0, 0, 0), items.item(KERNEL_SIZE));
        assertArrayEquals(image, items.item(KERNEL_DATA));
        assertArrayEquals(bytes(0x00, 0x95, 0, 0), items.item(INITRD_ADDR));
        assertArrayEquals(bytes(88, 0, 0, 0), items.item(INITRD_SIZE));
        assertArrayEquals(info, items.item(INITRD_DATA));
    }

    @Test
    void multibootWithoutKernelData() {
        FwCfgKernelItems items = FwCfgKernelItems.multiboot(0x10_0000, 0x10_0000, 0x8000_0000L, null, 0x9500, new byte[88]);
        assertFalse(items.keys().contains(KERNEL_DATA));
        assertArrayEquals(bytes(0, 0, 0, 0x80), items.item(KERNEL_SIZE));
    }

    @Test
    void commandLineWithItsNul() {
        FwCfgKernelItems items = FwCfgKernelItems.builder().cmdline(0x2_0000, "console=ttyS0 é").build();
        assertEquals(new TreeSet<>(List.of(CMDLINE_ADDR, CMDLINE_SIZE, CMDLINE_DATA)), items.keys());
        assertArrayEquals(bytes(0, 0, 2, 0), items.item(CMDLINE_ADDR));
        assertArrayEquals(bytes(17, 0, 0, 0), items.item(CMDLINE_SIZE), "UTF-8 bytes and the NUL: strlen + 1");
        assertArrayEquals(bytes('c', 'o', 'n', 's', 'o', 'l', 'e', '=', 't', 't', 'y', 'S', '0', ' ', 0xc3, 0xa9, 0),
                items.item(CMDLINE_DATA));
    }

    @Test
    void anEmptyCommandLineIsItsNul() {
        FwCfgKernelItems items = FwCfgKernelItems.builder().cmdline(0x2_0000, "").build();
        assertArrayEquals(bytes(1, 0, 0, 0), items.item(CMDLINE_SIZE));
        assertArrayEquals(bytes(0), items.item(CMDLINE_DATA));
    }

    @Test
    void initrdAndKernelGroups() {
        byte[] initrd = {9, 8, 7};
        FwCfgKernelItems items = FwCfgKernelItems.builder().kernel(0x100_0000, 0x4000).kernelEntry(0x100_0200)
                .initrd(0x7ff_f000, initrd).build();
        assertEquals(new TreeSet<>(List.of(KERNEL_ADDR, KERNEL_SIZE, INITRD_ADDR, INITRD_SIZE, KERNEL_ENTRY, INITRD_DATA)), items.keys());
        assertArrayEquals(bytes(0, 0, 0, 1), items.item(KERNEL_ADDR));
        assertArrayEquals(bytes(0, 0x40, 0, 0), items.item(KERNEL_SIZE));
        assertArrayEquals(bytes(0, 2, 0, 1), items.item(KERNEL_ENTRY));
        assertArrayEquals(bytes(0, 0xf0, 0xff, 0x07), items.item(INITRD_ADDR));
        assertArrayEquals(bytes(3, 0, 0, 0), items.item(INITRD_SIZE));
        assertArrayEquals(initrd, items.item(INITRD_DATA));
    }

    @Test
    void itemsAreHandedOutAsCopies() {
        FwCfgKernelItems items = FwCfgKernelItems.builder().initrd(0x10_0000, new byte[] {1}).build();
        byte[] a = items.item(INITRD_DATA);
        a[0] = 5;
        assertArrayEquals(bytes(1), items.item(INITRD_DATA));
        assertNotSame(items.item(INITRD_DATA), items.item(INITRD_DATA));
        assertNull(items.item(KERNEL_DATA));
    }

    @Test
    void addToPutsEveryItemInTheBuilder() {
        FwCfgKernelItems items = FwCfgKernelItems.builder().kernel(0x10_0000, 2).kernelData(bytes(1, 2)).build();
        FwCfgItems built = items.addTo(new FwCfgBuilder()).build();
        assertArrayEquals(bytes(0, 0, 0x10, 0), built.item(KERNEL_ADDR));
        assertArrayEquals(bytes(2, 0, 0, 0), built.item(KERNEL_SIZE));
        assertArrayEquals(bytes(1, 2), built.item(KERNEL_DATA));
    }

    @Test
    void noneIsEmpty() {
        assertTrue(FwCfgKernelItems.NONE.isEmpty());
        assertTrue(FwCfgKernelItems.NONE.keys().isEmpty());
        assertEquals(List.of(FwCfgKeys.FILE_DIR), List.copyOf(FwCfgKernelItems.NONE.addTo(new FwCfgBuilder()).build().keys()));
    }

    @Test
    void valuesMustFit32Bits() {
        assertThrows(IllegalArgumentException.class, () -> FwCfgKernelItems.builder().kernel(0x1_0000_0000L, 1));
        assertThrows(IllegalArgumentException.class, () -> FwCfgKernelItems.builder().kernel(0xffff_f000L, 0x1001));
        assertThrows(IllegalArgumentException.class, () -> FwCfgKernelItems.builder().kernel(-1, 1));
        assertThrows(IllegalArgumentException.class, () -> FwCfgKernelItems.builder().kernelEntry(0x1_0000_0000L));
        FwCfgKernelItems top = FwCfgKernelItems.builder().kernel(0xffff_f000L, 0x1000).kernelEntry(0xffff_ffffL).build();
        assertArrayEquals(bytes(0, 0xf0, 0xff, 0xff), top.item(KERNEL_ADDR));
        assertArrayEquals(bytes(0xff, 0xff, 0xff, 0xff), top.item(KERNEL_ENTRY));

        assertTrue(FwCfgKernelItems.fitsU32(0, 1L << 32));
        assertTrue(FwCfgKernelItems.fitsU32(0xffff_ffffL, 0));
        assertFalse(FwCfgKernelItems.fitsU32(0xffff_ffffL, 2));
        assertFalse(FwCfgKernelItems.fitsU32(1L << 32, 0));
        assertFalse(FwCfgKernelItems.fitsU32(-1, 0));
    }

    @Test
    void kernelDataNeedsTheSizeItSays() {
        assertThrows(IllegalArgumentException.class, () -> FwCfgKernelItems.builder().kernelData(new byte[1]));
        assertThrows(IllegalArgumentException.class, () -> FwCfgKernelItems.builder().kernel(0x10_0000, 2).kernelData(new byte[1]));
    }

    @Test
    void eachGroupOnce() {
        assertThrows(IllegalArgumentException.class, () -> FwCfgKernelItems.builder().kernel(0x10_0000, 1).kernel(0x20_0000, 1));
        assertThrows(IllegalArgumentException.class, () -> FwCfgKernelItems.builder().cmdline(0, "a").cmdline(0, "b"));
        assertThrows(IllegalArgumentException.class, () -> FwCfgKernelItems.builder().cmdline(0, "a\0b"));
    }
}
