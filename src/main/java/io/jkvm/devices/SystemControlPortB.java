package io.jkvm.devices;

import io.jkvm.boot.PcPorts;
import io.jkvm.bus.BusDevice;
import io.jkvm.state.Resettable;
import io.jkvm.state.Stateful;

import java.util.function.BooleanSupplier;

/**
 * System control port B ({@link PcPorts#SYSTEM_CONTROL_B}, 0x61; IBM PC AT Technical Reference, "System board I/O"; Intel
 * 82371 PIIX "NMI status and control register"):
 * <pre>
 * 7 SERR# / parity error NMI (read-only)     3 IOCHK NMI disable (read/write)
 * 6 IOCHK# NMI (read-only)                   2 SERR / parity NMI disable (read/write)
 * 5 PIT channel 2 output OUT2 (read-only)    1 speaker data enable (read/write)
 * 4 refresh request toggle (read-only)       0 PIT channel 2 gate GATE2 (read/write)
 * </pre>
 * Bits 3-0 read back as written. Bit 4 toggles on each read, standing in for the 15 µs DRAM
 * refresh toggle that old delay loops poll. Bits 7-6 read 0: no NMI source, so Linux's
 * {@code default_get_nmi_reason} (arch/x86/kernel/nmi.c reads this port) finds no reason.
 *
 * <p>Bit 5 comes from a {@link BooleanSupplier} so that a PIT model can supply channel 2's
 * output; by default it toggles on each read, which lets loops such as Linux's
 * {@code pit_calibrate_tsc} (arch/x86/kernel/tsc.c: gate 2 on, then wait for OUT2 to go high)
 * finish rather than measure anything. The gate (bit 0) is only stored: {@link #gate2()}.
 * With KVM's in-kernel PIT ({@code KVM_CREATE_PIT2}) the kernel handles port 0x61 itself
 * (arch/x86/kvm/i8254.c, {@code speaker_ioport_read}) and this device is never reached; it is
 * for VMs without one.
 */
public final class SystemControlPortB implements BusDevice, Resettable, Stateful<SystemControlPortBState> {
    static final int GATE2 = 0x01;
    static final int SPEAKER_DATA = 0x02;
    static final int WRITABLE = 0x0f;
    static final int REFRESH = 0x10;
    static final int OUT2 = 0x20;

    private final BooleanSupplier timer2Output;
    private int control;
    private boolean refresh;
    private boolean toggledOut2;

    /** Bit 5 toggles on each read. */
    public SystemControlPortB() {
        this.timer2Output = null;
    }

    /** @param timer2Output PIT channel 2's output, read for bit 5 (on the vCPU thread; must not block) */
    public SystemControlPortB(BooleanSupplier timer2Output) {
        if (timer2Output == null) throw new IllegalArgumentException("no timer 2 output");
        this.timer2Output = timer2Output;
    }

    @Override
    public synchronized long read(long offset, int size) {
        refresh = !refresh;
        boolean out2;
        if (timer2Output != null) {
            out2 = timer2Output.getAsBoolean();
        } else {
            toggledOut2 = !toggledOut2;
            out2 = toggledOut2;
        }
        return control | (refresh ? REFRESH : 0) | (out2 ? OUT2 : 0);
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        control = (int) value & WRITABLE;
    }

    /** Power-on: bits 3-0 zero (gate 2 off, speaker off, NMIs enabled). */
    @Override
    public synchronized void reset() {
        restore(new SystemControlPortBState(0, false, false));
    }

    @Override
    public synchronized SystemControlPortBState state() {
        return new SystemControlPortBState(control, refresh, toggledOut2);
    }

    @Override
    public synchronized void restore(SystemControlPortBState state) {
        control = state.control();
        refresh = state.refresh();
        toggledOut2 = state.toggledOut2();
    }

    /** Bit 0: PIT channel 2 counts while set. */
    public synchronized boolean gate2() { return (control & GATE2) != 0; }

    /** Bit 1: the speaker follows OUT2 while set. */
    public synchronized boolean speakerEnabled() { return (control & SPEAKER_DATA) != 0; }
}
