package io.jkvm.kvm;

/**
 * {@code struct kvm_xsave} (api.rst 4.42-4.43, KVM_GET/SET_XSAVE): the first 4 KiB of the
 * vCPU's XSAVE area. Its first 512 bytes are the FXSAVE-format legacy region (Intel SDM vol. 1,
 * 10.5.1): FCW at byte 0, MXCSR at byte 24.
 */
public final class KvmXsave {
    public static final long SIZE = 4096;
    /** The XSAVE area is 64-byte aligned (SDM vol. 1, 13.4). */
    public static final long ALIGNMENT = 64;
    public static final long FCW = 0;
    public static final long MXCSR = 24;

    private KvmXsave() {}
}
