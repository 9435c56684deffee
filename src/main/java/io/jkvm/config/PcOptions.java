package io.jkvm.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The optional parts of a PC machine, as QEMU's command line adds them: files the user puts
 * into fw_cfg (-fw_cfg), the CPU count fw_cfg reports as the maximum (-smp maxcpus), QEMU's
 * test devices (-device pc-testdev, pci-testdev; the latter on the pc machine, which has the
 * PCI bus), and whether the in-kernel PIT reinjects ticks the guest missed
 * (-global kvm-pit.lost_tick_policy: delay reinjects, QEMU's default; discard does not).
 *
 * @param maxCpus        fw_cfg MAX_CPUS; 0 means the VM's CPU count
 * @param pciTestdevSlot  the PCI slot of a pci-testdev, or {@link #NO_DEVICE}
 * @param msixTestdevSlot the PCI slot of jkvm's own {@code jkvm-msix-testdev}
 *                        ({@link io.jkvm.pci.MsixTestdev}), or {@link #NO_DEVICE}
 * @param virtio          the virtio devices, in the order they get transports
 */
public record PcOptions(List<FwCfgFile> fwCfgFiles, int maxCpus, boolean pcTestdev, int pciTestdevSlot,
                        boolean pitReinject, int msixTestdevSlot, List<VirtioSpec> virtio) {
    /** A named fw_cfg file (QEMU -fw_cfg name=NAME,file=PATH or string=STR). */
    public record FwCfgFile(String name, byte[] data) {
        public FwCfgFile {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(data, "data");
        }
    }

    public static final int NO_DEVICE = -1;

    /** Nothing optional: the platform jkvm boots Linux on. */
    public static final PcOptions NONE = builder().build();

    public PcOptions {
        fwCfgFiles = List.copyOf(fwCfgFiles);
        virtio = List.copyOf(virtio);
        if (pciTestdevSlot < NO_DEVICE || pciTestdevSlot > 31) throw new IllegalArgumentException("PCI slot " + pciTestdevSlot + " is not 0-31");
        if (msixTestdevSlot < NO_DEVICE || msixTestdevSlot > 31) throw new IllegalArgumentException("PCI slot " + msixTestdevSlot + " is not 0-31");
        if (pciTestdevSlot == 0 || msixTestdevSlot == 0) throw new IllegalArgumentException("PCI slot 0 holds the host bridge");
        if (msixTestdevSlot != NO_DEVICE && msixTestdevSlot == pciTestdevSlot) {
            throw new IllegalArgumentException("pci-testdev and jkvm-msix-testdev both in PCI slot " + msixTestdevSlot);
        }
        if (maxCpus < 0) throw new IllegalArgumentException("maxCpus " + maxCpus);
    }

    public static Builder builder() { return new Builder(); }

    public static final class Builder {
        private final List<FwCfgFile> fwCfgFiles = new ArrayList<>();
        private int maxCpus;
        private boolean pcTestdev;
        private int pciTestdevSlot = NO_DEVICE;
        private boolean pitReinject = true;
        private int msixTestdevSlot = NO_DEVICE;
        private final List<VirtioSpec> virtio = new ArrayList<>();

        public Builder fwCfgFile(String name, byte[] data) { fwCfgFiles.add(new FwCfgFile(name, data)); return this; }
        public Builder maxCpus(int n) { this.maxCpus = n; return this; }
        public Builder pcTestdev(boolean on) { this.pcTestdev = on; return this; }
        /** A pci-testdev in {@code slot} (needs the pc machine's PCI bus). */
        public Builder pciTestdev(int slot) { this.pciTestdevSlot = slot; return this; }
        public Builder pitReinject(boolean on) { this.pitReinject = on; return this; }
        /** jkvm's {@code jkvm-msix-testdev} in {@code slot} (needs the pc machine's PCI bus). */
        public Builder msixTestdev(int slot) { this.msixTestdevSlot = slot; return this; }
        public int pciTestdevSlot() { return pciTestdevSlot; }

        /** Adds a virtio device; transports are given in the order added. */
        public Builder virtio(VirtioSpec device) { virtio.add(Objects.requireNonNull(device)); return this; }
        public PcOptions build() { return new PcOptions(fwCfgFiles, maxCpus, pcTestdev, pciTestdevSlot, pitReinject, msixTestdevSlot, virtio); }
    }
}
