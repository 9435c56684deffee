package io.jkvm.acpi;

import io.jkvm.boot.PcPorts;
import io.jkvm.exit.ExitRequester;
import io.jkvm.exit.VmExit;
import io.jkvm.bus.BusDevice;

/**
 * The hardware-reduced sleep control and sleep status registers (ACPI 6.5 4.8.3.7), one byte
 * port that the FADT names as both (at {@link PcPorts#ACPI_SLEEP}). Pure: no KVM, no state.
 *
 * <pre>
 * Sleep control (write):  bits 4-2 SLP_TYP, bit 5 SLP_EN, others reserved
 * Sleep status (read):    bit 7 WAK_STS, others reserved
 * </pre>
 *
 * Linux powers off by writing {@code SLP_EN | S5_SLP_TYP << 2} (ACPICA acpi_hw_extended_sleep,
 * after writing WAK_STS to the status register to clear it): that write ends the run with
 * {@link VmExit#powerOff}. Any other write is ignored. Reads return WAK_STS set: jkvm has no
 * other sleep state, so a guest waiting to wake from one returns at once instead of spinning.
 */
public final class SleepControl implements BusDevice {
    public static final int SLP_TYP_SHIFT = 2;
    public static final int SLP_TYP_MASK = 0x1c;
    public static final int SLP_EN = 0x20;
    public static final int WAK_STS = 0x80;
    /** SLP_TYP for S5 (soft off) in the DSDT's \_S5 and the sleep control register; 5 to read as "S5". */
    public static final int S5_SLP_TYP = 5;

    private final ExitRequester exits;
    private final int s5SleepType;

    /** Powers off on S5 with jkvm's SLP_TYP ({@link #S5_SLP_TYP}, as the DSDT's \_S5 says). */
    public SleepControl(ExitRequester exits) {
        this(exits, S5_SLP_TYP);
    }

    public SleepControl(ExitRequester exits, int s5SleepType) {
        if (s5SleepType < 0 || s5SleepType > 7) throw new IllegalArgumentException("SLP_TYP is 3 bits: " + s5SleepType);
        this.exits = exits;
        this.s5SleepType = s5SleepType;
    }

    @Override
    public long read(long offset, int size) {
        return offset == 0 ? WAK_STS : 0;
    }

    @Override
    public void write(long offset, int size, long value) {
        if (offset != 0) return;
        int v = (int) (value & 0xff);
        if ((v & SLP_EN) != 0 && (v & SLP_TYP_MASK) >>> SLP_TYP_SHIFT == s5SleepType) {
            exits.requestExit(VmExit.powerOff("guest powered off (ACPI S5)"));
        }
    }
}
