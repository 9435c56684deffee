package io.jkvm.loader.multiboot;

import io.jkvm.loader.LittleEndian;

import io.jkvm.JkvmException;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static io.jkvm.loader.LittleEndian.u32;

/**
 * The Multiboot header of an OS image (Multiboot 0.6.96, 3.1.1 The layout of Multiboot header):
 * "contained completely within the first 8192 bytes of the OS image, and must be longword
 * (32-bit) aligned".
 *
 * <pre>
 *  0 u32 magic 0x1BADB002   4 u32 flags   8 u32 checksum (magic + flags + checksum == 0 mod 2^32)
 * if flags[16]: 12 header_addr  16 load_addr  20 load_end_addr  24 bss_end_addr  28 entry_addr
 * if flags[2]:  32 mode_type    36 width      40 height         44 depth
 * </pre>
 *
 * Flags (3.1.2 The magic fields of Multiboot header): bits 0-15 are requirements a boot loader
 * must refuse to load an image for if it cannot meet them; bits 16-31 are optional. jkvm meets
 * bit 0 (modules page-aligned) and bit 1 (memory information), and accepts bit 2 (a video mode)
 * without setting one, as QEMU does ("multiboot knows VBE. we don't."): the kernel finds no
 * video fields in the boot information and stays in text mode. Any other bit in 0-15 is refused.
 * Of 16-31, bit 16 (the a.out kludge address fields) is understood and the rest ignored.
 */
public final class MultibootHeader {
    /** The header lies wholly within the image's first 8 KiB. */
    public static final int SEARCH_LIMIT = 8192;
    /** On a 32-bit boundary of the file. */
    public static final int ALIGN = 4;
    /** magic, flags, checksum. */
    public static final int BASE_SIZE = 12;
    /** With the address fields (flags[16]). */
    public static final int ADDRESS_SIZE = 32;

    /** flags[0]: boot modules on page (4 KiB) boundaries. */
    public static final int FLAG_PAGE_ALIGN = 1;
    /** flags[1]: mem_* (and the memory map, if the loader can) in the boot information. */
    public static final int FLAG_MEMORY_INFO = 1 << 1;
    /** flags[2]: a video mode table; jkvm, like QEMU, ignores it. */
    public static final int FLAG_VIDEO_MODE = 1 << 2;
    /** flags[16]: the address fields at offsets 12-28 are valid (the "a.out kludge"). */
    public static final int FLAG_AOUT_KLUDGE = 1 << 16;

    /** Required bits (0-15) jkvm can honour. */
    static final int SUPPORTED_REQUIRED = FLAG_PAGE_ALIGN | FLAG_MEMORY_INFO | FLAG_VIDEO_MODE;
    static final int REQUIRED_BITS = 0xffff;

    /** The address fields (Multiboot 0.6.96, 3.1.3 The address fields of Multiboot header), all physical, unsigned 32-bit. */
    public record AddressFields(long headerAddr, long loadAddr, long loadEndAddr, long bssEndAddr, long entryAddr) {}

    private final int offset;
    private final int flags;
    private final AddressFields addressFields;

    private MultibootHeader(int offset, int flags, AddressFields addressFields) {
        this.offset = offset;
        this.flags = flags;
        this.addressFields = addressFields;
    }

    /**
     * The first 32-bit aligned header with a valid checksum in the image's first 8 KiB, or empty
     * if there is none (a magic with a bad checksum is passed over, as QEMU and GRUB pass it over).
     *
     * @throws JkvmException if the header found requires a feature jkvm lacks or its address
     *                       fields are cut off
     */
    public static Optional<MultibootHeader> find(byte[] image) {
        for (int at : candidates(image)) {
            long flags = u32(image, at + 4, "multiboot flags");
            long checksum = u32(image, at + 8, "multiboot checksum");
            if (((Multiboot.MAGIC_HEADER + flags + checksum) & 0xffff_ffffL) == 0) return Optional.of(parse(image, at, (int) flags));
        }
        return Optional.empty();
    }

