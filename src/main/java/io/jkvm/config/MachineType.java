package io.jkvm.config;

/**
 * The machines jkvm builds; {@code io.jkvm.machine.Machine} gives each its behaviour.
 * <ul>
 *   <li>{@link #BARE}: the KVM tutorial's machine (MISSION.md): RAM, a raw image started in
 *       the mode asked for, COM1 and the debug-exit port; no tables, no irqchip unless asked.</li>
 *   <li>{@link #MICROVM}: a minimal PC for a kernel, as QEMU's {@code -M microvm} and
 *       Firecracker: in-kernel irqchip and PIT, COM1 (COM2 if asked), RTC, i8042 (its reset
 *       line), ACPI tables, fw_cfg; no PCI. Virtio devices sit on MMIO.</li>
 *   <li>{@link #PC}: QEMU's {@code pc} without firmware: the microvm's devices plus the PCI
 *       host bridge (configuration ports 0xcf8/0xcfc) and QEMU's test devices when asked.</li>
 * </ul>
 */
public enum MachineType {
    BARE("bare"),
    MICROVM("microvm"),
    PC("pc");

    private final String cliName;

    MachineType(String cliName) { this.cliName = cliName; }

    /** The name {@code --machine} takes. */
    public String cliName() { return cliName; }

    /** Whether this is one of the PC machines (a kernel, irqchip, ACPI, fw_cfg). */
    public boolean pcFamily() { return this != BARE; }

    /** The machine named {@code name}, or null. */
    public static MachineType named(String name) {
        for (MachineType t : values()) if (t.cliName.equals(name)) return t;
        return null;
    }
}
