package io.jkvm.platform;

import io.jkvm.config.MultibootKernel;
import io.jkvm.devices.fwcfg.FwCfgKernelItems;
import io.jkvm.loader.E820Map;
import io.jkvm.loader.KernelImage;
import io.jkvm.loader.multiboot.AddressRange;
import io.jkvm.loader.multiboot.Multiboot;
import io.jkvm.loader.multiboot.MultibootHeader;
import io.jkvm.loader.multiboot.MultibootInfo;
import io.jkvm.loader.multiboot.MultibootLoader;
import io.jkvm.memory.GuestMemory;

import java.util.List;
import java.util.Map;

/**
 * Puts a Multiboot v1 kernel, its modules and the boot information into guest memory
 * (Multiboot 0.6.96), and says how the boot processor starts: 32-bit protected mode at the
 * kernel's entry with EAX = 0x2BADB002 and EBX = the information structure (3.2 "Machine
 * state"). The memory map is the one Linux gets from jkvm (E820Map).
 */
public final class MultibootBoot {
    private MultibootBoot() {}

    /**
     * Where the boot processor starts, its EAX/EBX, a line on what was loaded, and the fw_cfg
     * items QEMU gives a multiboot kernel ({@link FwCfgKernelItems#multiboot}).
     */
    public record Result(long entry, Map<String, Long> registers, String how, FwCfgKernelItems fwCfg) {}

    /**
     * The largest image KERNEL_DATA holds: the longest byte array the JVM reliably allocates
     * (jdk.internal.util.ArraysSupport.SOFT_MAX_ARRAY_LENGTH). A larger image (only a bss of
     * gigabytes makes one) gets KERNEL_ADDR and KERNEL_SIZE without KERNEL_DATA.
     */
    static final long MAX_KERNEL_DATA = Integer.MAX_VALUE - 8;

    /**
     * True when {@code kernel} is a multiboot kernel. QEMU's order (hw/i386/x86.c
     * x86_load_linux): a Linux boot-protocol header wins, then a multiboot header.
     */
    public static boolean isMultiboot(byte[] kernel) {
        return KernelImage.detect(kernel) != KernelImage.BZIMAGE && MultibootHeader.find(kernel).isPresent();
    }

    /**
     * Loads {@code kernel} into {@code memory} of {@code ramSize} bytes, keeping it off
     * {@code occupied}: what jkvm has written already (the ACPI tables).
     */
    public static Result load(GuestMemory memory, MultibootKernel kernel, long ramSize, List<MultibootLoader.Occupied> occupied) {
        List<MultibootLoader.Module> modules = kernel.modules().stream()
                .map(m -> new MultibootLoader.Module(m.data(), m.string())).toList();
        MultibootLoader.Loaded loaded = MultibootLoader.load(memory, kernel.kernel(), kernel.name(), kernel.cmdline(), modules,
                E820Map.forRam(ramSize).entries(), occupied);
        return new Result(loaded.entry(),
                Map.of("rax", (long) Multiboot.MAGIC_BOOTLOADER, "rbx", loaded.infoAddress()), loaded.description(),
                fwCfgItems(memory, loaded));
    }

    /**
     * The kernel items, read back from guest memory as the loader left it: the image
     * [load address, bss end) and multiboot_info's first {@link MultibootInfo#SIZE_THROUGH_VBE}
     * bytes, before the kernel runs.
     */
    static FwCfgKernelItems fwCfgItems(GuestMemory memory, MultibootLoader.Loaded loaded) {
        AddressRange image = loaded.image();
        byte[] data = image.size() <= MAX_KERNEL_DATA ? memory.read(image.start(), (int) image.size()) : null;
        return FwCfgKernelItems.multiboot(loaded.entry(), image.start(), image.size(), data,
                loaded.infoAddress(), memory.read(loaded.infoAddress(), MultibootInfo.SIZE_THROUGH_VBE));
    }

}
