package io.jkvm.loader;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ZeroPageTest {
    /** Offsets from arch/x86/include/uapi/asm/bootparam.h and Documentation/arch/x86/zero-page.rst. */
    @Test
    void structOffsets() {
        assertEquals(4096, ZeroPage.SIZE);
        assertEquals(0x070, ZeroPage.ACPI_RSDP_ADDR);
        assertEquals(0x0C0, ZeroPage.EXT_RAMDISK_IMAGE);
        assertEquals(0x0C4, ZeroPage.EXT_RAMDISK_SIZE);
        assertEquals(0x0C8, ZeroPage.EXT_CMD_LINE_PTR);
        assertEquals(0x1E8, ZeroPage.E820_ENTRIES);
        assertEquals(0x1EF, ZeroPage.SENTINEL);
        assertEquals(0x1F1, ZeroPage.HDR);
        assertEquals(0x2D0, ZeroPage.E820_TABLE);
        assertEquals(20, ZeroPage.E820_ENTRY_SIZE);
        assertEquals(0x2D0 + 128 * 20, 0xCD0, "e820_table[128] ends at 0xCD0, inside the page");

        assertEquals(0x1F1, SetupHeader.SETUP_SECTS);
        assertEquals(0x1FA, SetupHeader.VID_MODE);
        assertEquals(0x1FE, SetupHeader.BOOT_FLAG);
        assertEquals(0x202, SetupHeader.HEADER);
        assertEquals(0x206, SetupHeader.VERSION);
        assertEquals(0x210, SetupHeader.TYPE_OF_LOADER);
        assertEquals(0x211, SetupHeader.LOADFLAGS);
        assertEquals(0x218, SetupHeader.RAMDISK_IMAGE);
        assertEquals(0x21C, SetupHeader.RAMDISK_SIZE);
        assertEquals(0x224, SetupHeader.HEAP_END_PTR);
        assertEquals(0x228, SetupHeader.CMD_LINE_PTR);
        assertEquals(0x22C, SetupHeader.INITRD_ADDR_MAX);
        assertEquals(0x230, SetupHeader.KERNEL_ALIGNMENT);
        assertEquals(0x234, SetupHeader.RELOCATABLE_KERNEL);
        assertEquals(0x236, SetupHeader.XLOADFLAGS);
        assertEquals(0x238, SetupHeader.CMDLINE_SIZE);
        assertEquals(0x248, SetupHeader.PAYLOAD_OFFSET);
        assertEquals(0x24C, SetupHeader.PAYLOAD_LENGTH);
        assertEquals(0x258, SetupHeader.PREF_ADDRESS);
        assertEquals(0x260, SetupHeader.INIT_SIZE);
        assertEquals(0x268, SetupHeader.KERNEL_INFO_OFFSET);
        assertEquals(0x290, SetupHeader.MAX_END, "struct boot_params: hdr + _pad7 end at 0x290 (edd_mbr_sig_buffer)");
    }

    @Test
    void fieldsAtTheirOffsets() {
        BzImage kernel = BzImage.parse(SyntheticImages.bytes(SyntheticImages.bzImage()));
        E820Map map = E820Map.forRam(64L << 20);
        byte[] page = ZeroPage.forBzImage(kernel)
                .commandLine(0x2_0000)
                .ramdisk(0x3F0_0000, 0x12_3456)
                .acpiRsdp(0xE_0000)
                .e820(map)
                .toBytes();
        ByteBuffer b = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);

        assertEquals(4096, page.length);
        // The setup header, copied from the image.
        assertEquals(SyntheticImages.SETUP_SECTS, b.get(0x1F1));
        assertEquals((short) 0xAA55, b.getShort(0x1FE));
        assertEquals(0x53726448, b.getInt(0x202));
        assertEquals((short) 0x020F, b.getShort(0x206));
        assertEquals(0x40_0000, b.getInt(0x260), "init_size");
        assertEquals(0x100_0000L, b.getLong(0x258), "pref_address");
        assertEquals(0, b.get(0x1EF), "sentinel stays 0: the kernel keeps the ext_ fields");
        assertEquals(0, b.getInt(0x26C), "nothing copied past the header's end");
        // jkvm's loader fields.
        assertEquals((byte) 0xFF, b.get(0x210), "type_of_loader");
        assertEquals((byte) 0x81, b.get(0x211), "loadflags: LOADED_HIGH | CAN_USE_HEAP");
        assertEquals((short) 0xFE00, b.getShort(0x224), "heap_end_ptr");
        assertEquals((short) 0xFFFF, b.getShort(0x1FA), "vid_mode");
        assertEquals(0x2_0000, b.getInt(0x228), "cmd_line_ptr");
        assertEquals(0, b.getInt(0x0C8), "ext_cmd_line_ptr");
        assertEquals(0x3F0_0000, b.getInt(0x218), "ramdisk_image");
        assertEquals(0x12_3456, b.getInt(0x21C), "ramdisk_size");
        assertEquals(0, b.getInt(0x0C0), "ext_ramdisk_image");
        assertEquals(0, b.getInt(0x0C4), "ext_ramdisk_size");
        assertEquals(0xE_0000L, b.getLong(0x070), "acpi_rsdp_addr");
        // e820.
        assertEquals(map.entries().size(), b.get(0x1E8));
        for (int i = 0; i < map.entries().size(); i++) {
            E820Map.Entry e = map.entries().get(i);
            int at = 0x2D0 + 20 * i;
            assertEquals(e.addr(), b.getLong(at));
            assertEquals(e.size(), b.getLong(at + 8));
            assertEquals(e.type(), b.getInt(at + 16));
        }
        assertEquals(0L, b.getLong(0x2D0), "entry 0: addr 0");
        assertEquals(0x9FC00L, b.getLong(0x2D0 + 8), "entry 0: size 0x9FC00");
        assertEquals(1, b.getInt(0x2D0 + 16), "entry 0: RAM");
        assertEquals(0x9FC00L, b.getLong(0x2D0 + 20), "entry 1: EBDA");
        assertEquals(2, b.getInt(0x2D0 + 20 + 16), "entry 1: reserved");
    }

    @Test
    void highAddressesUseTheExtFields() {
        byte[] page = ZeroPage.withoutSetupHeader().commandLine(0x1_2345_6000L).ramdisk(0x2_0000_0000L, 0x1_0000_1000L).toBytes();
        ByteBuffer b = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x2345_6000, b.getInt(0x228));
        assertEquals(1, b.getInt(0x0C8));
        assertEquals(0, b.getInt(0x218));
        assertEquals(2, b.getInt(0x0C0));
        assertEquals(0x1000, b.getInt(0x21C));
        assertEquals(1, b.getInt(0x0C4));
    }

    @Test
    void withoutSetupHeaderMakesOneUp() {
        ByteBuffer b = ByteBuffer.wrap(ZeroPage.withoutSetupHeader().toBytes()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals((short) 0xAA55, b.getShort(0x1FE));
        assertEquals(0x53726448, b.getInt(0x202));
        assertEquals(0x100_0000, b.getInt(0x230), "kernel_alignment");
        assertEquals((byte) 0xFF, b.get(0x210));
        assertEquals(0, b.get(0x1E8), "no e820 until given");
    }
}
