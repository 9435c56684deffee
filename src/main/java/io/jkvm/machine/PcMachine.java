package io.jkvm.machine;

import io.jkvm.config.VmConfig;

/**
 * QEMU's {@code pc} without firmware: the PC machines' devices plus the PCI host bridge
 * (configuration mechanism #1 at 0xcf8/0xcfc), with pci-testdev when asked.
 */
public final class PcMachine extends PcFamilyMachine {
    PcMachine(VmConfig config) { super(config); }

    @Override
    boolean pciBus() { return true; }

    @Override
    void attachVirtio(MachineContext context) {
        // Nothing here: PcExtras puts the virtio devices on the PCI bus as virtio-pci functions,
        // before the firmware-style BAR assignment.
    }
}
