package io.jkvm.platform;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The optional parts of the PC platform, as QEMU's -device and -fw_cfg add them: files the
 * user puts into fw_cfg, the PCI configuration ports (QEMU's pc has them; microvm has not),
 * and QEMU's test devices.
 */
public record PcOptions(List<FwCfgFile> fwCfgFiles, boolean pciBus, boolean pcTestdev, boolean pciTestdev) {
    /** A named fw_cfg file (QEMU -fw_cfg name=NAME,file=PATH or string=STR). */
    public record FwCfgFile(String name, byte[] data) {
        public FwCfgFile {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(data, "data");
        }
    }

    /** Nothing optional: the platform jkvm boots Linux on. */
    public static final PcOptions NONE = new PcOptions(List.of(), false, false, false);

    public PcOptions {
        fwCfgFiles = List.copyOf(fwCfgFiles);
        if (pciTestdev && !pciBus) throw new IllegalArgumentException("pci-testdev needs the PCI bus");
    }

    public PcOptions withFwCfgFile(String name, byte[] data) {
        List<FwCfgFile> files = new ArrayList<>(fwCfgFiles);
        files.add(new FwCfgFile(name, data));
        return new PcOptions(files, pciBus, pcTestdev, pciTestdev);
    }

    public PcOptions withPciBus(boolean on) { return new PcOptions(fwCfgFiles, on, pcTestdev, pciTestdev && on); }

    public PcOptions withPcTestdev(boolean on) { return new PcOptions(fwCfgFiles, pciBus, on, pciTestdev); }

    public PcOptions withPciTestdev(boolean on) { return new PcOptions(fwCfgFiles, pciBus || on, pcTestdev, on); }
}
