package io.jkvm.kvm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A flyweight over {@code struct kvm_run} (include/uapi/linux/kvm.h; api.rst section 5), the
 * page KVM shares with the VMM through the vCPU fd's mmap. One instance per vCPU, reused for
 * every exit; tests wrap a plain heap segment to feed fake exits.
 *
 * <pre>
 *   0  u8  request_interrupt_window
 *   1  u8  immediate_exit             VMM sets it to make the next KVM_RUN return -EINTR
 *   8  u32 exit_reason                KVM_EXIT_*
 *  12  u8  ready_for_interrupt_injection, u8 if_flag, u16 flags
 *  16  u64 cr8, 24 u64 apic_base
 *  32  union, by exit reason:
 *      io:        u8 direction @32, u8 size @33, u16 port @34, u32 count @36, u64 data_offset @40
 *                 (the data is inside this mapping, at data_offset, size * count bytes)
 *      mmio:      u64 phys_addr @32, u8 data[8] @40, u32 len @48, u8 is_write @52
 *      hw:        u64 hardware_exit_reason @32                       (KVM_EXIT_UNKNOWN)
 *      fail_entry:u64 hardware_entry_failure_reason @32, u32 cpu @40 (KVM_EXIT_FAIL_ENTRY)
 *      debug:     u32 exception @32, u32 pad, u64 pc @40, u64 dr6 @48, u64 dr7 @56
 *      internal:  u32 suberror @32, u32 ndata @36, u64 data[16] @40  (KVM_EXIT_INTERNAL_ERROR)
 *      system_event: u32 type @32, u32 ndata @36, u64 data[16] @40
 * 288  u64 kvm_valid_regs, 296 u64 kvm_dirty_regs, 304 sync regs (2048 bytes)
 * </pre>
 * Offsets are the kernel's (a test pins them against the header); total size 2352 bytes, and
 * the mapping is KVM_GET_VCPU_MMAP_SIZE bytes, which also holds the PIO data page.
 */
public final class KvmRun {
    public static final long SIZE = 2352;

    public static final long IMMEDIATE_EXIT = 1;
    public static final long EXIT_REASON = 8;
    public static final long UNION = 32;
    // io
    public static final long IO_DIRECTION = 32;
    public static final long IO_SIZE = 33;
    public static final long IO_PORT = 34;
    public static final long IO_COUNT = 36;
    public static final long IO_DATA_OFFSET = 40;
    // mmio
    public static final long MMIO_PHYS_ADDR = 32;
    public static final long MMIO_DATA = 40;
    public static final long MMIO_LEN = 48;
    public static final long MMIO_IS_WRITE = 52;
    // others
    public static final long HW_EXIT_REASON = 32;
    public static final long FAIL_ENTRY_REASON = 32;
    public static final long FAIL_ENTRY_CPU = 40;
    public static final long DEBUG_EXCEPTION = 32;
    public static final long DEBUG_PC = 40;
    public static final long DEBUG_DR6 = 48;
    public static final long DEBUG_DR7 = 56;
    public static final long INTERNAL_SUBERROR = 32;
    public static final long INTERNAL_NDATA = 36;
    public static final long INTERNAL_DATA = 40;
    public static final long SYSTEM_EVENT_TYPE = 32;
    public static final long SYSTEM_EVENT_NDATA = 36;
    public static final long SYSTEM_EVENT_DATA = 40;
    public static final int MAX_DATA = 16;

    private static final VarHandle IMMEDIATE_EXIT_BYTE = JAVA_BYTE.varHandle();

    private final MemorySegment run;

    public KvmRun(MemorySegment run) {
        if (run.byteSize() < SIZE) throw new IllegalArgumentException("kvm_run mapping too small: " + run.byteSize());
        this.run = run;
    }

    public MemorySegment segment() { return run; }

    public int exitReason() { return run.get(JAVA_INT, EXIT_REASON); }

    /** Written by another thread to kick this vCPU; KVM reads it at KVM_RUN entry. */
    public void setImmediateExit(boolean on) {
        IMMEDIATE_EXIT_BYTE.setVolatile(run, IMMEDIATE_EXIT, (byte) (on ? 1 : 0));
    }

    public boolean immediateExit() {
        return (byte) IMMEDIATE_EXIT_BYTE.getVolatile(run, IMMEDIATE_EXIT) != 0;
    }

