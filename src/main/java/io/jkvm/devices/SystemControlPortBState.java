package io.jkvm.devices;

import io.jkvm.state.SavedState;
import io.jkvm.state.StateReader;
import io.jkvm.state.StateWriter;

/**
 * The saved state of a {@link SystemControlPortB}.
 *
 * @param control    bits 3-0 as written (NMI disables, speaker data, gate 2)
 * @param refresh    the refresh-toggle bit 4 as last read
 * @param toggledOut2 bit 5 as last read, when no PIT supplies it
 */
public record SystemControlPortBState(int control, boolean refresh, boolean toggledOut2) implements SavedState {
    public static final String TAG = "P61 ";
    public static final int VERSION = 1;

    public SystemControlPortBState {
        if ((control & ~SystemControlPortB.WRITABLE) != 0) {
            throw new IllegalArgumentException(String.format("control = 0x%x has bits outside 0x0f", control));
        }
    }

    /** Section {@value #TAG} version 1: control (u8), refresh, toggledOut2 (bool). */
    @Override
    public void writeTo(StateWriter out) {
        out.beginSection(TAG, VERSION).u8(control).bool(refresh).bool(toggledOut2).endSection();
    }

    public static SystemControlPortBState readFrom(StateReader in) {
        in.beginSection(TAG, VERSION);
        int control = in.u8("control");
        boolean refresh = in.bool("refresh");
        boolean out2 = in.bool("toggledOut2");
        SystemControlPortBState state = in.build(() -> new SystemControlPortBState(control, refresh, out2));
        in.endSection();
        return state;
    }
}
