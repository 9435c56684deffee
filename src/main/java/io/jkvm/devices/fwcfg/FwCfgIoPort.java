package io.jkvm.devices.fwcfg;

import io.jkvm.boot.PcPorts;
import io.jkvm.bus.BusDevice;

/**
 * The selector and data registers at 0x510-0x511, which overlap on x86 (QEMU's "comb" region,
 * fw_cfg_comb_mem_ops, little-endian; docs/specs/fw_cfg.rst, "Register Locations"). QEMU's
 * fw_cfg_comb_valid accepts 1-byte accesses and 2-byte writes at either port:
 * <ul>
 * <li>a 2-byte write selects an item (the selector register);</li>
 * <li>a 1-byte read returns the next data byte (the data register);</li>
 * <li>a 1-byte write is ignored (data-register writes are no-ops since QEMU 2.4);</li>
 * <li>anything else is ignored, and reads 0.</li>
 * </ul>
 */
final class FwCfgIoPort implements BusDevice {
    private final FwCfg fwCfg;

    FwCfgIoPort(FwCfg fwCfg) {
        this.fwCfg = fwCfg;
    }

    @Override
    public long read(long offset, int size) {
        if (size != 1 || offset < 0 || offset >= PcPorts.FW_CFG.length()) return 0;
        return fwCfg.readData();
    }

    @Override
    public void write(long offset, int size, long value) {
        if (size == 2 && offset == 0) fwCfg.select((int) value & 0xffff);
    }
}
