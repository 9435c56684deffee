package io.jkvm.vcpu.assist;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The two register numberings: ModRM/SIB (Intel SDM vol. 2, table 2-3) and struct kvm_regs. */
class GprTest {
    @Test
    void encodingOrder() {
        String[] modrm = {"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
                "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15"};
        for (int i = 0; i < 16; i++) {
            assertEquals(modrm[i], Gpr.fromEncoding(i).name());
            assertEquals(i, Gpr.fromEncoding(i).encoding());
        }
    }

    @Test
    void kvmRegsOrder() {
        // include/uapi/asm/kvm.h (x86): struct kvm_regs { rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp, r8..r15, rip, rflags }
        Gpr[] kvmRegs = {Gpr.RAX, Gpr.RBX, Gpr.RCX, Gpr.RDX, Gpr.RSI, Gpr.RDI, Gpr.RSP, Gpr.RBP,
                Gpr.R8, Gpr.R9, Gpr.R10, Gpr.R11, Gpr.R12, Gpr.R13, Gpr.R14, Gpr.R15};
        for (int i = 0; i < 16; i++) assertEquals(i, kvmRegs[i].kvmRegsIndex(), kvmRegs[i].name());
    }

    @Test
    void encodingToKvmRegs() {
        int[] expected = {0, 2, 3, 1, 6, 7, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15};
        for (int i = 0; i < 16; i++) assertEquals(expected[i], Gpr.fromEncoding(i).kvmRegsIndex());
    }

    @Test
    void outOfRange() {
        assertThrows(IllegalArgumentException.class, () -> Gpr.fromEncoding(16));
        assertThrows(IllegalArgumentException.class, () -> Gpr.fromEncoding(-1));
    }
}
