package io.jkvm.pci;

import io.jkvm.state.SavedState;
import io.jkvm.state.StateReader;
import io.jkvm.state.StateWriter;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * The saved state of a {@link PciConfigSpace}: its 256 bytes, as QEMU saves {@code config} in
 * vmstate_pci_device. What the guest can change (command, status bits to clear, cache line
 * size, BAR addresses, interrupt line, the device-specific bytes) is restored; the rest must
 * match the device it is restored into, which is how a state saved from another device is
 * recognised.
 */
public record PciConfigState(byte[] config) implements SavedState {
    public static final String TAG = "PCIC";
    public static final int VERSION = 1;

    public PciConfigState {
        if (config.length != PciConfigSpace.SIZE) {
            throw new IllegalArgumentException("configuration space is " + PciConfigSpace.SIZE + " bytes, not " + config.length);
        }
        config = config.clone();
    }

    @Override
    public byte[] config() {
        return config.clone();
    }

    /** Section {@value #TAG} version 1: the 256 configuration bytes, raw. */
    @Override
    public void writeTo(StateWriter out) {
        out.beginSection(TAG, VERSION).raw(config).endSection();
    }

    public static PciConfigState readFrom(StateReader in) {
        in.beginSection(TAG, VERSION);
        PciConfigState state = new PciConfigState(in.raw("config", PciConfigSpace.SIZE));
        in.endSection();
        return state;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PciConfigState s && Arrays.equals(config, s.config);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(config);
    }

    @Override
    public String toString() {
        return "PciConfigState[" + HexFormat.of().formatHex(config, 0, PciConfigSpace.HEADER_SIZE) + "...]";
    }
}
