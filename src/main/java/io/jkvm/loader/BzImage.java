package io.jkvm.loader;

import io.jkvm.JkvmException;
import io.jkvm.boot.Layout;
import io.jkvm.memory.GuestMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import static io.jkvm.loader.LittleEndian.u16;
import static io.jkvm.loader.LittleEndian.u32;
import static io.jkvm.loader.LittleEndian.u64;
import static io.jkvm.loader.LittleEndian.u8;
import static io.jkvm.loader.SetupHeader.*;

/**
 * A Linux bzImage: the real-mode setup sectors with the {@link SetupHeader}, then the
 * protected-mode kernel (the decompressor plus the compressed vmlinux "payload").
 * Linux Documentation/arch/x86/boot.rst, "The real-mode kernel header" and "The 64-bit boot
 * protocol".
 *
 * <pre>
 * file offset 0                      (setup_sects + 1) * 512                          end
 *   | boot sector | setup code ...   | protected-mode kernel: decompressor, payload ... |
 *                 ^ 0x1F1 setup header           ^ payload_offset (from this start)
 * </pre>
 *
 * This class only reads the image; the zero page that carries the header to the kernel is
 * {@link ZeroPage}. Fields a protocol version does not have read as 0.
 */
public final class BzImage {
    /** Oldest protocol accepted: 2.06 (Linux 2.6.22) has cmdline_size; everything older is a 2007 kernel. */
    public static final int MIN_PROTOCOL = PROTOCOL_2_06;
    /** x86-64 physical addresses have at most 52 bits. */
    static final long MAX_PHYS_ADDR = 1L << 52;

    private final byte[] image;
    private final int version;
    private final int setupSects;
    private final int headerEnd;
    private final int loadflags;
    private final long kernelAlignment;
    private final boolean relocatable;
    private final int xloadflags;
    private final long cmdlineSize;
    private final long initrdAddrMax;
    private final long prefAddress;
    private final long initSize;
    private final long payloadOffset;
    private final long payloadLength;
    private final PayloadFormat payloadFormat;

    private BzImage(byte[] image) {
        this.image = image;
        if (image.length < HEADER + 6) {
            throw new JkvmException("not a bzImage: " + image.length + " bytes is too short for a Linux setup header");
        }
        if (u16(image, BOOT_FLAG, "boot_flag") != BOOT_FLAG_MAGIC) {
            throw new JkvmException("not a bzImage: no boot sector signature 0xAA55 at offset 0x1FE");
        }
        if (u32(image, HEADER, "header") != HEADER_MAGIC) {
            throw new JkvmException("not a bzImage: no \"HdrS\" setup header at offset 0x202 (not a Linux kernel, or one older than 1.3.73)");
        }
        version = u16(image, VERSION, "version");
        if (version < MIN_PROTOCOL) {
            throw new JkvmException("Linux boot protocol " + versionString(version)
                    + " is too old: jkvm needs 2.06 or later (Linux 2.6.22+)");
        }
        headerEnd = HEADER + u8(image, JUMP + 1, "setup header length");
        if (headerEnd > image.length || headerEnd < CMDLINE_SIZE + 4) {
            throw new JkvmException(String.format("corrupt bzImage: setup header ends at 0x%x (file %d bytes, protocol %s)",
                    headerEnd, image.length, versionString(version)));
        }
        int sects = u8(image, SETUP_SECTS, "setup_sects");
        setupSects = sects == 0 ? 4 : sects;  // boot.rst: "If this field is 0, the real value is 4."
        loadflags = u8(image, LOADFLAGS, "loadflags");
        if ((loadflags & LOADED_HIGH) == 0) {
            throw new JkvmException("not a bzImage: a zImage (loaded below 1 MiB, loadflags bit 0 clear), which jkvm does not boot");
        }
        if (setupSize() >= image.length) {
            throw new JkvmException(String.format("corrupt bzImage: %d setup sectors (%d bytes) leave no protected-mode kernel in a %d-byte file",
                    setupSects, setupSize(), image.length));
        }
        initrdAddrMax = u32(image, INITRD_ADDR_MAX, "initrd_addr_max");
        kernelAlignment = u32(image, KERNEL_ALIGNMENT, "kernel_alignment");
        relocatable = u8(image, RELOCATABLE_KERNEL, "relocatable_kernel") != 0;
        cmdlineSize = field32(CMDLINE_SIZE, PROTOCOL_2_06, "cmdline_size");
        payloadOffset = field32(PAYLOAD_OFFSET, PROTOCOL_2_08, "payload_offset");
        payloadLength = field32(PAYLOAD_LENGTH, PROTOCOL_2_08, "payload_length");
        prefAddress = version >= PROTOCOL_2_10 ? checkedU64(PREF_ADDRESS, "pref_address") : 0;
        initSize = field32(INIT_SIZE, PROTOCOL_2_10, "init_size");
        xloadflags = version >= PROTOCOL_2_12 ? u16(image, XLOADFLAGS, "xloadflags") : 0;
        if (payloadLength != 0 && !LittleEndian.inside(kernelSize(), payloadOffset, payloadLength)) {
            throw new JkvmException(String.format("corrupt bzImage: payload [0x%x, +0x%x) lies outside the %d-byte protected-mode kernel (truncated file?)",
                    payloadOffset, payloadLength, kernelSize()));
        }
        payloadFormat = payloadLength == 0 ? PayloadFormat.UNKNOWN
                : PayloadFormat.detect(image, (int) payloadFileOffset(), (int) payloadLength);
    }

