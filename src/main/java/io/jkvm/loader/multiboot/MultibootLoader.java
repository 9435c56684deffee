package io.jkvm.loader.multiboot;

import io.jkvm.JkvmException;
import io.jkvm.boot.Layout;
import io.jkvm.loader.E820Map;
import io.jkvm.memory.GuestMemory;
import io.jkvm.memory.MemoryRegion;

import java.util.ArrayList;
import java.util.List;

/**
 * Puts a multiboot kernel, its modules and its boot information into guest memory. The caller
 * then starts the vCPU as Multiboot 0.6.96, 3.2 Machine state asks: 32-bit protected mode, flat
 * 4 GiB code and data segments, paging and interrupts off, at {@link Loaded#entry()} with
 * EAX = {@link Multiboot#MAGIC_BOOTLOADER} and EBX = {@link Loaded#infoAddress()}.
 *
 * <p>Everything is checked (header, image, RAM, placement) before anything is written, and every
 * problem is a one-line {@link JkvmException}.
 */
public final class MultibootLoader {
    private MultibootLoader() {}

    /** A boot module: its bytes and the string the module table gives it (QEMU passes "path args"). */
    public record Module(byte[] data, String string) {
        public Module {
            if (data == null || string == null) throw new IllegalArgumentException("a module needs data and a string");
        }
    }

    /**
     * A range of guest memory jkvm has already written and the kernel must not overwrite, e.g.
     * {@code "jkvm's ACPI tables"}; a segment over it is refused (the rest of the legacy BIOS
     * area below 1 MiB is open to the kernel, as in QEMU: {@link Layout#BIOS_END}).
     */
    public record Occupied(String what, AddressRange range) {
        public Occupied {
            if (what == null || range == null) throw new IllegalArgumentException("an occupied range needs a name and a range");
        }
    }

    /**
     * Where everything went.
     *
     * @param entry       physical entry point (EIP)
     * @param infoAddress multiboot_info (EBX)
     * @param image       the kernel's [load start, bss end)
     * @param modules     each module's [mod_start, mod_end)
     * @param format      how the kernel said where it loads
     * @param description e.g. "multiboot kernel (ELF32), entry 0x100000, 2 modules"
     */
    public record Loaded(long entry, long infoAddress, AddressRange image, List<AddressRange> modules,
                         MultibootImage.Format format, String description) {
        public Loaded {
            modules = List.copyOf(modules);
        }
    }

    /**
     * Loads {@code kernel} (named {@code kernelName} in errors about the file).
     *
     * @param cmdline   the command line the kernel gets, as is (QEMU gives "kernel-path append")
     * @param memoryMap the memory map to report, e.g. {@code E820Map.forRam(ram).entries()}
     */
    public static Loaded load(GuestMemory memory, byte[] kernel, String kernelName, String cmdline, List<Module> modules,
                              List<E820Map.Entry> memoryMap) {
        return load(memory, kernel, kernelName, cmdline, modules, memoryMap, List.of());
    }

    /**
     * As {@link #load(GuestMemory, byte[], String, String, List, List)}, keeping the kernel off
     * {@code occupied} (what jkvm wrote before, such as the ACPI tables in the BIOS area).
     */
    public static Loaded load(GuestMemory memory, byte[] kernel, String kernelName, String cmdline, List<Module> modules,
                              List<E820Map.Entry> memoryMap, List<Occupied> occupied) {
        MultibootHeader header;
        MultibootImage image;
        try {
            header = MultibootHeader.require(kernel);
            image = MultibootImage.parse(kernel, header);
        } catch (JkvmException e) {
            throw new JkvmException(kernelName + ": " + e.getMessage(), e);
        }
        image.check(memory, memoryMap, occupied);

        List<String> strings = new ArrayList<>();
        List<Long> sizes = new ArrayList<>();
        for (Module m : modules) {
            strings.add(m.string());
            sizes.add((long) m.data().length);
        }
        MultibootInfo.Block block = MultibootInfo.block(cmdline == null ? "" : cmdline, strings, memoryMap);
        AddressRange imageRange = new AddressRange(image.start(), image.end());
        MultibootPlacement.Placement placement = MultibootPlacement.place(imageRange, block.size(), sizes, lowRamEnd(memory), memoryMap);

        image.load(memory);
        for (int i = 0; i < modules.size(); i++) memory.write(placement.modules().get(i).start(), modules.get(i).data());
        long info = block.write(memory, placement.infoBlock(), placement.modules());

        String description = String.format("multiboot kernel (%s), entry 0x%x, %s%s", image.format(), image.entry(),
                modules.isEmpty() ? "no modules" : modules.size() + (modules.size() == 1 ? " module" : " modules"),
                header.videoModeRequested() ? ", video mode request ignored" : "");
        return new Loaded(image.entry(), info, imageRange, placement.modules(), image.format(), description);
    }

    /** End of the RAM region at guest-physical 0. */
    private static long lowRamEnd(GuestMemory memory) {
        MemoryRegion low = memory.regionOf(0, 1);
        if (low == null) throw new JkvmException("guest RAM does not start at address 0: a multiboot kernel needs low memory");
        return low.end();
    }
}
