package io.jkvm.devices;

import io.jkvm.state.SavedState;
import io.jkvm.state.StateReader;
import io.jkvm.state.StateWriter;

/**
 * The saved state of a {@link PostCodePort}: the latched code (0xff before any write). The
 * write count is a statistic of this run, not device state.
 */
public record PostCodeState(int lastCode) implements SavedState {
    public static final String TAG = "P80 ";
    public static final int VERSION = 1;

    public PostCodeState {
        if ((lastCode & ~0xff) != 0) throw new IllegalArgumentException("POST code " + lastCode + " is not a byte");
    }

    /** Section {@value #TAG} version 1: lastCode (u8). */
    @Override
    public void writeTo(StateWriter out) {
        out.beginSection(TAG, VERSION).u8(lastCode).endSection();
    }

    public static PostCodeState readFrom(StateReader in) {
        in.beginSection(TAG, VERSION);
        PostCodeState state = new PostCodeState(in.u8("lastCode"));
        in.endSection();
        return state;
    }
}
