package io.jkvm.loader;

/**
 * struct setup_header (Linux Documentation/arch/x86/boot.rst, "The real-mode kernel header";
 * arch/x86/include/uapi/asm/bootparam.h). The header sits at the same offsets in the bzImage file
 * and in struct boot_params, so each constant is both a file offset and a zero-page offset.
 *
 * <pre>
 * 0x1F1 u8  setup_sects        0x218 u32 ramdisk_image        0x238 u32 cmdline_size
 * 0x1F4 u32 syssize            0x21C u32 ramdisk_size         0x23C u32 hardware_subarch
 * 0x1FA u16 vid_mode           0x224 u16 heap_end_ptr         0x248 u32 payload_offset
 * 0x1FE u16 boot_flag 0xAA55   0x228 u32 cmd_line_ptr         0x24C u32 payload_length
 * 0x200 u16 jump (0x201: end)  0x22C u32 initrd_addr_max      0x250 u64 setup_data
 * 0x202 u32 header "HdrS"      0x230 u32 kernel_alignment     0x258 u64 pref_address
 * 0x206 u16 version            0x234 u8  relocatable_kernel   0x260 u32 init_size
 * 0x210 u8  type_of_loader     0x235 u8  min_alignment        0x264 u32 handover_offset
 * 0x211 u8  loadflags          0x236 u16 xloadflags           0x268 u32 kernel_info_offset
 * 0x214 u32 code32_start
 * </pre>
 */
public final class SetupHeader {
    private SetupHeader() {}

    public static final int START = 0x1F1;
    /** boot_params: the header may extend at most to here (struct boot_params._pad7 ends at 0x290). */
    public static final int MAX_END = 0x290;

    public static final int SETUP_SECTS = 0x1F1;
    public static final int SYSSIZE = 0x1F4;
    public static final int VID_MODE = 0x1FA;
    public static final int BOOT_FLAG = 0x1FE;
    public static final int JUMP = 0x200;
    public static final int HEADER = 0x202;
    public static final int VERSION = 0x206;
    public static final int TYPE_OF_LOADER = 0x210;
    public static final int LOADFLAGS = 0x211;
    public static final int CODE32_START = 0x214;
    public static final int RAMDISK_IMAGE = 0x218;
    public static final int RAMDISK_SIZE = 0x21C;
    public static final int HEAP_END_PTR = 0x224;
    public static final int CMD_LINE_PTR = 0x228;
    public static final int INITRD_ADDR_MAX = 0x22C;
    public static final int KERNEL_ALIGNMENT = 0x230;
    public static final int RELOCATABLE_KERNEL = 0x234;
    public static final int MIN_ALIGNMENT = 0x235;
    public static final int XLOADFLAGS = 0x236;
    public static final int CMDLINE_SIZE = 0x238;
    public static final int HARDWARE_SUBARCH = 0x23C;
    public static final int PAYLOAD_OFFSET = 0x248;
    public static final int PAYLOAD_LENGTH = 0x24C;
    public static final int SETUP_DATA = 0x250;
    public static final int PREF_ADDRESS = 0x258;
    public static final int INIT_SIZE = 0x260;
    public static final int HANDOVER_OFFSET = 0x264;
    public static final int KERNEL_INFO_OFFSET = 0x268;

    /** boot_flag: the boot sector signature. */
    public static final int BOOT_FLAG_MAGIC = 0xAA55;
    /** header: "HdrS" read as a little-endian u32. */
    public static final long HEADER_MAGIC = 0x5372_6448L;

    /** loadflags bit 0: the protected-mode code is loaded at 0x100000 (a bzImage, not a zImage). */
    public static final int LOADED_HIGH = 0x01;
    /** loadflags bit 7: heap_end_ptr is valid. */
    public static final int CAN_USE_HEAP = 0x80;

    /** xloadflags bit 0: the kernel has the legacy 64-bit entry point at its load address + 0x200. */
    public static final int XLF_KERNEL_64 = 0x01;
    /** xloadflags bit 1: kernel, boot_params, command line and ramdisk may all lie above 4 GiB. */
    public static final int XLF_CAN_BE_LOADED_ABOVE_4G = 0x02;

    /** type_of_loader: 0xFF, "undefined" (boot.rst: a boot loader without an assigned ID). */
    public static final int LOADER_UNDEFINED = 0xFF;
    /** vid_mode: 0xFFFF, "normal" VGA (vga=normal), as kvmtool sets it. */
    public static final int VID_MODE_NORMAL = 0xFFFF;

    /** Boot protocol versions (major << 8 | minor). */
    public static final int PROTOCOL_2_06 = 0x0206;
    public static final int PROTOCOL_2_08 = 0x0208;
    public static final int PROTOCOL_2_10 = 0x020A;
    public static final int PROTOCOL_2_12 = 0x020C;

    /** The 64-bit entry point lies this far past the start of the protected-mode kernel (boot.rst, "64-bit boot protocol"). */
    public static final long ENTRY_64_OFFSET = 0x200;

    /** "2.15" for 0x020f. */
    public static String versionString(int version) {
        return (version >>> 8) + "." + String.format("%02d", version & 0xff);
    }
}