    /** Parses the setup header of {@code image}; the array is kept (not copied) and must not change. */
    public static BzImage parse(byte[] image) {
        return new BzImage(image);
    }

    private long field32(int offset, int since, String name) {
        if (version < since) return 0;
        if (offset + 4 > headerEnd) {
            throw new JkvmException(String.format("corrupt bzImage: protocol %s names %s at 0x%x but the header ends at 0x%x",
                    versionString(version), name, offset, headerEnd));
        }
        return u32(image, offset, name);
    }

    private long checkedU64(int offset, String name) {
        if (offset + 8 > headerEnd) {
            throw new JkvmException(String.format("corrupt bzImage: protocol %s names %s at 0x%x but the header ends at 0x%x",
                    versionString(version), name, offset, headerEnd));
        }
        long v = u64(image, offset, name);
        if (v < Layout.BIOS_END || v >= MAX_PHYS_ADDR || (v & (Layout.PAGE_SIZE - 1)) != 0) {
            throw new JkvmException(String.format("corrupt bzImage: %s 0x%x is not a page-aligned address between 1 MiB and 2^52", name, v));
        }
        return v;
    }

    /** Boot protocol version, major << 8 | minor: 0x020f is 2.15. */
    public int protocolVersion() { return version; }

    /** Number of 512-byte setup sectors after the boot sector (0 in the file means 4). */
    public int setupSects() { return setupSects; }

    /** Bytes before the protected-mode kernel: (setup_sects + 1) * 512. */
    public long setupSize() { return (setupSects + 1L) * 512; }

    /** End of the setup header in the file: 0x202 + the byte at 0x201 (the jump's displacement). */
    public int headerEnd() { return headerEnd; }

    public int loadflags() { return loadflags; }

    public long kernelAlignment() { return kernelAlignment; }

    public boolean relocatable() { return relocatable; }

    public int xloadflags() { return xloadflags; }

    /** Whether the kernel has the 64-bit entry point (XLF_KERNEL_64). */
    public boolean hasEntry64() { return (xloadflags & XLF_KERNEL_64) != 0; }

    /** Longest command line the kernel accepts, without the terminating NUL. */
    public long cmdlineSize() { return cmdlineSize; }

    /** Highest address the initrd's last byte may occupy. */
    public long initrdAddrMax() { return initrdAddrMax; }

