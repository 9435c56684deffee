package io.jkvm.devices.fwcfg;

import io.jkvm.bus.Bus;
import io.jkvm.loader.E820Map;
import io.jkvm.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static io.jkvm.devices.fwcfg.FwCfgKeys.BOOT_MENU;
import static io.jkvm.devices.fwcfg.FwCfgKeys.FILE_DIR;
import static io.jkvm.devices.fwcfg.FwCfgKeys.ID;
import static io.jkvm.devices.fwcfg.FwCfgKeys.IRQ0_OVERRIDE;
import static io.jkvm.devices.fwcfg.FwCfgKeys.MAX_CPUS;
import static io.jkvm.devices.fwcfg.FwCfgKeys.NB_CPUS;
import static io.jkvm.devices.fwcfg.FwCfgKeys.NOGRAPHIC;
import static io.jkvm.devices.fwcfg.FwCfgKeys.NUMA;
import static io.jkvm.devices.fwcfg.FwCfgKeys.RAM_SIZE;
import static io.jkvm.devices.fwcfg.FwCfgKeys.SIGNATURE;
import static io.jkvm.devices.fwcfg.FwCfgKeys.UUID;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The pc machine's items, read back through the ports as firmware reads them. */
class FwCfgContentsTest {
    private static final long RAM = 0x1_4000_0000L; // 5 GiB: 3 below the hole, 2 above
    private static final List<E820Map.Entry> E820 = List.of(
            new E820Map.Entry(0, 0x9fc00, E820Map.E820_RAM),
            new E820Map.Entry(0x100000, 0xbff00000L, E820Map.E820_RAM),
            new E820Map.Entry(0xfeffc000L, 0x4000, E820Map.E820_RESERVED),
            new E820Map.Entry(0x1_0000_0000L, 0x8000_0000L, E820Map.E820_RAM));

    private final GuestMemory memory = GuestMemory.allocate(List.of(new GuestMemory.Range(0, 0x10000)));
    private final Bus ports = Bus.ports();

    @AfterEach
    void close() {
        memory.close();
    }

    private FwCfg pc(boolean nographic) {
        FwCfg fwCfg = new FwCfg(FwCfgContents.pc(RAM, 2, 8, E820, nographic).build(), memory);
        fwCfg.attach(ports);
        return fwCfg;
    }

