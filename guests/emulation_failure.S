/*
 * emulation_failure: executes POPCNT at CPL0 in long mode, then halts.
 *
 * On a host that runs guest supervisor code natively the POPCNT simply executes and the
 * guest halts (KVM_EXIT_HLT). On a nested host whose KVM emulates CPL0 code (HOST-NOTES.md:
 * POPCNT is one of the instructions its emulator cannot do), KVM_RUN returns
 * KVM_EXIT_INTERNAL_ERROR / KVM_INTERNAL_ERROR_EMULATION with RIP at the POPCNT, which sits in
 * RAM: jkvm must print its bytes, f3 48 0f b8 d8.
 * Run: ./jkvm run --mode long emulation_failure.bin   (status 0 natively, 6 where emulated)
 */
#@ text=0x100000 bits=64
        .code64
        .globl _start
_start:
        mov     $0x1234, %rax
        popcnt  %rax, %rbx              // f3 48 0f b8 d8
        hlt
