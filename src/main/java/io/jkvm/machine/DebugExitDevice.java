package io.jkvm.machine;

import io.jkvm.config.VmConfig;
import io.jkvm.devices.DebugExit;

/** QEMU's isa-debug-exit where the configuration asks for it, on any machine. */
final class DebugExitDevice {
    private DebugExitDevice() {}

    static void attach(VmConfig config, MachineContext context) {
        VmConfig.DebugExitPort port = config.debugExit();
        if (port != null) context.ports().attach(port.port(), port.size(), new DebugExit(context.exits()));
    }
}
