package io.jkvm.platform;

import io.jkvm.config.LinuxKernel;
import io.jkvm.boot.Layout;
import io.jkvm.devices.fwcfg.FwCfgKernelItems;
import io.jkvm.loader.SetupHeader;
import io.jkvm.loader.SyntheticImages;
import io.jkvm.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.GZIPOutputStream;

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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link LinuxBoot}: the fw_cfg kernel items for synthetic kernels, each load path (bzImage as
 * is, bzImage decompressed by jkvm, ELF vmlinux with and without PVH), checked against what
 * guest memory holds.
 */
class LinuxBootTest {
    private static final long RAM = 64L << 20;
    private static final String CMDLINE = "console=ttyS0 quiet";
    private static final byte[] INITRD = "070701 an initramfs".getBytes(StandardCharsets.US_ASCII);
    private static final Set<Integer> CMDLINE_ITEMS = Set.of(CMDLINE_ADDR, CMDLINE_SIZE, CMDLINE_DATA);
    private static final Set<Integer> INITRD_ITEMS = Set.of(INITRD_ADDR, INITRD_SIZE, INITRD_DATA);
    private final GuestMemory memory = GuestMemory.allocate(Layout.ramRanges(RAM));

    @AfterEach
    void close() {
        memory.close();
    }

    private static byte[] le32(long v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array();
    }

    private static Set<Integer> keys(Set<Integer> a, Set<Integer> b, Integer... more) {
        Set<Integer> all = new TreeSet<>(a);
        all.addAll(b);
        all.addAll(List.of(more));
        return all;
    }

    private LinuxBoot.Result load(byte[] kernel, byte[] initrd, boolean hostDecompress) {
        return LinuxBoot.load(memory, new LinuxKernel(kernel, "kernel", initrd, CMDLINE, hostDecompress), 0, List.of());
    }

    /** The command line and initrd items, and that guest memory holds what they say. */
    private void checkCommonItems(LinuxBoot.Result r) {
        FwCfgKernelItems items = r.fwCfg();
        byte[] cmdline = (CMDLINE + "\0").getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(le32(Layout.CMDLINE_ADDR), items.item(CMDLINE_ADDR));
        assertArrayEquals(le32(CMDLINE.length() + 1), items.item(CMDLINE_SIZE), "strlen + 1");
        assertArrayEquals(cmdline, items.item(CMDLINE_DATA));
        assertArrayEquals(cmdline, memory.read(Layout.CMDLINE_ADDR, cmdline.length), "the line is where CMDLINE_ADDR says");

        long initrdAddr = r.loaded().initrdAddr();
        assertTrue(initrdAddr > 0);
        assertArrayEquals(le32(initrdAddr), items.item(INITRD_ADDR));
        assertArrayEquals(le32(INITRD.length), items.item(INITRD_SIZE));
        assertArrayEquals(INITRD, items.item(INITRD_DATA));
        assertArrayEquals(INITRD, memory.read(initrdAddr, INITRD.length));
    }

    @Test
    void bzImageAsIs() {
        byte[] kernel = SyntheticImages.bytes(SyntheticImages.bzImage());
        LinuxBoot.Result r = load(kernel, INITRD, false);
        FwCfgKernelItems items = r.fwCfg();
        assertEquals(keys(CMDLINE_ITEMS, INITRD_ITEMS, KERNEL_ADDR, KERNEL_SIZE, KERNEL_DATA), items.keys(),
                "no KERNEL_ENTRY (a 64-bit entry), no SETUP_*");
        checkCommonItems(r);

        int setup = (SyntheticImages.SETUP_SECTS + 1) * 512;
        byte[] protectedMode = Arrays.copyOfRange(kernel, setup, kernel.length);
        assertArrayEquals(le32(0x100_0000), items.item(KERNEL_ADDR), "pref_address, where jkvm loads it");
        assertArrayEquals(le32(SyntheticImages.KERNEL_SIZE), items.item(KERNEL_SIZE));
        assertArrayEquals(protectedMode, items.item(KERNEL_DATA), "the file after its setup sectors, as QEMU's");
        assertArrayEquals(protectedMode, memory.read(0x100_0000, protectedMode.length));
    }

