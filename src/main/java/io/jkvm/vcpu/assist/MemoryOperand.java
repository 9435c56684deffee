package io.jkvm.vcpu.assist;

import java.util.Objects;

/**
 * A decoded ModRM memory operand (Intel SDM vol. 2, section 2.1.5 and, for RIP-relative
 * addressing, 2.2.1.6): {@code segment:[base + index * scale + displacement]} or
 * {@code segment:[rip_of_next_instruction + displacement]}.
 *
 * @param base         the base register, or null when there is none (disp32 or SIB base 101 with mod 00)
 * @param index        the index register, or null when there is none (SIB index 100 without REX.X)
 * @param scale        1, 2, 4 or 8 (1 when there is no index)
 * @param displacement the displacement, sign-extended
 * @param ripRelative  true for {@code [rip + disp32]} (64-bit mode, mod 00 rm 101); then no base and no index
 * @param segment      the segment that applies: the override prefix, else SS for an rsp/rbp base, else DS
 * @param addressSize  64, or 32 (32-bit mode, or the 0x67 prefix in 64-bit mode): the effective
 *                     address is then computed modulo 2^32
 * @param longMode     decoded as 64-bit code (the linear address is 64 bits; else it wraps at 32 bits)
 */
public record MemoryOperand(Gpr base, Gpr index, int scale, long displacement, boolean ripRelative,
                            Segment segment, int addressSize, boolean longMode) {

    /** Segment registers, in the order of their encoding in segment-register fields. */
    public enum Segment { ES, CS, SS, DS, FS, GS }

    public MemoryOperand {
        Objects.requireNonNull(segment, "segment");
        if (scale != 1 && scale != 2 && scale != 4 && scale != 8) throw new IllegalArgumentException("scale " + scale);
        if (index == null && scale != 1) throw new IllegalArgumentException("scale without an index");
        if (index == Gpr.RSP) throw new IllegalArgumentException("rsp cannot be an index");
        if (addressSize != 32 && addressSize != 64) throw new IllegalArgumentException("address size " + addressSize);
        if (!longMode && addressSize != 32) throw new IllegalArgumentException("64-bit addressing outside long mode");
        if (ripRelative && (base != null || index != null)) throw new IllegalArgumentException("RIP-relative with a register");
        if (ripRelative && !longMode) throw new IllegalArgumentException("RIP-relative outside long mode");
    }

    /**
     * The linear address of the operand.
     *
     * <p>Only FS and GS contribute a base. That is the architecture in 64-bit mode (SDM vol. 1,
     * section 3.4.2.1: CS, DS, ES and SS bases are treated as 0); in 32-bit mode it assumes
     * flat CS/DS/ES/SS segments (base 0), as Linux sets up, and a caller with other segments
     * must add the base itself.
     *
     * @param gprs   the general registers in {@code struct kvm_regs} order: rax rbx rcx rdx rsi
     *               rdi rsp rbp r8..r15 (at least 16 entries; see {@link Gpr#kvmRegsIndex()})
     * @param rip    the address of the instruction (its first prefix byte)
     * @param length the instruction's length ({@link Assist#length()}), for RIP-relative operands
     * @param fsBase the FS segment base ({@code kvm_sregs.fs.base})
     * @param gsBase the GS segment base ({@code kvm_sregs.gs.base})
     */
    public long linearAddress(long[] gprs, long rip, int length, long fsBase, long gsBase) {
        if (gprs.length < 16) throw new IllegalArgumentException("need 16 general registers, got " + gprs.length);
        long effective;
        if (ripRelative) {
            effective = rip + length + displacement;
        } else {
            effective = displacement;
            if (base != null) effective += gprs[base.kvmRegsIndex()];
            if (index != null) effective += gprs[index.kvmRegsIndex()] * scale;
        }
        if (addressSize == 32) effective &= 0xFFFF_FFFFL;
        long segmentBase = switch (segment) {
            case FS -> fsBase;
            case GS -> gsBase;
            default -> 0;
        };
        long linear = segmentBase + effective;
        return longMode ? linear : linear & 0xFFFF_FFFFL;
    }

    /** AT&T syntax, as objdump prints it, e.g. {@code %gs:0x28} or {@code -0x8(%rbp,%rcx,4)}. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        boolean defaultSegment = segment == Segment.DS
                || (segment == Segment.SS && (base == Gpr.RSP || base == Gpr.RBP));
        if (!defaultSegment) s.append('%').append(segment.name().toLowerCase()).append(':');
        if (displacement != 0 || (base == null && index == null && !ripRelative)) {
            s.append(displacement < 0 ? "-0x" + Long.toHexString(-displacement) : "0x" + Long.toHexString(displacement));
        }
        if (ripRelative) return s.append(addressSize == 32 ? "(%eip)" : "(%rip)").toString();
        if (base == null && index == null) return s.toString();
        s.append('(');
        if (base != null) s.append(registerName(base));
        if (index != null) s.append(',').append(registerName(index)).append(',').append(scale);
        return s.append(')').toString();
    }

    private String registerName(Gpr r) {
        String name = r.name().toLowerCase();
        if (addressSize == 64) return "%" + name;
        return "%" + (r.encoding() >= 8 ? name + "d" : "e" + name.substring(1));
    }
}
