package io.jkvm.devices.fwcfg;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Item encodings as QEMU's fw_cfg_add_* make them, and the file directory (docs/specs/fw_cfg.rst). */
class FwCfgBuilderTest {
    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) b[i] = (byte) values[i];
        return b;
    }

    @Test
    void integersAreLittleEndian() {
        FwCfgItems items = new FwCfgBuilder()
                .addU16(FwCfgKeys.NB_CPUS, 0x1234)
                .addU32(FwCfgKeys.ID, 0x89abcdefL)
                .addU64(FwCfgKeys.RAM_SIZE, 0x0102030405060708L)
                .addU32(FwCfgKeys.IRQ0_OVERRIDE, -1)
                .build();
        assertArrayEquals(bytes(0x34, 0x12), items.item(FwCfgKeys.NB_CPUS));
        assertArrayEquals(bytes(0xef, 0xcd, 0xab, 0x89), items.item(FwCfgKeys.ID));
        assertArrayEquals(bytes(8, 7, 6, 5, 4, 3, 2, 1), items.item(FwCfgKeys.RAM_SIZE));
        assertArrayEquals(bytes(0xff, 0xff, 0xff, 0xff), items.item(FwCfgKeys.IRQ0_OVERRIDE));
    }

    @Test
    void integersThatDoNotFitAreRejected() {
        FwCfgBuilder b = new FwCfgBuilder();
        assertThrows(IllegalArgumentException.class, () -> b.addU16(FwCfgKeys.NB_CPUS, 0x10000));
        assertThrows(IllegalArgumentException.class, () -> b.addU32(FwCfgKeys.ID, 0x1_0000_0000L));
        assertThrows(IllegalArgumentException.class, () -> b.addU16(FwCfgKeys.NB_CPUS, -0x8001));
        b.addU16(FwCfgKeys.NB_CPUS, 0xffff);
        b.addU16(FwCfgKeys.MAX_CPUS, -1);
        FwCfgItems items = b.build();
        assertArrayEquals(bytes(0xff, 0xff), items.item(FwCfgKeys.NB_CPUS));
        assertArrayEquals(bytes(0xff, 0xff), items.item(FwCfgKeys.MAX_CPUS));
    }

    @Test
    void stringsEndWithNul() {
        FwCfgItems items = new FwCfgBuilder().addString(FwCfgKeys.KERNEL_CMDLINE, "console=ttyS0").build();
        assertArrayEquals("console=ttyS0\0".getBytes(StandardCharsets.US_ASCII), items.item(FwCfgKeys.KERNEL_CMDLINE));
        assertThrows(IllegalArgumentException.class, () -> new FwCfgBuilder().addString(FwCfgKeys.KERNEL_CMDLINE, "a\0b"));
    }

    @Test
    void bytesAreCopiedInAndOut() {
        byte[] data = bytes(1, 2, 3);
        FwCfgBuilder b = new FwCfgBuilder().addBytes(FwCfgKeys.UUID, data);
        data[0] = 9;
        FwCfgItems items = b.build();
        items.item(FwCfgKeys.UUID)[1] = 9;
        assertArrayEquals(bytes(1, 2, 3), items.item(FwCfgKeys.UUID));
    }

    @Test
    void keysAreCheckedAndUsedOnce() {
        FwCfgBuilder b = new FwCfgBuilder().addBytes(FwCfgKeys.SIGNATURE, bytes(1));
        assertThrows(IllegalArgumentException.class, () -> b.addBytes(FwCfgKeys.SIGNATURE, bytes(2)), "duplicate");
        assertThrows(IllegalArgumentException.class, () -> b.addBytes(FwCfgKeys.FILE_DIR, bytes(2)), "built by build()");
        assertThrows(IllegalArgumentException.class, () -> b.addBytes(FwCfgKeys.FILE_FIRST, bytes(2)), "a file's selector");
        assertThrows(IllegalArgumentException.class, () -> b.addBytes(0x3fff, bytes(2)), "a file's selector");
        assertThrows(IllegalArgumentException.class, () -> b.addBytes(FwCfgKeys.WRITE_CHANNEL | 1, bytes(2)), "write bit");
        assertThrows(IllegalArgumentException.class, () -> b.addBytes(0x10000, bytes(2)));
        assertThrows(IllegalArgumentException.class, () -> b.addBytes(-1, bytes(2)));
        b.addBytes(0x1a, bytes(3));                              // unused generic key below the files
        b.addBytes(FwCfgKeys.ARCH_LOCAL | 0x3fff, bytes(4));     // any arch-local index
        FwCfgItems items = b.build();
        assertArrayEquals(bytes(3), items.item(0x1a));
        assertArrayEquals(bytes(4), items.item(0xbfff));
        assertArrayEquals(bytes(4), items.item(0xffff), "the write bit does not change the item");
        assertArrayEquals(bytes(1), items.item(FwCfgKeys.WRITE_CHANNEL), "nor for generic items");
        assertNull(items.item(0x8001), "an arch-local key nobody set");
    }

    @Test
    void filesGetSelectorsInNameOrderAndADirectory() {
        FwCfgItems items = new FwCfgBuilder()
                .addFile("etc/e820", bytes(0xe8, 0x20))
                .addFile("bootorder", bytes())
                .addFile("etc/boot-fail-wait", bytes(0xff, 0xff, 0xff, 0xff))
                .build();
        assertEquals(List.of("bootorder", "etc/boot-fail-wait", "etc/e820"), items.fileNames());
        assertEquals(0x20, items.fileSelector("bootorder"));
        assertEquals(0x21, items.fileSelector("etc/boot-fail-wait"));
        assertEquals(0x22, items.fileSelector("etc/e820"));
        assertEquals(-1, items.fileSelector("etc/none"));
        assertArrayEquals(bytes(), items.item(0x20));
        assertArrayEquals(bytes(0xff, 0xff, 0xff, 0xff), items.item(0x21));
        assertArrayEquals(bytes(0xe8, 0x20), items.item(0x22));

        byte[] dir = items.item(FwCfgKeys.FILE_DIR);
        assertEquals(4 + 3 * 64, dir.length);
        assertArrayEquals(bytes(0, 0, 0, 3), Arrays.copyOfRange(dir, 0, 4), "be32 count");
        assertArrayEquals(entry(0, 0x20, "bootorder"), Arrays.copyOfRange(dir, 4, 68));
        assertArrayEquals(entry(4, 0x21, "etc/boot-fail-wait"), Arrays.copyOfRange(dir, 68, 132));
        assertArrayEquals(entry(2, 0x22, "etc/e820"), Arrays.copyOfRange(dir, 132, 196));
    }

    /** struct fw_cfg_file written out by hand: be32 size, be16 select, be16 0, name[56]. */
    private static byte[] entry(int size, int select, String name) {
        byte[] e = new byte[64];
        e[0] = (byte) (size >>> 24);
        e[1] = (byte) (size >>> 16);
        e[2] = (byte) (size >>> 8);
        e[3] = (byte) size;
        e[4] = (byte) (select >>> 8);
        e[5] = (byte) select;
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(n, 0, e, 8, n.length);
        return e;
    }

    @Test
    void namesSortAsStrcmpDoes() {
        // strcmp compares unsigned bytes: upper case before lower case, '/' before letters, shorter prefix first.
        FwCfgItems items = new FwCfgBuilder()
                .addFile("opt/b", bytes()).addFile("opt/B", bytes()).addFile("opt", bytes())
                .addFile("opt/\u00e9", bytes()).addFile("opt/a", bytes())
                .build();
        assertEquals(List.of("opt", "opt/B", "opt/a", "opt/b", "opt/\u00e9"), items.fileNames());
    }

    @Test
    void anEmptyBuilderHasAnEmptyDirectory() {
        FwCfgItems items = new FwCfgBuilder().build();
        assertArrayEquals(bytes(0, 0, 0, 0), items.item(FwCfgKeys.FILE_DIR));
        assertEquals(List.of(FwCfgKeys.FILE_DIR), List.copyOf(items.keys()));
        assertFalse(items.contains(FwCfgKeys.SIGNATURE));
        assertTrue(items.contains(FwCfgKeys.FILE_DIR));
    }

    @Test
    void fileNamesAreCheckedAndUnique() {
        FwCfgBuilder b = new FwCfgBuilder();
        String longest = "opt/" + "x".repeat(51);
        assertEquals(55, longest.length());
        b.addFile(longest, bytes(1));
        assertThrows(IllegalArgumentException.class, () -> b.addFile(longest + "y", bytes(1)), "56 bytes leave no room for the NUL");
        assertThrows(IllegalArgumentException.class, () -> b.addFile("opt/" + "\u00e9".repeat(26), bytes(1)), "56 bytes of UTF-8");
        assertThrows(IllegalArgumentException.class, () -> b.addFile("", bytes(1)));
        assertThrows(IllegalArgumentException.class, () -> b.addFile("a\0b", bytes(1)));
        assertThrows(IllegalArgumentException.class, () -> b.addFile(longest, bytes(2)), "duplicate");
        byte[] dir = b.build().item(FwCfgKeys.FILE_DIR);
        assertEquals(4 + 64, dir.length);
        assertEquals(longest, new String(dir, 12, 55, StandardCharsets.US_ASCII));
        assertEquals(0, dir[12 + 55], "the name is NUL-terminated");
    }

    @Test
    void filesUpToTheLastSelector() {
        FwCfgBuilder b = new FwCfgBuilder();
        for (int i = 0; i < FwCfgBuilder.MAX_FILES; i++) b.addFile(String.format("opt/%05d", i), bytes(i));
        assertThrows(IllegalArgumentException.class, () -> b.addFile("opt/one-too-many", bytes()));
        FwCfgItems items = b.build();
        assertEquals(0x3fff, items.fileSelector(String.format("opt/%05d", FwCfgBuilder.MAX_FILES - 1)));
        assertArrayEquals(bytes(FwCfgBuilder.MAX_FILES - 1), items.item(0x3fff));
    }
}
