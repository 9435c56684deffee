package io.jkvm.platform;

import io.jkvm.JkvmException;
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
 */
public final class LinuxBoot {
    private LinuxBoot() {}

    /**
     * What was loaded and how the kernel is entered: {@code pvh} = 32-bit protected mode with
     * EBX = hvm_start_info; otherwise long mode with RSI = the zero page.
     */
    public record Result(LinuxLoader.Loaded loaded, String how, boolean pvh) {
        Result(LinuxLoader.Loaded loaded, String how) {
            this(loaded, how, false);
        }
    }

    public static Result load(GuestMemory memory, LinuxKernel kernel, long acpiRsdp, List<E820Map.Entry> extraE820) {
        LinuxLoader.Options options = new LinuxLoader.Options(kernel.cmdline(), kernel.initrd(), acpiRsdp, extraE820);
        KernelImage type = KernelImage.require(kernel.kernel(), kernel.name());
        return switch (type) {
            case BZIMAGE -> {
                BzImage bz = BzImage.parse(kernel.kernel());
                if (kernel.hostDecompress() && VmlinuxExtractor.supports(bz.payloadFormat())) {
                    ElfKernel elf = ElfKernel.parse(VmlinuxExtractor.extract(bz));
                    yield new Result(LinuxLoader.loadElf(memory, elf, options),
                            "bzImage, " + bz.payloadFormat() + " payload decompressed by jkvm, vmlinux entered at startup_64");
                }
                yield new Result(LinuxLoader.loadBzImage(memory, bz, options), "bzImage, 64-bit entry");
            }
            case ELF64 -> {
                ElfKernel elf = ElfKernel.parse(kernel.kernel());
                if (elf.pvhEntry().isPresent()) {
                    yield new Result(LinuxLoader.loadElfPvh(memory, elf, options),
                            String.format("ELF vmlinux, PVH entry 0x%x", elf.pvhEntry().getAsLong()), true);
                }
                yield new Result(LinuxLoader.loadElf(memory, elf, options), "ELF vmlinux, 64-bit entry");
            }
            default -> throw new JkvmException(kernel.name() + " is not a Linux kernel jkvm can boot");
        };
    }
}