    /** Selects {@code key} and reads {@code length} bytes from the data port. */
    private byte[] read(int key, int length) {
        ports.write(0x510, 2, key);
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) out[i] = (byte) ports.read(0x511, 1);
        return out;
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) b[i] = (byte) values[i];
        return b;
    }

    @Test
    void everyItemThroughTheDataPort() {
        pc(true);
        assertArrayEquals(bytes('Q', 'E', 'M', 'U', 0), read(SIGNATURE, 5));
        assertArrayEquals(bytes(3, 0, 0, 0, 0), read(ID, 5));
        assertArrayEquals(new byte[17], read(UUID, 17));
        assertArrayEquals(bytes(0, 0, 0, 0x40, 1, 0, 0, 0, 0), read(RAM_SIZE, 9));
        assertArrayEquals(bytes(1, 0, 0), read(NOGRAPHIC, 3));
        assertArrayEquals(bytes(2, 0, 0), read(NB_CPUS, 3));
        assertArrayEquals(bytes(8, 0, 0), read(MAX_CPUS, 3));
        assertArrayEquals(bytes(0, 0, 0), read(BOOT_MENU, 3));
        assertArrayEquals(bytes(1, 0, 0, 0, 0), read(IRQ0_OVERRIDE, 5));
        assertArrayEquals(new byte[8 * 9 + 1], read(NUMA, 8 * 9 + 1), "no nodes, node 0 for APIC IDs 0-7");
        assertArrayEquals(bytes(0xff, 0xff, 0xff, 0xff, 0), read(0x20, 5), "etc/boot-fail-wait: -1");
        assertArrayEquals(Arrays.copyOf(e820Bytes(), 81), read(0x21, 81), "etc/e820");
    }

    @Test
    void withADisplayNographicIsZero() {
        pc(false);
        assertArrayEquals(bytes(0, 0), read(NOGRAPHIC, 2));
    }

    @Test
    void onlyTheItemsQemuFillsTheSameWay() {
        FwCfgItems items = FwCfgContents.pc(RAM, 2, 8, E820, true).build();
        Set<Integer> expected = new TreeSet<>(List.of(SIGNATURE, ID, UUID, RAM_SIZE, NOGRAPHIC, NB_CPUS, NUMA,
                BOOT_MENU, MAX_CPUS, FILE_DIR, 0x20, 0x21, IRQ0_OVERRIDE));
        assertEquals(expected, items.keys());
    }

    @Test
    void theFileDirectory() {
        pc(true);
        byte[] dir = read(FILE_DIR, 4 + 2 * 64 + 1);
        ByteBuffer b = ByteBuffer.wrap(dir);
        assertEquals(2, b.getInt(0));
        assertEquals(4, b.getInt(4));
        assertEquals(0x20, b.getShort(8));
        assertEquals(0, b.getShort(10));
        assertEquals("etc/boot-fail-wait", name(dir, 12));
        assertEquals(4 * 20, b.getInt(68));
        assertEquals(0x21, b.getShort(72));
        assertEquals(0, b.getShort(74));
        assertEquals("etc/e820", name(dir, 76));
        assertEquals(0, dir[4 + 2 * 64], "nothing after the last entry");
    }

    private static String name(byte[] dir, int at) {
        int end = at;
        while (dir[end] != 0) end++;
        for (int i = end; i < at + 56; i++) assertEquals(0, dir[i], "NUL padding");
        return new String(dir, at, end - at, StandardCharsets.US_ASCII);
    }

    /** The expected etc/e820, byte by byte: le64 address, le64 length, le32 type. */
    private static byte[] e820Bytes() {
        return concat(
                bytes(0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0xfc, 0x09, 0, 0, 0, 0, 0, 1, 0, 0, 0),
                bytes(0, 0, 0x10, 0, 0, 0, 0, 0, 0x00, 0x00, 0xf0, 0xbf, 0, 0, 0, 0, 1, 0, 0, 0),
                bytes(0x00, 0xc0, 0xff, 0xfe, 0, 0, 0, 0, 0x00, 0x40, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0),
                bytes(0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0, 1, 0, 0, 0));
    }

    private static byte[] concat(byte[]... parts) {
        byte[] out = new byte[0];
        for (byte[] p : parts) {
            int at = out.length;
            out = Arrays.copyOf(out, at + p.length);
            System.arraycopy(p, 0, out, at, p.length);
        }
        return out;
    }

    @Test
    void e820FileLayout() {
        assertArrayEquals(e820Bytes(), FwCfgContents.e820File(E820));
        assertArrayEquals(new byte[0], FwCfgContents.e820File(List.of()));
    }

    @Test
    void e820FromJkvmsOwnMap() {
        E820Map map = E820Map.forRam(0x2000_0000L);
        byte[] file = FwCfgContents.e820File(map.entries());
        assertEquals(20 * map.entries().size(), file.length);
        ByteBuffer b = ByteBuffer.wrap(file).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < map.entries().size(); i++) {
            E820Map.Entry e = map.entries().get(i);
            assertEquals(e, new E820Map.Entry(b.getLong(20 * i), b.getLong(20 * i + 8), b.getInt(20 * i + 16)));
        }
    }

    @Test
    void signatureAndFilesByDma() {
        FwCfg fwCfg = pc(true);
        memory.write(0x1000, ByteBuffer.allocate(16).putInt(0x21 << 16 | 0x08 | 0x02).putInt(80).putLong(0x2000).array());
        ports.write(0x518, 4, Integer.reverseBytes(0x1000));
        assertEquals(0, memory.readInt(0x1000));
        assertArrayEquals(e820Bytes(), memory.read(0x2000, 80));
        assertEquals(80, fwCfg.offset());
        assertEquals(0x554d4551L, ports.read(0x514, 4), "DMA signature 'QEMU'");
        assertEquals(0x47464320L, ports.read(0x518, 4), "' CFG'");
    }

    @Test
    void moreItemsCanBeAddedAfterwards() {
        FwCfgItems items = FwCfgContents.pc(RAM, 1, 1, E820, true)
                .addFile("etc/acpi/rsdp", bytes(1, 2))
                .addString(FwCfgKeys.KERNEL_CMDLINE, "quiet")
                .build();
        assertEquals(List.of("etc/acpi/rsdp", "etc/boot-fail-wait", "etc/e820"), items.fileNames());
        assertArrayEquals(new byte[16], items.item(NUMA));
    }

    @Test
    void kernelItemsThroughTheDataPort() {
        byte[] image = bytes(0xeb, 0x0e, 0, 0, 0x02, 0xb0, 0xad, 0x1b, 3, 0, 1, 0);
        byte[] info = new byte[88];
        info[0] = 0x4f;
        info[1] = 0x02;
        FwCfgItems items = FwCfgKernelItems.multiboot(0x10_0000, 0x10_0000, image.length, image, 0x9500, info)
                .addTo(FwCfgContents.pc(RAM, 2, 8, E820, true)).build();
        new FwCfg(items, memory).attach(ports);
        assertArrayEquals(bytes(0x00, 0x00, 0x10, 0x00, 0), read(FwCfgKeys.KERNEL_ADDR, 5));
        assertArrayEquals(bytes(0x00, 0x00, 0x10, 0x00, 0), read(FwCfgKeys.KERNEL_ENTRY, 5));
        assertArrayEquals(bytes(12, 0, 0, 0, 0), read(FwCfgKeys.KERNEL_SIZE, 5));
        assertArrayEquals(Arrays.copyOf(image, 13), read(FwCfgKeys.KERNEL_DATA, 13));
        assertArrayEquals(bytes(0x00, 0x95, 0, 0, 0), read(FwCfgKeys.INITRD_ADDR, 5));
        assertArrayEquals(bytes(88, 0, 0, 0, 0), read(FwCfgKeys.INITRD_SIZE, 5));
        assertArrayEquals(Arrays.copyOf(info, 89), read(FwCfgKeys.INITRD_DATA, 89));
        assertArrayEquals(new byte[4], read(FwCfgKeys.CMDLINE_SIZE, 4), "none for a multiboot kernel: reads 0");

        Set<Integer> expected = new TreeSet<>(List.of(SIGNATURE, ID, UUID, RAM_SIZE, NOGRAPHIC, NB_CPUS, NUMA,
                BOOT_MENU, MAX_CPUS, FILE_DIR, 0x20, 0x21, IRQ0_OVERRIDE, FwCfgKeys.KERNEL_ADDR, FwCfgKeys.KERNEL_SIZE,
                FwCfgKeys.KERNEL_ENTRY, FwCfgKeys.KERNEL_DATA, FwCfgKeys.INITRD_ADDR, FwCfgKeys.INITRD_SIZE, FwCfgKeys.INITRD_DATA));
        assertEquals(expected, items.keys());
    }

    @Test
    void argumentsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> FwCfgContents.pc(0, 1, 1, E820, true));
        assertThrows(IllegalArgumentException.class, () -> FwCfgContents.pc(RAM, 0, 1, E820, true));
        assertThrows(IllegalArgumentException.class, () -> FwCfgContents.pc(RAM, 3, 2, E820, true));
        assertThrows(IllegalArgumentException.class, () -> FwCfgContents.pc(RAM, 1, 0x10000, E820, true));
        FwCfgContents.pc(RAM, 0xffff, 0xffff, E820, true);
    }
}
