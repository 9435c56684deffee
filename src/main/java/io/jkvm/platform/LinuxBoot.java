package io.jkvm.platform;

import io.jkvm.config.LinuxKernel;
import io.jkvm.JkvmException;
import io.jkvm.devices.fwcfg.FwCfgKernelItems;
import io.jkvm.loader.BzImage;
import io.jkvm.loader.E820Map;
import io.jkvm.loader.ElfKernel;
import io.jkvm.loader.KernelImage;
import io.jkvm.loader.LinuxLoader;
import io.jkvm.loader.VmlinuxExtractor;
import io.jkvm.memory.GuestMemory;

import java.util.List;

/**
 * Puts a Linux kernel into guest memory for the 64-bit boot protocol
 * (Documentation/arch/x86/boot.rst): a bzImage either as is (entry: protected-mode kernel +
 * 0x200) or, by default, decompressed by jkvm into its ELF vmlinux (entry: startup_64), which
 * skips the kernel's decompressor; an ELF vmlinux directly.
 *
 * <p>The fw_cfg kernel items ({@link Result#fwCfg()}) follow QEMU 7.2's x86_load_linux
 * (hw/i386/x86.c) where jkvm's boot can fill them truthfully, that is with what guest memory
 * really holds at the addresses they give. QEMU's boot differs: it hands the items to an option
 * ROM (linuxboot_dma.bin, pvh.bin) that copies them into RAM and runs the kernel's real-mode
 * setup code, while jkvm places everything itself and enters the kernel directly.
 * <pre>
 * CMDLINE_ADDR/SIZE/DATA  every boot: where jkvm put the command line (0x20000, QEMU's address
 *                         for a recent bzImage too), strlen + 1, the bytes with their NUL.
 *                         QEMU's PVH path has no CMDLINE_ADDR (pvh.bin picks the address); jkvm's
 *                         PVH boot puts the line at CMDLINE_ADDR, so it says so
 * INITRD_ADDR/SIZE/DATA   with an initrd: where jkvm placed it (InitrdPlacement: page-aligned
 *                         and as high as fits below initrd_addr_max, as QEMU places it), its size
 *                         and its bytes
 * KERNEL_ADDR/SIZE/DATA   bzImage as is: the protected-mode kernel (the file after its setup
 *                         sectors), as in QEMU (which may append setup_data of its own to it:
 *                         a -dtb), but at pref_address, where jkvm loads it (QEMU: 0x100000,
 *                         from where the kernel moves itself)
 * KERNEL_ADDR/SIZE        ELF vmlinux, and a bzImage jkvm decompressed: the kernel's segments
 *                         as loaded, [lowest p_paddr, end of the highest with its bss), as QEMU's
 *                         PVH path gives them (elf_low, elf_high - elf_low). No KERNEL_DATA, as
 *                         QEMU's PVH path: guest memory holds the segments, not one file image
 *                         (for a decompressed bzImage the bytes exist only in guest memory,
 *                         none of the file's bytes are there)
 * KERNEL_ENTRY            PVH only, as in QEMU: the 32-bit PVH entry (EBX = hvm_start_info).
 *                         The 64-bit entries jkvm uses otherwise (startup_64, bzImage + 0x200)
 *                         are no entry QEMU's items describe: a reader would jump to them in
 *                         32-bit mode
 * </pre>
 * Left out, because nothing in guest memory matches them: SETUP_ADDR/SIZE/DATA. QEMU's hold the
 * bzImage's real-mode setup code (with the header it patched) that linuxboot.bin copies to
 * SETUP_ADDR and runs; jkvm runs no setup code and loads none (it writes its own zero page).
 * QEMU's PVH path puts the kernel file's first 8 KiB in SETUP_SIZE/DATA, which pvh.bin never
 * reads. KERNEL_* are left out, too, for a kernel jkvm loads above 4 GiB (the items are 32-bit).
 */
public final class LinuxBoot {
    private LinuxBoot() {}

