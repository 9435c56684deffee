package io.jkvm.boot;

/**
 * The MSRs a kernel finds set at its 64-bit entry, as firmware would leave them (the set
 * Firecracker writes, arch/x86_64/msr.rs). Intel SDM vol. 4, "Model-Specific Registers".
 */
public final class BootMsrs {
    static final int MSR_IA32_TSC = 0x10;
    static final int MSR_IA32_SYSENTER_CS = 0x174;
    static final int MSR_IA32_SYSENTER_ESP = 0x175;
    static final int MSR_IA32_SYSENTER_EIP = 0x176;
    static final int MSR_IA32_MISC_ENABLE = 0x1a0;
    static final int MSR_MTRR_DEF_TYPE = 0x2ff;
    static final int MSR_STAR = 0xc0000081;
    static final int MSR_LSTAR = 0xc0000082;
    static final int MSR_CSTAR = 0xc0000083;
    static final int MSR_SYSCALL_MASK = 0xc0000084;
    static final int MSR_KERNEL_GS_BASE = 0xc0000102;

    /** IA32_MISC_ENABLE bit 0: fast-string operations (rep movs/stos) enabled. */
    static final long MISC_ENABLE_FAST_STRING = 1;
    /** IA32_MTRR_DEF_TYPE: MTRRs enabled (bit 11), default memory type write-back (6). */
    static final long MTRR_ENABLE_WRITE_BACK = (1L << 11) | 6;

    /** MSR numbers, in the order of {@link #VALUES}. */
    public static final int[] INDEXES = {
        MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
        MSR_STAR, MSR_CSTAR, MSR_KERNEL_GS_BASE, MSR_SYSCALL_MASK, MSR_LSTAR,
        MSR_IA32_TSC, MSR_IA32_MISC_ENABLE, MSR_MTRR_DEF_TYPE,
    };

    public static final long[] VALUES = {
        0, 0, 0,
        0, 0, 0, 0, 0,
        0, MISC_ENABLE_FAST_STRING, MTRR_ENABLE_WRITE_BACK,
    };

    private BootMsrs() {}
}
