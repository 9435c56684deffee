package io.jkvm.vcpu.assist;

import java.util.Objects;

/**
 * What the VMM does about the instruction at RIP that KVM's emulator failed on: always
 * {@code RIP += length()}, plus the action of the variant. {@link AssistDecoder} makes these.
 */
public sealed interface Assist {
    /** The instruction's length in bytes, prefixes included (1-15). */
    int length();

    /**
     * {@code int3} (CC): RIP += length, then inject #BP (vector 3) as a trap
     * ({@code KVM_SET_VCPU_EVENTS}, exception.injected = 1, nr = 3), so the guest handler sees
     * the address after the int3 (Intel SDM vol. 3A, section 6.5, "trap").
     */
    record InjectBreakpoint(int length) implements Assist {
        public InjectBreakpoint { checkLength(length); }
    }

    /**
     * An instruction with no effect the guest can observe here: {@code fwait} (9B; it would raise
     * #MF only for a pending unmasked x87 exception, which a guest with masked x87 exceptions
     * never has) and {@code serialize} (0F 01 E8; leaving KVM_RUN serializes anyway).
     */
    record Skip(int length, String mnemonic) implements Assist {
        public Skip {
            checkLength(length);
            Objects.requireNonNull(mnemonic, "mnemonic");
        }
    }

    /** {@code clac} (0F 01 CA, value false) or {@code stac} (0F 01 CB, value true): RFLAGS.AC (bit 18) := value. */
    record SetAc(int length, boolean value) implements Assist {
        public SetAc { checkLength(length); }
    }

    /** {@code ldmxcsr m32} (NP 0F AE /2): MXCSR := the dword at the operand's linear address. */
    record LoadMxcsr(int length, MemoryOperand operand) implements Assist {
        public LoadMxcsr {
            checkLength(length);
            Objects.requireNonNull(operand, "operand");
        }
    }

    /** {@code stmxcsr m32} (NP 0F AE /3): the dword at the operand's linear address := MXCSR. */
    record StoreMxcsr(int length, MemoryOperand operand) implements Assist {
        public StoreMxcsr {
            checkLength(length);
            Objects.requireNonNull(operand, "operand");
        }
    }

    private static void checkLength(int length) {
        if (length < 1 || length > AssistDecoder.MAX_INSTRUCTION_LENGTH) {
            throw new IllegalArgumentException("instruction length " + length);
        }
    }
}
