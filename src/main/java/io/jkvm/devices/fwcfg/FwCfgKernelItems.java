package io.jkvm.devices.fwcfg;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The fw_cfg items that describe the booted kernel: QEMU's FW_CFG_KERNEL_*, INITRD_* and
 * CMDLINE_* (include/standard-headers/linux/qemu_fw_cfg.h), which QEMU fills from -kernel,
 * -initrd and -append for its option ROMs (multiboot.bin, linuxboot.bin, pvh.bin). As in QEMU
 * every address, size and entry point is a little-endian u32 (fw_cfg_add_i32), every *_DATA
 * item the bytes themselves, and the command line a string with its NUL (fw_cfg_add_string).
 *
 * <p>The loader that put the kernel into guest memory says what goes here: the values must be
 * what the guest really has at those addresses. For a multiboot kernel see
 * {@link #multiboot}; for Linux, io.jkvm.platform.LinuxBoot. Arrays handed to the builder are
 * kept, not copied (an initrd may be large): pass arrays nobody changes afterwards.
 * {@link #addTo} hands them to an {@link FwCfgBuilder}, which copies them.
 */
public final class FwCfgKernelItems {
    /** No kernel items: a VM booted without a kernel. */
    public static final FwCfgKernelItems NONE = new FwCfgKernelItems(new TreeMap<>());

    /** Items are 32-bit: an address or size must lie below 4 GiB. */
    static final long U32_LIMIT = 1L << 32;

    /** Bytes of a u32 item. */
    private static final int U32_BYTES = 4;

    private final SortedMap<Integer, byte[]> items;

    private FwCfgKernelItems(SortedMap<Integer, byte[]> items) {
        this.items = Collections.unmodifiableSortedMap(items);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A multiboot kernel's items, in the meaning QEMU 7.2's load_multiboot (hw/i386/multiboot.c)
     * gives them for its multiboot option ROM, which copies KERNEL_DATA to KERNEL_ADDR and
     * INITRD_DATA to INITRD_ADDR, then jumps to KERNEL_ENTRY with EBX = INITRD_ADDR:
     * <pre>
     * KERNEL_ENTRY  the entry point (QEMU: mh_entry_addr or the ELF entry)       same in jkvm
     * KERNEL_ADDR   where the image starts (QEMU: mh_load_addr or the lowest ELF
     *               segment)                                                     same in jkvm
     * KERNEL_SIZE   QEMU: its whole load buffer, the page-aligned image, then its module table,
     *               command lines, loader name and the modules, each page-aligned
     *               jkvm: the image alone, [load address, bss end): jkvm keeps the module
     *               table and strings with multiboot_info and places the modules itself,
     *               so nothing else follows the image as one block
     * KERNEL_DATA   KERNEL_SIZE bytes: the image as loaded, file bytes then the zeroed bss
     *               (QEMU: followed by the rest of its buffer)
     * INITRD_ADDR   multiboot_info, the EBX of the entry (QEMU: ADDR_MBI, 0x9500) same in jkvm
     * INITRD_SIZE   88 (QEMU's MBI_SIZE): multiboot_info through the VBE fields   same in jkvm
     * INITRD_DATA   those 88 bytes. QEMU's leave mem_lower, mem_upper and mmap_length 0 for its
     *               option ROM to fill in; jkvm has no option ROM and gives the structure as it
     *               is in memory, those fields included
     * </pre>
     * No CMDLINE_* and no SETUP_* items: QEMU adds none for a multiboot kernel (the command line
     * is a string multiboot_info points to).
     *
     * @param entry       the entry point
     * @param kernelAddr  the image's load address
     * @param kernelImage the image as loaded, [load address, bss end); null to leave out
     *                    KERNEL_DATA (KERNEL_SIZE is then {@code kernelSize})
     * @param kernelSize  the image's size; must be {@code kernelImage.length} when it is given
     * @param infoAddr    multiboot_info's address
     * @param info        multiboot_info's first bytes as in memory
     */
    public static FwCfgKernelItems multiboot(long entry, long kernelAddr, long kernelSize, byte[] kernelImage,
                                             long infoAddr, byte[] info) {
        Builder b = builder().kernelEntry(entry).kernel(kernelAddr, kernelSize);
        if (kernelImage != null) b.kernelData(kernelImage);
        return b.initrd(infoAddr, info).build();
    }

    /** Adds every item to {@code fwCfg} (which copies the data); returns it. */
    public FwCfgBuilder addTo(FwCfgBuilder fwCfg) {
        items.forEach(fwCfg::addBytes);
        return fwCfg;
    }

    /** The keys present, in order. */
    public SortedSet<Integer> keys() {
        return new TreeSet<>(items.keySet());
    }

    /** A copy of item {@code key}, or null. */
    public byte[] item(int key) {
        byte[] data = items.get(key);
        return data == null ? null : data.clone();
    }

    public boolean isEmpty() {
        return items.isEmpty();
    }

    @Override
    public String toString() {
        StringJoiner s = new StringJoiner(", ", "FwCfgKernelItems{", "}");
        items.forEach((k, v) -> s.add(String.format("0x%x: %d bytes", k, v.length)));
        return s.toString();
    }

    /**
     * Collects the items group by group; each group may be given once. Every value must fit in
     * 32 bits; violations throw {@link IllegalArgumentException}.
     */
    public static final class Builder {
        private final SortedMap<Integer, byte[]> items = new TreeMap<>();
        private long kernelSize = -1;

        private Builder() {}

        /** KERNEL_ADDR and KERNEL_SIZE: the kernel occupies [addr, addr + size) in guest memory. */
        public Builder kernel(long addr, long size) {
            requireRange(addr, size, "kernel");
            put(FwCfgKeys.KERNEL_ADDR, u32(addr));
            put(FwCfgKeys.KERNEL_SIZE, u32(size));
            kernelSize = size;
            return this;
        }

        /** KERNEL_DATA: the KERNEL_SIZE bytes at KERNEL_ADDR; needs {@link #kernel} first. */
        public Builder kernelData(byte[] data) {
            if (kernelSize < 0) throw new IllegalArgumentException("KERNEL_DATA needs KERNEL_ADDR and KERNEL_SIZE first");
            if (data.length != kernelSize) {
                throw new IllegalArgumentException("KERNEL_DATA has " + data.length + " bytes, KERNEL_SIZE says " + kernelSize);
            }
            put(FwCfgKeys.KERNEL_DATA, data);
            return this;
        }

        /** KERNEL_ENTRY: where the boot processor starts. */
        public Builder kernelEntry(long entry) {
            requireRange(entry, 0, "kernel entry");
            put(FwCfgKeys.KERNEL_ENTRY, u32(entry));
            return this;
        }

        /** INITRD_ADDR, INITRD_SIZE = {@code data.length}, INITRD_DATA = {@code data}. */
        public Builder initrd(long addr, byte[] data) {
            requireRange(addr, data.length, "initrd");
            put(FwCfgKeys.INITRD_ADDR, u32(addr));
            put(FwCfgKeys.INITRD_SIZE, u32(data.length));
            put(FwCfgKeys.INITRD_DATA, data);
            return this;
        }

        /**
         * CMDLINE_ADDR, CMDLINE_SIZE and CMDLINE_DATA: the command line at {@code addr} in guest
         * memory, as UTF-8 with its NUL; CMDLINE_SIZE counts the NUL (QEMU: strlen + 1).
         */
        public Builder cmdline(long addr, String text) {
            if (text.indexOf('\0') >= 0) throw new IllegalArgumentException("a command line holds no NUL");
            byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
            byte[] data = Arrays.copyOf(utf8, utf8.length + 1);
            requireRange(addr, data.length, "command line");
            put(FwCfgKeys.CMDLINE_ADDR, u32(addr));
            put(FwCfgKeys.CMDLINE_SIZE, u32(data.length));
            put(FwCfgKeys.CMDLINE_DATA, data);
            return this;
        }

        public FwCfgKernelItems build() {
            return new FwCfgKernelItems(new TreeMap<>(items));
        }

        private void put(int key, byte[] data) {
            if (items.containsKey(key)) throw new IllegalArgumentException(String.format("fw_cfg kernel item 0x%x is already set", key));
            items.put(key, data);
        }

        /** {@code [start, start + size)} must lie below 4 GiB (a size-0 range: {@code start} must). */
        private static void requireRange(long start, long size, String what) {
            if (!fitsU32(start, size)) {
                throw new IllegalArgumentException(String.format("the %s at 0x%x (%d bytes) does not fit fw_cfg's 32-bit items", what, start, size));
            }
        }

        private static byte[] u32(long value) {
            return ByteBuffer.allocate(U32_BYTES).order(ByteOrder.LITTLE_ENDIAN).putInt((int) value).array();
        }
    }

    /** True when {@code [start, start + size)} lies below 4 GiB, as the 32-bit items need. */
    public static boolean fitsU32(long start, long size) {
        return start >= 0 && size >= 0 && start < U32_LIMIT && size <= U32_LIMIT - start;
    }
}
