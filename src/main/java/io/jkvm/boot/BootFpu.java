package io.jkvm.boot;

import io.jkvm.kvm.KvmXsave;
import io.jkvm.kvm.VcpuFd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The x87/SSE state and XCR0 a kernel finds at entry, as after a processor reset (Intel SDM
 * vol. 1, 8.1.5 and 10.2.3): FCW 0x037F (all exceptions masked, double extended precision),
 * MXCSR 0x1F80 (all SIMD exceptions masked, round to nearest), XCR0 = x87 only (bit 0; the
 * kernel enables the rest with XSETBV once it has set CR4.OSXSAVE).
 *
 * <p>Written through the XSAVE area (its legacy region: FCW at byte 0, MXCSR at byte 24,
 * SDM 1 13.4.1) rather than KVM_SET_FPU, which the nested host here ignores.
 */
public final class BootFpu {
    static final short FCW_RESET = 0x037f;
    static final int MXCSR_RESET = 0x1f80;
    static final long XCR0_X87 = 1;

    private BootFpu() {}

    public static void set(VcpuFd vcpu, int xsaveCapability, int xcrsCapability) {
        if (xsaveCapability > 0) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment xsave = a.allocate(KvmXsave.SIZE, KvmXsave.ALIGNMENT);
                vcpu.getXsave(xsave);
                xsave.set(JAVA_SHORT, KvmXsave.FCW, FCW_RESET);
                xsave.set(JAVA_INT, KvmXsave.MXCSR, MXCSR_RESET);
                vcpu.setXsave(xsave);
            }
        }
        if (xcrsCapability > 0) vcpu.setXcr0(XCR0_X87);
    }
}
