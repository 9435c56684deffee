package io.jkvm.kvm;

import io.jkvm.state.SavedState;
import io.jkvm.state.StateReader;
import io.jkvm.state.StateWriter;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HexFormat;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The saved state of KVM's in-kernel 8254 (KVM_CREATE_PIT2): {@code struct kvm_pit_state2}
 * ({@link KvmPitState2}) with each channel's {@code count_load_time} set to 0. That field is
 * the host's monotonic clock at the last counter load; it means nothing in another process or
 * on another host, and KVM_SET_PIT2 ignores it and restarts every counter from its count at the
 * time of the call. So a restore loses the phase within the current count (at most one period),
 * as it does under QEMU with KVM.
 */
public record PitState(byte[] pitState2) implements SavedState {
    public static final String TAG = "PIT2";
    public static final int VERSION = 1;
    public static final int SIZE = (int) KvmPitState2.SIZE;
    /** The 8254's modes are 0-5 (Intel 8254 datasheet, "Mode Definitions"). */
    static final int MAX_MODE = 5;
    /** What KVM stores for a channel the guest never programmed (arch/x86/kvm/i8254.c, kvm_pit_reset). */
    public static final int MODE_UNPROGRAMMED = 0xff;
    /** A count of 0 stands for 65536, which KVM stores as such. */
    static final int MAX_COUNT = 0x10000;

    public PitState {
        if (pitState2.length != SIZE) throw new IllegalArgumentException("kvm_pit_state2 is " + SIZE + " bytes, not " + pitState2.length);
        pitState2 = pitState2.clone();
        MemorySegment s = MemorySegment.ofArray(pitState2);
        for (int c = 0; c < KvmPitState2.CHANNELS; c++) {
            long at = c * KvmPitState2.CHANNEL_SIZE;
            int count = s.get(JAVA_INT_UNALIGNED, at + KvmPitState2.COUNT);
            int mode = s.get(JAVA_BYTE, at + KvmPitState2.MODE) & 0xff;
            if (count < 0 || count > MAX_COUNT) throw new IllegalArgumentException("PIT channel " + c + " count " + Integer.toUnsignedString(count) + " is above 65536");
            if (mode > MAX_MODE && mode != MODE_UNPROGRAMMED) {
                throw new IllegalArgumentException("PIT channel " + c + " mode " + mode + " is not 0-5 (or 0xff, never programmed)");
            }
            s.set(JAVA_LONG_UNALIGNED, at + KvmPitState2.COUNT_LOAD_TIME, 0L);
        }
    }

    private static final java.lang.foreign.ValueLayout.OfInt JAVA_INT_UNALIGNED = JAVA_INT.withByteAlignment(1);
    private static final java.lang.foreign.ValueLayout.OfLong JAVA_LONG_UNALIGNED = JAVA_LONG.withByteAlignment(1);

    /** KVM_GET_PIT2. */
    public static PitState save(VmFd vm) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pit = arena.allocate(KvmPitState2.LAYOUT);
            vm.getPit2(pit);
            return new PitState(pit.toArray(JAVA_BYTE));
        }
    }

    /** KVM_SET_PIT2. */
    public void restoreTo(VmFd vm) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pit = arena.allocate(KvmPitState2.LAYOUT);
            MemorySegment.copy(pitState2, 0, pit, JAVA_BYTE, 0, SIZE);
            vm.setPit2(pit);
        }
    }

    @Override public byte[] pitState2() { return pitState2.clone(); }

    /** Channel {@code channel}'s reload value (0x10000 for a programmed 0). */
    public int count(int channel) {
        return MemorySegment.ofArray(pitState2).get(JAVA_INT_UNALIGNED, channel * KvmPitState2.CHANNEL_SIZE + KvmPitState2.COUNT);
    }

    /** Channel {@code channel}'s mode, 0-5, or {@link #MODE_UNPROGRAMMED}. */
    public int mode(int channel) {
        return pitState2[(int) (channel * KvmPitState2.CHANNEL_SIZE + KvmPitState2.MODE)] & 0xff;
    }

    /** Section {@value #TAG} version 1: kvm_pit_state2, raw, count_load_time zero. */
    @Override
    public void writeTo(StateWriter out) {
        out.beginSection(TAG, VERSION).raw(pitState2).endSection();
    }

    public static PitState readFrom(StateReader in) {
        in.beginSection(TAG, VERSION);
        byte[] raw = in.raw("kvm_pit_state2", SIZE);
        PitState state = in.build(() -> new PitState(raw));
        in.endSection();
        return state;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PitState s && Arrays.equals(pitState2, s.pitState2);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(pitState2);
    }

    @Override
    public String toString() {
        return "PitState[" + HexFormat.of().formatHex(pitState2) + "]";
    }
}
