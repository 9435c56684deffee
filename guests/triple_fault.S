/*
 * triple_fault: loads an IDT with limit 0 and executes ud2. The #UD cannot be delivered
 * (#GP), nor can the #GP (#DF), nor the #DF: the CPU shuts down (triple fault).
 * (int3 is avoided: it fails at CPL0 on the nested host.)
 *
 * Mode:       --mode long
 * Load/entry: 0x100000 (jkvm's default for --mode long)
 * Registers:  none expected; no stack used
 * COM1:       nothing
 * Ends:       KVM_EXIT_SHUTDOWN (triple fault).
 * Run:        ./jkvm run --mode long triple_fault.bin
 */
#@ text=0x100000 bits=64
        .code64
        .text
        .globl  _start
_start:
        lidt    idtr(%rip)
        ud2
        jmp     .                       // never reached

        .balign 8
idtr:   .word   0                       // limit 0: no vector can be delivered
        .quad   0                       // base