    @Test
    void noInitrdNoInitrdItems() {
        LinuxBoot.Result r = load(SyntheticImages.bytes(SyntheticImages.bzImage()), null, false);
        assertEquals(keys(CMDLINE_ITEMS, Set.of(), KERNEL_ADDR, KERNEL_SIZE, KERNEL_DATA), r.fwCfg().keys());
    }

    @Test
    void elfVmlinux() {
        LinuxBoot.Result r = load(SyntheticImages.elf(true, false), INITRD, false);
        FwCfgKernelItems items = r.fwCfg();
        assertFalse(r.pvh());
        assertEquals(keys(CMDLINE_ITEMS, INITRD_ITEMS, KERNEL_ADDR, KERNEL_SIZE), items.keys(), "no KERNEL_DATA, no KERNEL_ENTRY");
        checkCommonItems(r);
        assertArrayEquals(le32(SyntheticImages.TEXT_PADDR), items.item(KERNEL_ADDR));
        assertArrayEquals(le32(SyntheticImages.DATA_PADDR + SyntheticImages.DATA_MEMSZ - SyntheticImages.TEXT_PADDR), items.item(KERNEL_SIZE),
                "the segments' span, bss included");
    }

    @Test
    void elfVmlinuxWithPvh() {
        LinuxBoot.Result r = load(SyntheticImages.elf(true, true), INITRD, false);
        FwCfgKernelItems items = r.fwCfg();
        assertTrue(r.pvh());
        assertEquals(keys(CMDLINE_ITEMS, INITRD_ITEMS, KERNEL_ADDR, KERNEL_SIZE, KERNEL_ENTRY), items.keys(),
                "QEMU's PVH items (and CMDLINE_ADDR: jkvm places the line)");
        checkCommonItems(r);
        assertArrayEquals(le32(SyntheticImages.PVH_ENTRY), items.item(KERNEL_ENTRY));
        assertArrayEquals(le32(SyntheticImages.TEXT_PADDR), items.item(KERNEL_ADDR));
        assertArrayEquals(le32(SyntheticImages.DATA_PADDR + SyntheticImages.DATA_MEMSZ - SyntheticImages.TEXT_PADDR), items.item(KERNEL_SIZE));
    }

    @Test
    void bzImageDecompressedByJkvmDescribesTheVmlinux() throws IOException {
        byte[] vmlinux = SyntheticImages.elf(true, false);
        LinuxBoot.Result r = load(gzipBzImage(vmlinux), INITRD, true);
        FwCfgKernelItems items = r.fwCfg();
        assertTrue(r.how().contains("decompressed by jkvm"), r.how());
        assertEquals(keys(CMDLINE_ITEMS, INITRD_ITEMS, KERNEL_ADDR, KERNEL_SIZE), items.keys(),
                "memory holds the vmlinux, not the file: no KERNEL_DATA");
        checkCommonItems(r);
        assertArrayEquals(le32(SyntheticImages.TEXT_PADDR), items.item(KERNEL_ADDR));
        assertArrayEquals(le32(SyntheticImages.DATA_PADDR + SyntheticImages.DATA_MEMSZ - SyntheticImages.TEXT_PADDR), items.item(KERNEL_SIZE));
    }

    /** A bzImage (SyntheticImages' header) whose payload is {@code vmlinux} gzipped, then its size (arch/x86/boot/compressed). */
    private static byte[] gzipBzImage(byte[] vmlinux) throws IOException {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(vmlinux);
        }
        byte[] stream = gz.toByteArray();
        byte[] header = SyntheticImages.bytes(SyntheticImages.bzImage());
        int payloadAt = (SyntheticImages.SETUP_SECTS + 1) * 512 + SyntheticImages.PAYLOAD_OFFSET;
        byte[] image = new byte[payloadAt + stream.length + 4];
        System.arraycopy(header, 0, image, 0, payloadAt);
        System.arraycopy(stream, 0, image, payloadAt, stream.length);
        SyntheticImages.putInt(image, payloadAt + stream.length, vmlinux.length);
        SyntheticImages.putInt(image, SetupHeader.PAYLOAD_LENGTH, stream.length + 4);
        return image;
    }
}
