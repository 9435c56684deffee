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
import io.jkvm.irq.MsiSink;
import io.jkvm.loader.E820Map;
import io.jkvm.memory.GuestMemory;
import io.jkvm.pci.GuestErrorLog;
import io.jkvm.pci.MsixTestdev;
import io.jkvm.pci.PciBus;
import io.jkvm.pci.PciHostBridge;
import io.jkvm.pci.PciTestdev;
import io.jkvm.pci.PciWindows;
import io.jkvm.virtio.VirtioDevice;
import io.jkvm.virtio.VirtioHost;
import io.jkvm.virtio.pci.VirtioPci;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * The PC platform's parts beyond the legacy devices of {@link PcPlatform}: QEMU's fw_cfg
 * (always, as on QEMU's pc and microvm) with the pc machine's items, the booted kernel's items
 * and the user's files, and what {@link PcOptions} asks for: the PCI bus (configuration ports,
 * the host bridge in slot 0, BARs in {@link #pciWindows}, INTx on GSIs 10 and 11, MSI-X into
 * an {@link MsiSink}), QEMU's
 * pc-testdev and pci-testdev, jkvm's jkvm-msix-testdev, and a virtio-pci function
 * ({@link VirtioPci}) per virtio device, in the free slots from {@link #FIRST_FREE_PCI_SLOT} on.
 */
public final class PcExtras {
    private PcExtras() {}

    /**
     * The virtio devices to put on the PCI bus (in this order), what their transports need, and
     * where each {@link VirtioPci} is handed to be closed with the VM (before its device).
     */
    public record Virtio(List<VirtioDevice> devices, VirtioHost host, Consumer<AutoCloseable> owned) {
        public static final Virtio NONE = new Virtio(List.of(), null, closeable -> { });

        public Virtio {
            devices = List.copyOf(devices);
        }
    }

    /** As the full {@code attach}, with no MSI sink (MSI-X messages are refused). */
    public static void attach(Bus ports, Bus mmio, GuestMemory memory, IntFunction<InterruptLine> irq, VmConfig config,
                              boolean pciBus, FwCfgKernelItems kernelItems) {
        attach(ports, mmio, memory, irq, MsiSink.NONE, config, pciBus, kernelItems);
    }

    /**
     * @param msi         where PCI devices' MSI-X messages go (KVM_SIGNAL_MSI on a VM)
     * @param kernelItems the fw_cfg items describing the loaded kernel, from
     *                    {@link MultibootBoot.Result#fwCfg()} or {@link LinuxBoot.Result#fwCfg()};
     *                    {@link FwCfgKernelItems#NONE} for none
     */
    public static void attach(Bus ports, Bus mmio, GuestMemory memory, IntFunction<InterruptLine> irq, MsiSink msi, VmConfig config,
                              boolean pciBus, FwCfgKernelItems kernelItems) {
        attach(ports, mmio, memory, irq, msi, config, pciBus, kernelItems, Virtio.NONE);
    }

    /**
     * As above, with {@code virtio}'s devices as virtio-pci functions when there is a PCI bus
     * (without one, as on the microvm, they are not attached here).
     */
    public static void attach(Bus ports, Bus mmio, GuestMemory memory, IntFunction<InterruptLine> irq, MsiSink msi, VmConfig config,
                              boolean pciBus, FwCfgKernelItems kernelItems, Virtio virtio) {
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
            GuestErrorLog log = GuestErrorLog.stderr();
            PciBus pci = new PciBus(irq, log);
            pci.add(PciHostBridge.SLOT, new PciHostBridge());
            if (options.pciTestdevSlot() != PcOptions.NO_DEVICE) pci.add(options.pciTestdevSlot(), new PciTestdev());
            if (options.msixTestdevSlot() != PcOptions.NO_DEVICE) pci.add(options.msixTestdevSlot(), new MsixTestdev(msi, log));
            addVirtio(pci, virtio, msi);
            pci.assignResources(pciWindows(config.memory())); // what firmware would do
            pci.attach(ports, mmio, Layout.ramRanges(config.memory()));
        }
        if (options.pcTestdev()) PcTestdev.attach(ports, mmio, irq);
    }

    /**
     * The PCI windows of a VM with {@code ramSize} bytes of RAM, which {@link PciBus#assignResources}
     * fills and the DSDT's PCI0._CRS declares: the I/O window of {@link PcPorts#PCI_IO_WINDOW},
     * the 32-bit memory window at {@link Layout#PCI_MMIO32_START} and the 64-bit one from
     * {@link Layout#pciMmio64Start} (the first GiB boundary past RAM, at least 4 GiB).
     */
    public static PciWindows pciWindows(long ramSize) {
        long base64 = Layout.pciMmio64Start(ramSize);
        return new PciWindows(PcPorts.PCI_IO_WINDOW.base(), PcPorts.PCI_IO_WINDOW.base() + PcPorts.PCI_IO_WINDOW.length(),
                Layout.PCI_MMIO32_START, Layout.PCI_MMIO32_START + Layout.PCI_MMIO32_SIZE,
                base64, base64 + Layout.PCI_MMIO64_SIZE);
    }

    /** One {@link VirtioPci} per device, each in the next free slot from {@link #FIRST_FREE_PCI_SLOT}. */
    private static void addVirtio(PciBus pci, Virtio virtio, MsiSink msi) {
        int slot = FIRST_FREE_PCI_SLOT;
        for (VirtioDevice device : virtio.devices()) {
            while (slot < PciBus.SLOTS && pci.device(slot, 0) != null) slot++;
            if (slot == PciBus.SLOTS) {
                throw new JkvmException("no free PCI slot for " + device.name() + ": bus 0 has 32 and the other devices take the rest");
            }
            VirtioPci function = new VirtioPci(device, virtio.host(), msi);
            virtio.owned().accept(function);
            pci.add(slot, function);
        }
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
