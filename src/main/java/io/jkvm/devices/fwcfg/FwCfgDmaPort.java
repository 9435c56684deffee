package io.jkvm.devices.fwcfg;

import io.jkvm.bus.BusDevice;

/**
 * The 64-bit DMA address register at 0x514 (docs/specs/fw_cfg.rst, "Guest-side DMA
 * Interface"; QEMU's fw_cfg_dma_mem_ops). The register is big-endian (DEVICE_BIG_ENDIAN): the
 * guest stores the address byte-swapped (Linux's iowrite32be, SeaBIOS's cpu_to_be32), and the
 * port value arrives little-endian, so the device swaps it back.
 * <ul>
 * <li>4-byte write at offset 0: the high half of the address;</li>
 * <li>4-byte write at offset 4: the low half, then the operation runs;</li>
 * <li>8-byte write at offset 0: the whole address, then the operation runs;</li>
 * <li>other writes are ignored (fw_cfg_dma_mem_valid);</li>
 * <li>a read of any size returns those bytes of the signature "QEMU CFG" (fw_cfg_dma_mem_read),
 *     so a 4-byte read at offset 0 gives the bytes 'Q' 'E' 'M' 'U' in memory order.</li>
 * </ul>
 */
final class FwCfgDmaPort implements BusDevice {
    private static final byte[] SIGNATURE = {'Q', 'E', 'M', 'U', ' ', 'C', 'F', 'G'};

    private final FwCfg fwCfg;

    FwCfgDmaPort(FwCfg fwCfg) {
        this.fwCfg = fwCfg;
    }

    @Override
    public long read(long offset, int size) {
        long value = 0;
        for (int i = 0; i < size && i < 8; i++) {
            long at = offset + i;
            if (at >= 0 && at < SIGNATURE.length) value |= (long) SIGNATURE[(int) at] << (8 * i);
        }
        return value;
    }

    @Override
    public void write(long offset, int size, long value) {
        if (size == 4 && offset == 0) {
            fwCfg.writeDmaAddressHigh(Integer.toUnsignedLong(Integer.reverseBytes((int) value)));
        } else if (size == 4 && offset == 4) {
            fwCfg.writeDmaAddressLow(Integer.toUnsignedLong(Integer.reverseBytes((int) value)));
        } else if (size == 8 && offset == 0) {
            fwCfg.writeDmaAddress(Long.reverseBytes(value));
        }
    }
}
