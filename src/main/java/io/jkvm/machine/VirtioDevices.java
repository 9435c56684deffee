package io.jkvm.machine;

import io.jkvm.config.VirtioSpec;
import io.jkvm.virtio.VirtioDevice;
import io.jkvm.pci.GuestErrorLog;
import io.jkvm.virtio.blk.BlockDevice;
import io.jkvm.virtio.console.ConsoleDevice;
import io.jkvm.virtio.rng.RngDevice;

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
            GuestErrorLog log = GuestErrorLog.stderr();
            for (VirtioSpec s : specs) opened.add(open(s, log));
            return opened;
        } catch (RuntimeException e) {
            for (VirtioDevice d : opened) d.close();
            throw e;
        }
    }

    private static VirtioDevice open(VirtioSpec spec, GuestErrorLog log) {
        return switch (spec) {
            case VirtioSpec.Drive d -> BlockDevice.open(d, log);
            case VirtioSpec.Console c -> new ConsoleDevice(c.output(), log);
            case VirtioSpec.Rng r -> RngDevice.open(r, log);
        };
    }
}
