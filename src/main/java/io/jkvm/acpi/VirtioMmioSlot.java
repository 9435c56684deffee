package io.jkvm.acpi;

import io.jkvm.boot.Layout;
import io.jkvm.boot.PcPorts;

import java.util.ArrayList;
import java.util.List;

/**
 * One virtio-mmio transport the DSDT describes (virtio 1.2 §4.2; {@code Device (VRnn)},
 * {@link Dsdt}): its registers at [base, base + size) and its level-triggered, active-high GSI.
 */
public record VirtioMmioSlot(long base, long size, int gsi) {
    public VirtioMmioSlot {
        if (base < 0 || size <= 0 || base + size > Layout.HIGH_RAM_START) {
            throw new IllegalArgumentException(String.format("virtio-mmio registers 0x%x+0x%x are not below 4 GiB", base, size));
        }
        if (gsi < 0 || gsi >= PcPorts.IOAPIC_PINS) throw new IllegalArgumentException("GSI " + gsi + " is not a pin of the IOAPIC");
    }

    /**
     * The microvm machine's first {@code count} devices: device n in {@link Layout#virtioMmioSlot}(n),
     * the whole 4 KiB slot, on {@link PcPorts#virtioMmioGsi}(n). Fixed by position, so the
     * configuration gives only the count.
     */
    public static List<VirtioMmioSlot> microvm(int count) {
        if (count < 0 || count > PcPorts.VIRTIO_MMIO_DEVICES) {
            throw new IllegalArgumentException("microvm has 0 to " + PcPorts.VIRTIO_MMIO_DEVICES + " virtio-mmio devices, not " + count);
        }
        List<VirtioMmioSlot> slots = new ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            slots.add(new VirtioMmioSlot(Layout.virtioMmioSlot(n), Layout.VIRTIO_MMIO_SLOT_SIZE, PcPorts.virtioMmioGsi(n)));
        }
        return List.copyOf(slots);
    }
}
