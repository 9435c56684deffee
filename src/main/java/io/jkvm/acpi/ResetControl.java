package io.jkvm.acpi;

import io.jkvm.boot.PcPorts;
import io.jkvm.exit.ExitRequester;
import io.jkvm.exit.VmExit;
import io.jkvm.bus.BusDevice;

/**
 * The FADT reset register (ACPI 6.5 4.8.3.6), a byte port (at {@link PcPorts#ACPI_RESET}):
 * writing RESET_VALUE ({@link #RESET_VALUE}) resets the machine, which ends the run
 * with {@link VmExit#reset}. Linux's {@code reboot} tries it first (acpi_reboot); without it the
 * reboot ends in a triple fault. Other values are ignored; reads return 0. Pure: no KVM, no state.
 */
public final class ResetControl implements BusDevice {
    /** The value the guest writes to reset: 0x06 as a PC chipset's 0xcf9 takes (full reset); the FADT's RESET_VALUE. */
    public static final int RESET_VALUE = 0x06;

    private final ExitRequester exits;
    private final int resetValue;

    public ResetControl(ExitRequester exits) {
        this(exits, RESET_VALUE);
    }

    public ResetControl(ExitRequester exits, int resetValue) {
        if (resetValue < 0 || resetValue > 0xff) throw new IllegalArgumentException("RESET_VALUE is a byte: " + resetValue);
        this.exits = exits;
        this.resetValue = resetValue;
    }

    @Override
    public long read(long offset, int size) {
        return 0;
    }

    @Override
    public void write(long offset, int size, long value) {
        if (offset == 0 && (value & 0xff) == resetValue) exits.requestExit(VmExit.reset("guest reset (ACPI RESET_REG)"));
    }
}
