package io.jkvm.kvm;

/**
 * {@code struct kvm_vcpu_events} (api.rst 4.31, KVM_GET/SET_VCPU_EVENTS), 64 bytes: pending or
 * injected exceptions, interrupts and NMIs. jkvm uses it to inject an exception into the
 * guest (the int3 assist).
 * <pre>
 *  0 exception { u8 injected; u8 nr; u8 has_error_code; u8 pending; u32 error_code; }
 *  8 interrupt { u8 injected; u8 nr; u8 soft; u8 shadow; }
 * 12 nmi { u8 injected; u8 pending; u8 masked; u8 pad; }
 * 16 u32 sipi_vector, 20 u32 flags, 24 smi, 28 reserved, 55 u8 exception_has_payload, 56 u64 exception_payload
 * </pre>
 */
public final class KvmVcpuEvents {
    public static final long SIZE = 64;
    public static final long EXCEPTION_INJECTED = 0;
    public static final long EXCEPTION_NR = 1;
    public static final long EXCEPTION_HAS_ERROR_CODE = 2;
    public static final long EXCEPTION_PENDING = 3;
    public static final long EXCEPTION_ERROR_CODE = 4;
    public static final long FLAGS = 20;
    public static final long EXCEPTION_HAS_PAYLOAD = 55;

    /** Intel SDM 3A table 6-1: #BP, breakpoint, a trap raised by INT3. */
    public static final int BP_VECTOR = 3;

    private KvmVcpuEvents() {}
}
