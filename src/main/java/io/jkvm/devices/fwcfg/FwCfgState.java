package io.jkvm.devices.fwcfg;

import io.jkvm.state.SavedState;
import io.jkvm.state.StateReader;
import io.jkvm.state.StateWriter;

/**
 * The saved state of an {@link FwCfg} (QEMU saves the same three: cur_entry, cur_offset and
 * dma_addr, vmstate_fw_cfg in hw/nvram/fw_cfg.c). The items are not saved: they are the
 * machine's configuration, rebuilt from it before a restore.
 *
 * @param selector   the selector last written (16 bits)
 * @param offset     the data offset in the selected item, at most its length
 * @param dmaAddress the DMA address register: the high half a guest wrote before the low half
 *                   that starts the operation, or 0
 */
public record FwCfgState(int selector, int offset, long dmaAddress) implements SavedState {
    public static final String TAG = "FWCF";
    public static final int VERSION = 1;

    public FwCfgState {
        if ((selector & ~0xffff) != 0) throw new IllegalArgumentException(String.format("selector 0x%x is not 16 bits", selector));
        if (offset < 0) throw new IllegalArgumentException("negative data offset " + offset);
    }

    /** Section {@value #TAG} version 1: selector (u16), offset (u32), dmaAddress (u64). */
    @Override
    public void writeTo(StateWriter out) {
        out.beginSection(TAG, VERSION).u16(selector).u32(offset).u64(dmaAddress).endSection();
    }

    public static FwCfgState readFrom(StateReader in) {
        in.beginSection(TAG, VERSION);
        int selector = in.u16("selector");
        int offset = in.u32("offset");
        long dma = in.u64("dmaAddress");
        FwCfgState state = in.build(() -> new FwCfgState(selector, offset, dma));
        in.endSection();
        return state;
    }
}