    /**
     * What was loaded and how the kernel is entered: {@code pvh} = 32-bit protected mode with
     * EBX = hvm_start_info; otherwise long mode with RSI = the zero page. {@code fwCfg}: the
     * kernel items for fw_cfg (see the class comment).
     */
    public record Result(LinuxLoader.Loaded loaded, String how, boolean pvh, FwCfgKernelItems fwCfg) {}

    public static Result load(GuestMemory memory, LinuxKernel kernel, long acpiRsdp, List<E820Map.Entry> extraE820) {
        LinuxLoader.Options options = new LinuxLoader.Options(kernel.cmdline(), kernel.initrd(), acpiRsdp, extraE820);
        KernelImage type = KernelImage.require(kernel.kernel(), kernel.name());
        return switch (type) {
            case BZIMAGE -> {
                BzImage bz = BzImage.parse(kernel.kernel());
                if (kernel.hostDecompress() && VmlinuxExtractor.supports(bz.payloadFormat())) {
                    ElfKernel elf = ElfKernel.parse(VmlinuxExtractor.extract(bz));
                    LinuxLoader.Loaded loaded = LinuxLoader.loadElf(memory, elf, options);
                    yield new Result(loaded,
                            "bzImage, " + bz.payloadFormat() + " payload decompressed by jkvm, vmlinux entered at startup_64",
                            false, elfItems(kernel, loaded, elf).build());
                }
                LinuxLoader.Loaded loaded = LinuxLoader.loadBzImage(memory, bz, options);
                FwCfgKernelItems.Builder items = commonItems(kernel, loaded);
                if (FwCfgKernelItems.fitsU32(bz.loadAddress(), bz.kernelSize())) {
                    items.kernel(bz.loadAddress(), bz.kernelSize()).kernelData(bz.kernel());
                }
                yield new Result(loaded, "bzImage, 64-bit entry", false, items.build());
            }
            case ELF64 -> {
                ElfKernel elf = ElfKernel.parse(kernel.kernel());
                if (elf.pvhEntry().isPresent()) {
                    long entry = elf.pvhEntry().getAsLong();
                    LinuxLoader.Loaded loaded = LinuxLoader.loadElfPvh(memory, elf, options);
                    FwCfgKernelItems.Builder items = elfItems(kernel, loaded, elf);
                    if (FwCfgKernelItems.fitsU32(entry, 0)) items.kernelEntry(entry);
                    yield new Result(loaded, String.format("ELF vmlinux, PVH entry 0x%x", entry), true, items.build());
                }
                LinuxLoader.Loaded loaded = LinuxLoader.loadElf(memory, elf, options);
                yield new Result(loaded, "ELF vmlinux, 64-bit entry", false, elfItems(kernel, loaded, elf).build());
            }
            default -> throw new JkvmException(kernel.name() + " is not a Linux kernel jkvm can boot");
        };
    }

    /** CMDLINE_* always, INITRD_* with an initrd. */
    private static FwCfgKernelItems.Builder commonItems(LinuxKernel kernel, LinuxLoader.Loaded loaded) {
        FwCfgKernelItems.Builder items = FwCfgKernelItems.builder().cmdline(loaded.cmdlineAddr(), kernel.cmdline());
        if (loaded.initrdSize() > 0) items.initrd(loaded.initrdAddr(), kernel.initrd());
        return items;
    }

    /** The common items, and KERNEL_ADDR/SIZE = the span of the ELF kernel's loaded segments. */
    private static FwCfgKernelItems.Builder elfItems(LinuxKernel kernel, LinuxLoader.Loaded loaded, ElfKernel elf) {
        FwCfgKernelItems.Builder items = commonItems(kernel, loaded);
        long size = elf.physEnd() - elf.physStart();
        if (FwCfgKernelItems.fitsU32(elf.physStart(), size)) items.kernel(elf.physStart(), size);
        return items;
    }
}
