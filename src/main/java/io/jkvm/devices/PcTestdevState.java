package io.jkvm.devices;

import io.jkvm.state.SavedState;
import io.jkvm.state.StateReader;
import io.jkvm.state.StateWriter;

import java.util.Arrays;

/**
 * The saved state of a {@link PcTestdev}: the ioport register and the 64 KiB of iomem. The ISA
 * lines it drove are the interrupt controller's state, not the device's.
 */
public record PcTestdevState(int ioportData, byte[] iomem) implements SavedState {
    public static final String TAG = "PCTD";
    public static final int VERSION = 1;

    public PcTestdevState {
        if (iomem.length != PcTestdev.IOMEM_LENGTH) {
            throw new IllegalArgumentException("iomem is " + PcTestdev.IOMEM_LENGTH + " bytes, not " + iomem.length);
        }
        iomem = iomem.clone();
    }

    @Override
    public byte[] iomem() {
        return iomem.clone();
    }

    /** Section {@value #TAG} version 1: ioportData (u32), iomem (65536 raw bytes). */
    @Override
    public void writeTo(StateWriter out) {
        out.beginSection(TAG, VERSION).u32(ioportData).raw(iomem).endSection();
    }

    public static PcTestdevState readFrom(StateReader in) {
        in.beginSection(TAG, VERSION);
        PcTestdevState state = new PcTestdevState(in.u32("ioportData"), in.raw("iomem", PcTestdev.IOMEM_LENGTH));
        in.endSection();
        return state;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PcTestdevState s && ioportData == s.ioportData && Arrays.equals(iomem, s.iomem);
    }

    @Override
    public int hashCode() {
        return 31 * ioportData + Arrays.hashCode(iomem);
    }

    @Override
    public String toString() {
        int used = 0;
        for (byte b : iomem) if (b != 0) used++;
        return String.format("PcTestdevState[ioportData=%08x, iomem: %d non-zero bytes]", ioportData, used);
    }
}