    /**
     * Like {@link #find}, but an image without a valid header is a one-line error that says
     * whether a header with a bad checksum was there.
     */
    public static MultibootHeader require(byte[] image) {
        Optional<MultibootHeader> found = find(image);
        if (found.isPresent()) return found.get();
        List<Integer> seen = candidates(image);
        if (!seen.isEmpty()) {
            int at = seen.getFirst();
            long flags = u32(image, at + 4, "multiboot flags");
            long checksum = u32(image, at + 8, "multiboot checksum");
            throw new JkvmException(String.format("the multiboot header at file offset 0x%x has a bad checksum 0x%x: magic + flags (0x%x) + checksum must be 0 mod 2^32",
                    at, checksum, flags));
        }
        throw new JkvmException("no multiboot header (magic 0x1BADB002, 32-bit aligned, in the first 8192 bytes): not a multiboot kernel");
    }

    /** Aligned offsets in the first 8 KiB whose u32 is the magic and whose magic, flags and checksum fit there. */
    private static List<Integer> candidates(byte[] image) {
        List<Integer> at = new ArrayList<>();
        int limit = Math.min(image.length, SEARCH_LIMIT);
        for (int i = 0; i + BASE_SIZE <= limit; i += ALIGN) {
            if (u32(image, i, "multiboot magic") == (Multiboot.MAGIC_HEADER & 0xffff_ffffL)) at.add(i);
        }
        return at;
    }

    private static MultibootHeader parse(byte[] image, int at, int flags) {
        int unsupported = flags & REQUIRED_BITS & ~SUPPORTED_REQUIRED;
        if (unsupported != 0) {
            throw new JkvmException(String.format("the multiboot header at file offset 0x%x requires features jkvm does not support (flags 0x%x, required bits %s): jkvm provides bits 0-2",
                    at, flags, bitList(unsupported)));
        }
        if ((flags & FLAG_AOUT_KLUDGE) == 0) return new MultibootHeader(at, flags, null);
        int limit = Math.min(image.length, SEARCH_LIMIT);
        if (at + ADDRESS_SIZE > limit) {
            throw new JkvmException(String.format("the multiboot header at file offset 0x%x sets flag 16 but its address fields run past %s",
                    at, image.length < SEARCH_LIMIT ? "the end of the " + image.length + "-byte file" : "the first 8192 bytes"));
        }
        AddressFields fields = new AddressFields(u32(image, at + 12, "header_addr"), u32(image, at + 16, "load_addr"),
                u32(image, at + 20, "load_end_addr"), u32(image, at + 24, "bss_end_addr"), u32(image, at + 28, "entry_addr"));
        return new MultibootHeader(at, flags, fields);
    }

    private static String bitList(int bits) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            if ((bits & (1 << i)) == 0) continue;
            if (!sb.isEmpty()) sb.append(", ");
            sb.append(i);
        }
        return sb.toString();
    }

    /** File offset of the magic. */
    public int offset() { return offset; }

    /** The flags word, unsigned 32-bit in an int. */
    public int flags() { return flags; }

    /** The address fields, present when flags[16] is set. */
    public Optional<AddressFields> addressFields() { return Optional.ofNullable(addressFields); }

    /** flags[2]: the kernel asked for a video mode, which jkvm does not set. */
    public boolean videoModeRequested() { return (flags & FLAG_VIDEO_MODE) != 0; }

    @Override
    public String toString() {
        return String.format("multiboot header at 0x%x, flags 0x%x%s", offset, flags,
                addressFields == null ? "" : String.format(", load 0x%x-0x%x bss end 0x%x entry 0x%x", addressFields.loadAddr(),
                        addressFields.loadEndAddr(), addressFields.bssEndAddr(), addressFields.entryAddr()));
    }
}
