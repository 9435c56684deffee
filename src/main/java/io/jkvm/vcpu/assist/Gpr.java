package io.jkvm.vcpu.assist;

/**
 * The sixteen 64-bit general registers, declared in x86 encoding order (the number in a ModRM
 * or SIB field, with REX.B/REX.X as bit 3; Intel SDM vol. 2, section 2.1.5, table 2-3), each with
 * its index in {@code struct kvm_regs}, which orders the first eight differently:
 * <pre>
 *   encoding  0   1   2   3   4   5   6   7   8..15
 *   register  rax rcx rdx rbx rsp rbp rsi rdi r8..r15
 *   kvm_regs  0   2   3   1   6   7   4   5   8..15   (rax rbx rcx rdx rsi rdi rsp rbp r8..r15)
 * </pre>
 */
public enum Gpr {
    RAX(0), RCX(2), RDX(3), RBX(1), RSP(6), RBP(7), RSI(4), RDI(5),
    R8(8), R9(9), R10(10), R11(11), R12(12), R13(13), R14(14), R15(15);

    private static final Gpr[] BY_ENCODING = values();

    private final int kvmRegsIndex;

    Gpr(int kvmRegsIndex) { this.kvmRegsIndex = kvmRegsIndex; }

    /** The register numbered {@code encoding} (0-15) in ModRM.rm, SIB.base or SIB.index. */
    public static Gpr fromEncoding(int encoding) {
        if (encoding < 0 || encoding > 15) throw new IllegalArgumentException("register encoding " + encoding);
        return BY_ENCODING[encoding];
    }

    /** The number in ModRM/SIB fields (0-15). */
    public int encoding() { return ordinal(); }

    /** The index of this register in {@code struct kvm_regs} (and in the GPR array of {@link MemoryOperand#linearAddress}). */
    public int kvmRegsIndex() { return kvmRegsIndex; }
}