    /** The kernel's preferred load address (protocol 2.10+), else 0. */
    public long prefAddress() { return prefAddress; }

    /** Contiguous memory from the load address the kernel needs before it reads the memory map (2.10+), else 0. */
    public long initSize() { return initSize; }

    /** payload_offset: from the start of the protected-mode kernel. */
    public long payloadOffset() { return payloadOffset; }

    public long payloadLength() { return payloadLength; }

    /** Where the payload starts in the file. */
    public long payloadFileOffset() { return setupSize() + payloadOffset; }

    public PayloadFormat payloadFormat() { return payloadFormat; }

    /** A copy of the compressed payload (its last 4 bytes are the uncompressed size, little-endian). */
    public byte[] payload() {
        int from = (int) payloadFileOffset();
        return Arrays.copyOfRange(image, from, from + (int) payloadLength);
    }

    /** The uncompressed size the build appended to the payload, or 0 if there is no payload. */
    public long payloadUncompressedSize() {
        return payloadLength < 4 ? 0 : u32(image, payloadFileOffset() + payloadLength - 4, "payload size");
    }

    /** The setup header as the file has it: bytes [0x1F1, headerEnd), at most up to 0x290. */
    public byte[] setupHeader() {
        return Arrays.copyOfRange(image, START, Math.min(headerEnd, MAX_END));
    }

    /** Size of the protected-mode kernel (the part loaded into guest memory). */
    public long kernelSize() { return image.length - setupSize(); }

    /** A copy of the protected-mode kernel: the {@link #kernelSize()} bytes {@link #load} puts at {@link #loadAddress()}. */
    public byte[] kernel() {
        return Arrays.copyOfRange(image, (int) setupSize(), image.length);
    }

    /**
     * Where jkvm loads the protected-mode kernel: pref_address (so a relocatable kernel need not
     * move itself), or 1 MiB for protocols before 2.10.
     */
    public long loadAddress() {
        return version >= PROTOCOL_2_10 ? prefAddress : Layout.LINUX_LEGACY_LOAD_ADDR;
    }

    /** The guest-physical end of the memory the kernel occupies from its load address: init_size or its own size, whichever is larger. */
    public long footprintEnd() {
        long size = Math.max(initSize, kernelSize());
        return alignUp(loadAddress() + size, Layout.PAGE_SIZE);
    }

    /** The 64-bit entry point once loaded: load address + 0x200. */
    public long entry64() {
        requireEntry64();
        return loadAddress() + ENTRY_64_OFFSET;
    }

    public void requireEntry64() {
        if (!hasEntry64()) {
            throw new JkvmException(String.format("this bzImage has no 64-bit entry point (protocol %s, xloadflags 0x%x without XLF_KERNEL_64): jkvm boots x86-64 kernels",
                    versionString(version), xloadflags));
        }
    }

    /**
     * Copies the protected-mode kernel to {@link #loadAddress()}, after checking that the whole
     * footprint [loadAddress, footprintEnd) lies in guest RAM.
     */
    public void load(GuestMemory memory) {
        long start = loadAddress();
        long end = footprintEnd();
        if (!memory.contains(start, end - start)) {
            throw new JkvmException(String.format("the kernel needs guest RAM [0x%x, 0x%x) (init_size %d MiB) but the guest has only %d MiB: give it at least %d MiB",
                    start, end, initSize >> 20, memory.size() >> 20, (end + (1 << 20) - 1) >> 20));
        }
        int from = (int) setupSize();
        MemorySegment.copy(image, from, memory.slice(start, image.length - from), ValueLayout.JAVA_BYTE, 0, image.length - from);
    }

    static long alignUp(long value, long alignment) {
        return (value + alignment - 1) & -alignment;
    }

    @Override
    public String toString() {
        return String.format("bzImage protocol %s, setup %d sectors, load 0x%x, init_size 0x%x, %s payload of %d bytes",
                versionString(version), setupSects, loadAddress(), initSize, payloadFormat, payloadLength);
    }
}
