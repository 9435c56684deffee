package io.jkvm.kvm;

/**
 * {@code struct kvm_fpu} (arch/x86/include/uapi/asm/kvm.h; KVM_GET/SET_FPU, api.rst 4.22-4.23),
 * 416 bytes: x87 registers and control words, then xmm0-15 at 152 and MXCSR at 408.
 */
public final class KvmFpu {
    public static final long SIZE = 416;
    public static final long FCW = 128;
    public static final long XMM = 152;
    public static final long MXCSR = 408;

    private KvmFpu() {}
}