    // ---- KVM_EXIT_IO ----
    public int ioDirection() { return run.get(JAVA_BYTE, IO_DIRECTION); }
    public int ioSize() { return Byte.toUnsignedInt(run.get(JAVA_BYTE, IO_SIZE)); }
    public int ioPort() { return Short.toUnsignedInt(run.get(JAVA_SHORT, IO_PORT)); }
    public int ioCount() { return run.get(JAVA_INT, IO_COUNT); }
    public long ioDataOffset() { return run.get(JAVA_LONG, IO_DATA_OFFSET); }

    // ---- KVM_EXIT_MMIO ----
    public long mmioPhysAddr() { return run.get(JAVA_LONG, MMIO_PHYS_ADDR); }
    public int mmioLen() { return run.get(JAVA_INT, MMIO_LEN); }
    public boolean mmioIsWrite() { return run.get(JAVA_BYTE, MMIO_IS_WRITE) != 0; }

    /** The MMIO data bytes as a little-endian value of {@code len} (1..8) bytes. */
    public long mmioData(int len) { return readLe(MMIO_DATA, len); }

    public void setMmioData(int len, long value) { writeLe(MMIO_DATA, len, value); }

    // ---- others ----
    public long hardwareExitReason() { return run.get(JAVA_LONG, HW_EXIT_REASON); }
    public long failEntryReason() { return run.get(JAVA_LONG, FAIL_ENTRY_REASON); }
    public int failEntryCpu() { return run.get(JAVA_INT, FAIL_ENTRY_CPU); }
    public int debugException() { return run.get(JAVA_INT, DEBUG_EXCEPTION); }
    public long debugPc() { return run.get(JAVA_LONG, DEBUG_PC); }
    public long debugDr6() { return run.get(JAVA_LONG, DEBUG_DR6); }
    public long debugDr7() { return run.get(JAVA_LONG, DEBUG_DR7); }
    public int internalSuberror() { return run.get(JAVA_INT, INTERNAL_SUBERROR); }
    public int internalNdata() { return Math.min(run.get(JAVA_INT, INTERNAL_NDATA), MAX_DATA); }
    public long internalData(int i) { return run.get(JAVA_LONG, INTERNAL_DATA + 8L * i); }
    public int systemEventType() { return run.get(JAVA_INT, SYSTEM_EVENT_TYPE); }
    public int systemEventNdata() { return Math.min(run.get(JAVA_INT, SYSTEM_EVENT_NDATA), MAX_DATA); }
    public long systemEventData(int i) { return run.get(JAVA_LONG, SYSTEM_EVENT_DATA + 8L * i); }

    /**
     * Reads a little-endian value of {@code size} (1, 2, 4 or 8) bytes at {@code offset} inside
     * the mapping. KVM puts port-I/O data at data_offset, inside the same mapping; a hostile
     * offset is caught by the segment's bounds check.
     */
    public long readLe(long offset, int size) {
        return switch (size) {
            case 1 -> Byte.toUnsignedLong(run.get(JAVA_BYTE, offset));
            case 2 -> Short.toUnsignedLong(run.get(ValueLayout.JAVA_SHORT_UNALIGNED, offset));
            case 4 -> Integer.toUnsignedLong(run.get(ValueLayout.JAVA_INT_UNALIGNED, offset));
            case 8 -> run.get(ValueLayout.JAVA_LONG_UNALIGNED, offset);
            default -> readBytes(offset, size);
        };
    }

    public void writeLe(long offset, int size, long value) {
        switch (size) {
            case 1 -> run.set(JAVA_BYTE, offset, (byte) value);
            case 2 -> run.set(ValueLayout.JAVA_SHORT_UNALIGNED, offset, (short) value);
            case 4 -> run.set(ValueLayout.JAVA_INT_UNALIGNED, offset, (int) value);
            case 8 -> run.set(ValueLayout.JAVA_LONG_UNALIGNED, offset, value);
            default -> {
                for (int i = 0; i < size; i++) run.set(JAVA_BYTE, offset + i, (byte) (value >>> (8 * i)));
            }
        }
    }

    private long readBytes(long offset, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) v |= Byte.toUnsignedLong(run.get(JAVA_BYTE, offset + i)) << (8 * i);
        return v;
    }
}
