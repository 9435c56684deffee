package io.jkvm.platform;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The optional parts of the PC platform, as QEMU's command line adds them: files the user puts
 * into fw_cfg (-fw_cfg), the CPU count fw_cfg reports as the maximum (-smp maxcpus), the PCI
 * configuration ports (QEMU's pc has them, microvm has not), QEMU's test devices (-device
 * pc-testdev, pci-testdev), and whether the in-kernel PIT reinjects ticks the guest missed
 * (-global kvm-pit.lost_tick_policy: delay reinjects, QEMU's default; discard does not).
 *
 * @param maxCpus         fw_cfg MAX_CPUS; 0 means the VM's CPU count
 * @param pciTestdevSlot  the PCI slot of a pci-testdev, or -1 for none
 * @param msixTestdevSlot the PCI slot of jkvm's own {@code jkvm-msix-testdev} ({@link io.jkvm.pci.MsixTestdev}), or -1
 */
public record PcOptions(List<FwCfgFile> fwCfgFiles, int maxCpus, boolean pciBus, boolean pcTestdev, int pciTestdevSlot,
                        boolean pitReinject, int msixTestdevSlot) {
    /** A named fw_cfg file (QEMU -fw_cfg name=NAME,file=PATH or string=STR). */
    public record FwCfgFile(String name, byte[] data) {
        public FwCfgFile {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(data, "data");
        }
    }

    public static final int NO_DEVICE = -1;

    /** Nothing optional: the platform jkvm boots Linux on. */
    public static final PcOptions NONE = new PcOptions(List.of(), 0, false, false, NO_DEVICE, true, NO_DEVICE);

    public PcOptions(List<FwCfgFile> fwCfgFiles, int maxCpus, boolean pciBus, boolean pcTestdev, int pciTestdevSlot, boolean pitReinject) {
        this(fwCfgFiles, maxCpus, pciBus, pcTestdev, pciTestdevSlot, pitReinject, NO_DEVICE);
    }

    public PcOptions {
        fwCfgFiles = List.copyOf(fwCfgFiles);
        if (pciTestdevSlot != NO_DEVICE && !pciBus) throw new IllegalArgumentException("pci-testdev needs the PCI bus");
        if (pciTestdevSlot < NO_DEVICE || pciTestdevSlot > 31) throw new IllegalArgumentException("PCI slot " + pciTestdevSlot + " is not 0-31");
        if (msixTestdevSlot != NO_DEVICE && !pciBus) throw new IllegalArgumentException("jkvm-msix-testdev needs the PCI bus");
        if (msixTestdevSlot < NO_DEVICE || msixTestdevSlot > 31) throw new IllegalArgumentException("PCI slot " + msixTestdevSlot + " is not 0-31");
        if (pciTestdevSlot == 0 || msixTestdevSlot == 0) throw new IllegalArgumentException("PCI slot 0 holds the host bridge");
        if (msixTestdevSlot != NO_DEVICE && msixTestdevSlot == pciTestdevSlot) {
            throw new IllegalArgumentException("pci-testdev and jkvm-msix-testdev both in PCI slot " + msixTestdevSlot);
        }
        if (maxCpus < 0) throw new IllegalArgumentException("maxCpus " + maxCpus);
    }

    public PcOptions withFwCfgFile(String name, byte[] data) {
        List<FwCfgFile> files = new ArrayList<>(fwCfgFiles);
        files.add(new FwCfgFile(name, data));
        return new PcOptions(files, maxCpus, pciBus, pcTestdev, pciTestdevSlot, pitReinject, msixTestdevSlot);
    }

    public PcOptions withMaxCpus(int n) { return new PcOptions(fwCfgFiles, n, pciBus, pcTestdev, pciTestdevSlot, pitReinject, msixTestdevSlot); }

    public PcOptions withPciBus(boolean on) {
        return new PcOptions(fwCfgFiles, maxCpus, on, pcTestdev, on ? pciTestdevSlot : NO_DEVICE, pitReinject, on ? msixTestdevSlot : NO_DEVICE);
    }

    public PcOptions withPcTestdev(boolean on) { return new PcOptions(fwCfgFiles, maxCpus, pciBus, on, pciTestdevSlot, pitReinject, msixTestdevSlot); }

    /** A pci-testdev in {@code slot} (the PCI bus comes with it). */
    public PcOptions withPciTestdev(int slot) { return new PcOptions(fwCfgFiles, maxCpus, true, pcTestdev, slot, pitReinject, msixTestdevSlot); }

    /** jkvm's MSI-X test device in {@code slot} (the PCI bus comes with it). */
    public PcOptions withMsixTestdev(int slot) { return new PcOptions(fwCfgFiles, maxCpus, true, pcTestdev, pciTestdevSlot, pitReinject, slot); }

    public PcOptions withPitReinject(boolean on) { return new PcOptions(fwCfgFiles, maxCpus, pciBus, pcTestdev, pciTestdevSlot, on, msixTestdevSlot); }
}
