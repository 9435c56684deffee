package io.jkvm.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.util.List;
import java.util.Locale;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code struct kvm_regs} (arch/x86/include/uapi/asm/kvm.h): the general registers, 18 x u64,
 * 144 bytes. Used with KVM_GET_REGS / KVM_SET_REGS.
 */
public final class KvmRegs {
    /** Field names in kernel order; also the names {@code --reg NAME=VALUE} accepts. */
    public static final List<String> NAMES = List.of(
            "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp",
            "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags");

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            NAMES.stream().map(n -> JAVA_LONG.withName(n)).toArray(MemoryLayout[]::new)).withName("kvm_regs");
    public static final long SIZE = LAYOUT.byteSize();

    public static final long RAX = offset("rax");
    public static final long RBX = offset("rbx");
    public static final long RCX = offset("rcx");
    public static final long RDX = offset("rdx");
    public static final long RSI = offset("rsi");
    public static final long RDI = offset("rdi");
    public static final long RSP = offset("rsp");
    public static final long RBP = offset("rbp");
    public static final long RIP = offset("rip");
    public static final long RFLAGS = offset("rflags");

    private KvmRegs() {}

    private static long offset(String name) {
        return LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement(name));
    }

    /** Offset of a register by name (case-insensitive), or -1 when there is no such register. */
    public static long offsetOf(String name) {
        int i = NAMES.indexOf(name.toLowerCase(Locale.ROOT));
        return i < 0 ? -1 : i * 8L;
    }

    public static long get(MemorySegment regs, long offset) { return regs.get(JAVA_LONG, offset); }

    public static void set(MemorySegment regs, long offset, long value) { regs.set(JAVA_LONG, offset, value); }

    /** Four registers per line, as a register dump. */
    public static String dump(MemorySegment regs) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < NAMES.size(); i++) {
            sb.append(String.format("%-6s %016x", NAMES.get(i), regs.get(JAVA_LONG, i * 8L)));
            sb.append(i % 4 == 3 || i == NAMES.size() - 1 ? "\n" : "  ");
        }
        return sb.toString();
    }
}
