package io.jkvm.devices;

import io.jkvm.boot.PcPorts;
import io.jkvm.exit.ExitRequester;
import io.jkvm.exit.VmExit;
import io.jkvm.bus.BusDevice;

/**
 * QEMU's {@code isa-debug-exit} (hw/misc/debugexit.c): a guest write of V ends the run with
 * exit status {@code (V << 1) | 1}. QEMU's default is iobase 0x501, iosize 2
 * ({@link PcPorts#QEMU_DEBUG_EXIT}); jkvm defaults to 0xf4 with 4 bytes ({@link PcPorts#DEBUG_EXIT}),
 * the values most test kernels pass ({@code -device isa-debug-exit,iobase=0xf4,iosize=0x04}).
 * Reads return 0.
 */
public final class DebugExit implements BusDevice {
    private final ExitRequester exits;

    public DebugExit(ExitRequester exits) {
        this.exits = exits;
    }

    @Override
    public long read(long offset, int size) {
        return 0;
    }

    @Override
    public void write(long offset, int size, long value) {
        long mask = size >= 8 ? -1L : (1L << (8 * size)) - 1;
        exits.requestExit(VmExit.debugExit(value & mask));
    }
}
