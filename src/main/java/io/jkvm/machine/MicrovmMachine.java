package io.jkvm.machine;

import io.jkvm.config.VmConfig;

/**
 * A minimal PC for a kernel, as QEMU's {@code -M microvm} and Firecracker: the PC machines'
 * devices without PCI. (QEMU's microvm has no i8042; jkvm keeps it, as Firecracker does, for
 * its reset line.) Virtio devices will sit on MMIO (Layout's virtio-mmio window).
 */
public final class MicrovmMachine extends PcFamilyMachine {
    MicrovmMachine(VmConfig config) { super(config); }

    @Override
    boolean pciBus() { return false; }
}
