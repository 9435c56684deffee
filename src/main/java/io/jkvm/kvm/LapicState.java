package io.jkvm.kvm;

import io.jkvm.state.SavedState;
import io.jkvm.state.StateReader;
import io.jkvm.state.StateWriter;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * The saved state of one vCPU's in-kernel local APIC: {@code struct kvm_lapic_state}
 * ({@link KvmLapicState}), its 1 KiB register page. The timer's current count (TMCCT) is
 * computed by KVM_GET_LAPIC from the running timer, so two saves of a vCPU whose APIC timer runs
 * differ there; KVM_SET_LAPIC restarts the timer from the initial count.
 */
public record LapicState(byte[] regs) implements SavedState {
    public static final String TAG = "LAPC";
    public static final int VERSION = 1;
    public static final int SIZE = (int) KvmLapicState.SIZE;

    public LapicState {
        if (regs.length != SIZE) throw new IllegalArgumentException("kvm_lapic_state is " + SIZE + " bytes, not " + regs.length);
        regs = regs.clone();
    }

    /** KVM_GET_LAPIC; the vCPU must not be running. */
    public static LapicState save(VcpuFd vcpu) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment lapic = arena.allocate(KvmLapicState.SIZE, 8);
            vcpu.getLapic(lapic);
            return new LapicState(lapic.toArray(JAVA_BYTE));
        }
    }

    /** KVM_SET_LAPIC; the vCPU must not be running. */
    public void restoreTo(VcpuFd vcpu) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment lapic = arena.allocate(KvmLapicState.SIZE, 8);
            MemorySegment.copy(regs, 0, lapic, JAVA_BYTE, 0, SIZE);
            vcpu.setLapic(lapic);
        }
    }

    @Override public byte[] regs() { return regs.clone(); }

    /** The 32-bit register at {@code offset} (e.g. {@link KvmLapicState#APIC_SPIV}). */
    public int register(long offset) {
        int v = 0;
        for (int i = 0; i < 4; i++) v |= (regs[(int) offset + i] & 0xff) << (8 * i);
        return v;
    }

    /** Section {@value #TAG} version 1: kvm_lapic_state, raw. */
    @Override
    public void writeTo(StateWriter out) {
        out.beginSection(TAG, VERSION).raw(regs).endSection();
    }

    public static LapicState readFrom(StateReader in) {
        in.beginSection(TAG, VERSION);
        LapicState state = new LapicState(in.raw("kvm_lapic_state", SIZE));
        in.endSection();
        return state;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LapicState s && Arrays.equals(regs, s.regs);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(regs);
    }

    @Override
    public String toString() {
        return String.format("LapicState[id=%08x, spiv=%08x, lvt0=%08x, ...]",
                register(KvmLapicState.APIC_ID), register(KvmLapicState.APIC_SPIV), register(KvmLapicState.APIC_LVT0));
    }
}
