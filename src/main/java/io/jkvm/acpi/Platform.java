package io.jkvm.acpi;

import io.jkvm.pci.PciWindows;

import java.util.List;

/**
 * What the ACPI tables describe: the vCPUs (one Processor Local APIC each), which legacy PC
 * devices the VM has (they set FADT boot flags and add DSDT devices), and any ISA interrupt
 * source overrides. COM1, the sleep and reset registers are always there.
 *
 * @param cpus      vCPUs 0 to cpus-1, APIC ID = index
 * @param i8042     an 8042 keyboard controller at 0x60/0x64, IRQ 1 (I8042)
 * @param cmosRtc   an MC146818 RTC/CMOS at 0x70/0x71, IRQ 8 (CmosRtc)
 * @param overrides ISA IRQs not on the IOAPIC pin of the same number; none with KVM's default routing
 * @param pci       the PCI host bridge's windows when the VM has a PCI bus (the DSDT gets
 *                  {@code \_SB.PCI0}), or null
 * @param virtioMmio the virtio-mmio transports, in order: entry n is {@code \_SB.VRnn} with _UID n
 */
public record Platform(int cpus, boolean i8042, boolean cmosRtc, List<InterruptSourceOverride> overrides, PciWindows pci,
                       List<VirtioMmioSlot> virtioMmio) {
    /** Two decimal digits name the devices VR00-VR99. */
    public static final int MAX_VIRTIO_MMIO = 100;

    public Platform {
        if (cpus < 1 || cpus > Madt.MAX_CPUS) throw new IllegalArgumentException("ACPI describes 1 to " + Madt.MAX_CPUS + " CPUs: " + cpus);
        overrides = List.copyOf(overrides);
        virtioMmio = List.copyOf(virtioMmio);
        if (virtioMmio.size() > MAX_VIRTIO_MMIO) throw new IllegalArgumentException("at most " + MAX_VIRTIO_MMIO + " virtio-mmio devices");
    }

    /** No virtio-mmio devices. */
    public Platform(int cpus, boolean i8042, boolean cmosRtc, List<InterruptSourceOverride> overrides, PciWindows pci) {
        this(cpus, i8042, cmosRtc, overrides, pci, List.of());
    }

    /** No PCI bus, no virtio-mmio devices. */
    public Platform(int cpus, boolean i8042, boolean cmosRtc, List<InterruptSourceOverride> overrides) {
        this(cpus, i8042, cmosRtc, overrides, null);
    }

    /** {@code cpus} vCPUs, no 8042, no RTC, KVM's default interrupt routing. */
    public static Platform of(int cpus) {
        return new Platform(cpus, false, false, List.of());
    }

    public Platform withI8042(boolean present) { return new Platform(cpus, present, cmosRtc, overrides, pci, virtioMmio); }

    public Platform withCmosRtc(boolean present) { return new Platform(cpus, i8042, present, overrides, pci, virtioMmio); }

    public Platform withOverrides(List<InterruptSourceOverride> list) { return new Platform(cpus, i8042, cmosRtc, list, pci, virtioMmio); }

    /** A PCI bus behind a host bridge with {@code windows} (null: none). */
    public Platform withPci(PciWindows windows) { return new Platform(cpus, i8042, cmosRtc, overrides, windows, virtioMmio); }

    /** These virtio-mmio transports (the DSDT's VR00, VR01, ...). */
    public Platform withVirtioMmio(List<VirtioMmioSlot> slots) { return new Platform(cpus, i8042, cmosRtc, overrides, pci, slots); }
}
