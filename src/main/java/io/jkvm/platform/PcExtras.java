package io.jkvm.platform;

import io.jkvm.config.PcOptions;
import io.jkvm.JkvmException;
import io.jkvm.config.VmConfig;
import io.jkvm.boot.Layout;
import io.jkvm.boot.PcPorts;
import io.jkvm.bus.Bus;
import io.jkvm.devices.PcTestdev;
import io.jkvm.devices.fwcfg.FwCfg;
import io.jkvm.devices.fwcfg.FwCfgBuilder;
import io.jkvm.devices.fwcfg.FwCfgContents;
import io.jkvm.devices.fwcfg.FwCfgKernelItems;
import io.jkvm.irq.InterruptLine;
import io.jkvm.loader.E820Map;
import io.jkvm.memory.GuestMemory;
import io.jkvm.pci.PciBus;
import io.jkvm.pci.PciTestdev;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The PC platform's parts beyond the legacy devices of {@link PcPlatform}: QEMU's fw_cfg
 * (always, as on QEMU's pc and microvm) with the pc machine's items, the booted kernel's items
 * and the user's files, and what {@link PcOptions} asks for: the PCI configuration ports,
 * QEMU's pc-testdev and pci-testdev.
 */
public final class PcExtras {
    private PcExtras() {}

    /**
     * @param kernelItems the fw_cfg items describing the loaded kernel, from
     *                    {@link MultibootBoot.Result#fwCfg()} or {@link LinuxBoot.Result#fwCfg()};
     *                    {@link FwCfgKernelItems#NONE} for none
     */
    public static void attach(Bus ports, Bus mmio, GuestMemory memory, IntFunction<InterruptLine> irq, VmConfig config,
                              boolean pciBus, FwCfgKernelItems kernelItems) {
        PcOptions options = config.pcOptions();
        FwCfgBuilder fwCfg = FwCfgContents.pc(config.memory(), config.cpus(),
                Math.max(config.cpus(), options.maxCpus()), fwCfgE820(config.memory()), true);
        kernelItems.addTo(fwCfg);
        for (PcOptions.FwCfgFile f : options.fwCfgFiles()) {
            try {
                fwCfg.addFile(f.name(), f.data());
            } catch (IllegalArgumentException e) {
                throw new JkvmException("fw_cfg file " + f.name() + ": " + e.getMessage());
            }
        }
        new FwCfg(fwCfg.build(), memory).attach(ports);
        if (pciBus) {
            PciBus pci = new PciBus();
            if (options.pciTestdevSlot() != PcOptions.NO_DEVICE) pci.add(options.pciTestdevSlot(), new PciTestdev());
            pci.assignResources(Layout.PCI_MMIO32_START, PcPorts.PCI_IO_WINDOW.base()); // what firmware would do
            pci.attach(ports, mmio);
        }
        if (options.pcTestdev()) PcTestdev.attach(ports, mmio, irq);
    }

    /** Slot 2: where QEMU's pc with -nodefaults puts the first -device (0 is its host bridge, 1 its PIIX3). */
    public static final int FIRST_FREE_PCI_SLOT = 2;

    /**
     * etc/e820 as QEMU's pc fills it (hw/i386/pc.c, target/i386/kvm/kvm.c): the RAM ranges, and
     * the pages KVM takes in the MMIO hole for its identity map and real-mode TSS. (jkvm's
     * boot e820 adds the BIOS area below 1 MiB, which a firmware would report itself.)
     */
    static List<E820Map.Entry> fwCfgE820(long ramSize) {
        List<E820Map.Entry> map = new ArrayList<>();
        for (GuestMemory.Range r : Layout.ramRanges(ramSize)) map.add(new E820Map.Entry(r.start(), r.size(), E820Map.E820_RAM));
        map.add(new E820Map.Entry(Layout.IDENTITY_MAP_ADDR, Layout.IDENTITY_MAP_SIZE, E820Map.E820_RESERVED));
        map.add(new E820Map.Entry(Layout.TSS_ADDR, Layout.TSS_SIZE, E820Map.E820_RESERVED));
        map.sort(java.util.Comparator.comparingLong(E820Map.Entry::addr));
        return map;
    }
}
