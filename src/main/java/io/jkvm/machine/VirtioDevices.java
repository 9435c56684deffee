package io.jkvm.machine;

import io.jkvm.config.VirtioSpec;
import io.jkvm.virtio.VirtioDevice;
import io.jkvm.virtio.blk.BlockDevice;

import java.util.ArrayList;
import java.util.List;

/**
 * Opens the virtio devices a configuration asks for, in its order: disk images opened and
 * locked, /dev/urandom opened. On a failure the ones already open are closed and the error
 * (a {@link io.jkvm.JkvmException} saying what to fix) goes on.
 */
public final class VirtioDevices {
    private VirtioDevices() {}

    public static List<VirtioDevice> open(List<VirtioSpec> specs) {
        List<VirtioDevice> opened = new ArrayList<>();
        try {
            for (VirtioSpec s : specs) opened.add(open(s));
            return opened;
        } catch (RuntimeException e) {
            for (VirtioDevice d : opened) d.close();
            throw e;
        }
    }

    private static VirtioDevice open(VirtioSpec spec) {
        return switch (spec) {
            case VirtioSpec.Drive d -> BlockDevice.open(d);
            default -> throw new io.jkvm.JkvmException(spec + ": this virtio device is not built yet");
        };
    }
}
