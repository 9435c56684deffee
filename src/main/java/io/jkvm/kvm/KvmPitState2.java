package io.jkvm.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct kvm_pit_state2} (api.rst 4.72-4.73, KVM_GET_PIT2 / KVM_SET_PIT2, needs
 * KVM_CAP_PIT_STATE2), 112 bytes: the in-kernel 8254's three channels and flags.
 * <pre>
 *  0 struct kvm_pit_channel_state channels[3]   24 bytes each:
 *        0 u32 count   4 u16 latched_count   6 u8 count_latched   7 u8 status_latched
 *        8 u8 status   9 u8 read_state  10 u8 write_state  11 u8 write_latch  12 u8 rw_mode
 *       13 u8 mode    14 u8 bcd         15 u8 gate         16 s64 count_load_time
 * 72 u32 flags          KVM_PIT_FLAGS_HPET_LEGACY 1 (channel 0 silenced by the HPET)
 * 76 u32 reserved[9]
 * </pre>
 * {@code count_load_time} is the host's monotonic time (ktime) of the last counter load; KVM_SET_PIT2
 * ignores it and reloads every counter at the time of the call (arch/x86/kvm/x86.c,
 * kvm_vm_ioctl_set_pit2 calls kvm_pit_load_count, which sets it to ktime_get()).
 */
public final class KvmPitState2 {
    public static final int KVM_PIT_FLAGS_HPET_LEGACY = 1;
    public static final int CHANNELS = 3;

    public static final StructLayout CHANNEL = MemoryLayout.structLayout(
            JAVA_INT.withName("count"), JAVA_SHORT.withName("latched_count"), JAVA_BYTE.withName("count_latched"),
            JAVA_BYTE.withName("status_latched"), JAVA_BYTE.withName("status"), JAVA_BYTE.withName("read_state"),
            JAVA_BYTE.withName("write_state"), JAVA_BYTE.withName("write_latch"), JAVA_BYTE.withName("rw_mode"),
            JAVA_BYTE.withName("mode"), JAVA_BYTE.withName("bcd"), JAVA_BYTE.withName("gate"),
            JAVA_LONG.withName("count_load_time")).withName("kvm_pit_channel_state");
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(CHANNELS, CHANNEL).withName("channels"), JAVA_INT.withName("flags"),
            MemoryLayout.sequenceLayout(9, JAVA_INT).withName("reserved")).withName("kvm_pit_state2");
    public static final long SIZE = LAYOUT.byteSize();
    public static final long CHANNEL_SIZE = CHANNEL.byteSize();
    public static final long FLAGS = LAYOUT.byteOffset(groupElement("flags"));

    // Offsets inside one channel; channel n is at n * CHANNEL_SIZE.
    public static final long COUNT = CHANNEL.byteOffset(groupElement("count"));
    public static final long RW_MODE = CHANNEL.byteOffset(groupElement("rw_mode"));
    public static final long MODE = CHANNEL.byteOffset(groupElement("mode"));
    public static final long GATE = CHANNEL.byteOffset(groupElement("gate"));
    public static final long COUNT_LOAD_TIME = CHANNEL.byteOffset(groupElement("count_load_time"));

    private KvmPitState2() {}
}
