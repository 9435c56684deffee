package io.jkvm.machine;

import io.jkvm.boot.Layout;
import io.jkvm.boot.PcPorts;
import io.jkvm.config.VmConfig;
import io.jkvm.virtio.VirtioDevice;
import io.jkvm.virtio.mmio.VirtioMmio;

import java.util.List;

/**
 * A minimal PC for a kernel, as QEMU's {@code -M microvm} and Firecracker: the PC machines'
 * devices without PCI. (QEMU's microvm has no i8042; jkvm keeps it, as Firecracker does, for
 * its reset line.) Virtio devices sit on virtio-mmio: device n in {@link Layout#virtioMmioSlot}(n)
 * on {@link PcPorts#virtioMmioGsi}(n), which the DSDT describes ({@code PcBoot}).
 */
public final class MicrovmMachine extends PcFamilyMachine {
    MicrovmMachine(VmConfig config) { super(config); }

    @Override
    boolean pciBus() { return false; }

    @Override
    void attachVirtio(MachineContext context) {
        List<VirtioDevice> devices = context.virtio();
        for (int n = 0; n < devices.size(); n++) {
            long base = Layout.virtioMmioSlot(n);
            VirtioMmio transport = new VirtioMmio(devices.get(n), base, context.virtioHost(),
                    context.virtioHost().levelLines().apply(PcPorts.virtioMmioGsi(n)));
            context.owned().accept(transport); // its ioeventfds and eventfds, closed before the device
            context.mmio().attach(base, Layout.VIRTIO_MMIO_SLOT_SIZE, transport);
        }
    }
}
