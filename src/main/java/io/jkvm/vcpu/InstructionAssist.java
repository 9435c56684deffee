package io.jkvm.vcpu;

/**
 * Completes, in jkvm, an instruction that KVM's instruction emulator failed on
 * (KVM_EXIT_INTERNAL_ERROR, KVM_INTERNAL_ERROR_EMULATION). Nested hosts that emulate guest
 * supervisor code fail on a few instructions a kernel uses (HOST-NOTES.md); on a host with
 * VMX/SVM these never reach jkvm, so an assist there changes nothing.
 */
public interface InstructionAssist {
    /** Tries to complete the instruction at the vCPU's RIP; true when the guest can re-enter. */
    boolean tryComplete();

    /** Instructions completed so far. */
    long completed();

    InstructionAssist NONE = new InstructionAssist() {
        @Override
        public boolean tryComplete() { return false; }

        @Override
        public long completed() { return 0; }
    };
}
