package io.jkvm.loader;

import io.jkvm.JkvmException;
import io.jkvm.boot.Layout;
import io.jkvm.memory.GuestMemory;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Puts a Linux kernel, its command line, initrd and zero page into guest memory for the 64-bit
 * boot protocol (Documentation/arch/x86/boot.rst, "64-bit boot protocol"): the vCPU then starts
 * in long mode at {@link Loaded#entry()} with RSI = {@link Loaded#bootParams()}, with the kernel,
 * zero page and command line identity-mapped and interrupts off.
 *
 * <pre>
 *   ZERO_PAGE_ADDR  boot_params: setup header, e820 map, cmd_line_ptr, ramdisk_image/size
 *   CMDLINE_ADDR    command line, NUL-terminated
 *   load address    the kernel: bzImage protected-mode part at pref_address, or ELF segments
 *   high            the initrd (InitrdPlacement)
 * </pre>
 */
public final class LinuxLoader {
    /** x86 COMMAND_LINE_SIZE is 2048: the longest command line an ELF kernel (no setup header) takes. */
    public static final long ELF_CMDLINE_SIZE = 2047;

    private LinuxLoader() {}

    /**
     * What to hand the kernel besides itself.
     *
     * @param cmdline     the command line (no NUL inside)
     * @param initrd      the initrd's bytes, or null
     * @param acpiRsdp    the RSDP's guest-physical address, or 0 to let Linux scan the BIOS area
     * @param extraE820   areas to cut into the e820 map, e.g. the ACPI tables (E820_ACPI)
     */
    public record Options(String cmdline, byte[] initrd, long acpiRsdp, List<E820Map.Entry> extraE820) {
        public Options {
            if (cmdline == null) cmdline = "";
            extraE820 = extraE820 == null ? List.of() : List.copyOf(extraE820);
        }

        public static Options of(String cmdline) {
            return new Options(cmdline, null, 0, List.of());
        }
    }

    /** Where everything went. initrdAddr and initrdSize are 0 without an initrd. */
    public record Loaded(long entry, long bootParams, long kernelStart, long kernelEnd,
                         long cmdlineAddr, long initrdAddr, long initrdSize, E820Map e820) {}

    /** Loads a bzImage for its 64-bit entry (load address + 0x200). */
    public static Loaded loadBzImage(GuestMemory memory, BzImage kernel, Options options) {
        kernel.requireEntry64();
        byte[] cmdline = commandLine(options.cmdline(), kernel.cmdlineSize());
        long initrdAddr = placeInitrd(memory, options, kernel.initrdAddrMax(), kernel.loadAddress(), kernel.footprintEnd());
        kernel.load(memory);
        return finish(memory, ZeroPage.forBzImage(kernel), kernel.entry64(), kernel.loadAddress(), kernel.footprintEnd(),
                cmdline, initrdAddr, options);
    }

    /**
     * Loads an ELF vmlinux for its 64-bit entry (startup_64 at e_entry) with a zero page that has
     * no setup header of the kernel's own, as Firecracker boots vmlinux.
     */
    public static Loaded loadElf(GuestMemory memory, ElfKernel kernel, Options options) {
        PlacedElf placed = placeElf(memory, kernel, options);
        return finish(memory, ZeroPage.withoutSetupHeader(), kernel.entry(), kernel.physStart(), placed.kernelEnd(),
                placed.cmdline(), placed.initrdAddr(), options);
    }

    /**
     * Loads an ELF vmlinux for its PVH entry (the XEN_ELFNOTE_PHYS32_ENTRY note): the vCPU starts
     * in 32-bit protected mode at {@link Loaded#entry()} with EBX = {@link Loaded#bootParams()},
     * which here is the hvm_start_info (at the zero page's address; no zero page is written).
     */
    public static Loaded loadElfPvh(GuestMemory memory, ElfKernel kernel, Options options) {
        long entry = kernel.pvhEntry().orElseThrow(() -> new JkvmException("the ELF kernel has no PVH entry note"));
        PlacedElf placed = placeElf(memory, kernel, options);
        long initrdSize = writeCmdlineAndInitrd(memory, placed.cmdline(), placed.initrdAddr(), options);
        E820Map e820 = E820Map.forRam(memory.size(), options.extraE820());
        long startInfo = PvhStartInfo.write(memory, Layout.ZERO_PAGE_ADDR, Layout.CMDLINE_ADDR, options.acpiRsdp(),
                placed.initrdAddr(), initrdSize, e820.entries());
        return new Loaded(entry, startInfo, kernel.physStart(), placed.kernelEnd(), Layout.CMDLINE_ADDR,
                placed.initrdAddr(), initrdSize, e820);
    }

    /** An ELF kernel copied into RAM, with its command line ready and its initrd's place chosen. */
    private record PlacedElf(byte[] cmdline, long kernelEnd, long initrdAddr) {}

    /** Checks and places an ELF kernel (every check before anything is written), then loads it. */
    private static PlacedElf placeElf(GuestMemory memory, ElfKernel kernel, Options options) {
        if (kernel.physStart() < Layout.BIOS_END) {
            throw new JkvmException(String.format("the ELF kernel starts at 0x%x, below 1 MiB, where jkvm keeps the zero page, command line and page tables",
                    kernel.physStart()));
        }
        byte[] cmdline = commandLine(options.cmdline(), ELF_CMDLINE_SIZE);
        long kernelEnd = BzImage.alignUp(kernel.physEnd(), Layout.PAGE_SIZE);
        long initrdAddr = placeInitrd(memory, options, InitrdPlacement.DEFAULT_INITRD_ADDR_MAX, kernel.physStart(), kernelEnd);
        kernel.load(memory);
        return new PlacedElf(cmdline, kernelEnd, initrdAddr);
    }

    /** Writes the command line and the initrd (if placed); returns the initrd's size (0 without one). */
    private static long writeCmdlineAndInitrd(GuestMemory memory, byte[] cmdline, long initrdAddr, Options options) {
        memory.write(Layout.CMDLINE_ADDR, cmdline);
        if (initrdAddr == 0) return 0;
        memory.write(initrdAddr, options.initrd());
        return options.initrd().length;
    }

    /** Where the initrd goes (0 without one), decided before anything is written. */
    private static long placeInitrd(GuestMemory memory, Options options, long initrdAddrMax, long kernelStart, long kernelEnd) {
        if (options.initrd() == null || options.initrd().length == 0) return 0;
        return InitrdPlacement.place(options.initrd().length, initrdAddrMax, kernelStart, kernelEnd, memory.size());
    }

    private static Loaded finish(GuestMemory memory, ZeroPage zeroPage, long entry, long kernelStart, long kernelEnd,
                                 byte[] cmdline, long initrdAddr, Options options) {
        long initrdSize = writeCmdlineAndInitrd(memory, cmdline, initrdAddr, options);
        zeroPage.commandLine(Layout.CMDLINE_ADDR);
        if (initrdAddr != 0) zeroPage.ramdisk(initrdAddr, initrdSize);
        if (options.acpiRsdp() != 0) zeroPage.acpiRsdp(options.acpiRsdp());
        E820Map e820 = E820Map.forRam(memory.size(), options.extraE820());
        zeroPage.e820(e820);
        zeroPage.writeTo(memory, Layout.ZERO_PAGE_ADDR);
        return new Loaded(entry, Layout.ZERO_PAGE_ADDR, kernelStart, kernelEnd,
                Layout.CMDLINE_ADDR, initrdAddr, initrdSize, e820);
    }

    /** The command line as the kernel reads it: bytes and a NUL, checked against {@code max} (without the NUL). */
    static byte[] commandLine(String text, long max) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (text.indexOf('\0') >= 0) throw new JkvmException("the kernel command line contains a NUL character");
        long limit = Math.min(max, Layout.CMDLINE_MAX - 1);
        if (bytes.length > limit) {
            throw new JkvmException("the kernel command line is " + bytes.length + " bytes; this kernel takes at most " + limit);
        }
        byte[] withNul = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, withNul, 0, bytes.length);
        return withNul;
    }
}
