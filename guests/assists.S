/*
 * assists: the instructions a nested KVM that emulates CPL0 code cannot do (HOST-NOTES.md),
 * each followed by a check; jkvm completes them itself (the instruction assists).
 *
 * Mode:   long mode at CPL0 (--mode long), loaded at 0x100000.
 * Does:   int3 with a #BP handler in the IDT, fwait, stac/clac (RFLAGS.AC checked with pushfq),
 *         ldmxcsr/stmxcsr through memory (CR4.OSFXSR set first), serialize.
 * Output: one byte per passed check on port 0x11, in order: 'B' (the #BP handler ran once and
 *         returned after the int3), 'W' (after fwait), 'A' (AC set by stac), 'a' (AC clear after
 *         clac), 'M' (stmxcsr gave back the value ldmxcsr loaded, 0x1f80 -> 0x1fa0 round trip),
 *         'S' (after serialize); then writes 0 to the debug-exit port (status 1).
 * On a host that runs CPL0 natively these run on the CPU (serialize and clac/stac need the
 * CPU features; the guest does not check CPUID: on a CPU without SMAP or SERIALIZE the #UD finds
 * no gate and the guest triple-faults after the checks before it, InstructionAssistTest expects so).
 */
#@ text=0x100000 bits=64
        .code64
        .globl _start
_start:
        mov     $0x200000, %rsp
        // IDT gate for vector 3 (#BP): 64-bit interrupt gate, selector 0x18, DPL 0.
        lea     bp_handler(%rip), %rax
        lea     idt + 3 * 16(%rip), %rdi
        mov     %ax, (%rdi)
        movw    $0x18, 2(%rdi)
        movw    $0x8e00, 4(%rdi)
        shr     $16, %rax
        mov     %ax, 6(%rdi)
        shr     $16, %rax
        mov     %eax, 8(%rdi)
        lidt    idtr(%rip)

        int3
        cmpq    $1, bp_count(%rip)
        jne     1f
        mov     $'B', %al
        out     %al, $0x11
1:      fwait
        mov     $'W', %al
        out     %al, $0x11

        stac
        pushfq
        pop     %rax
        bt      $18, %rax
        jnc     2f
        mov     $'A', %al
        out     %al, $0x11
2:      clac
        pushfq
        pop     %rax
        bt      $18, %rax
        jc      3f
        mov     $'a', %al
        out     %al, $0x11

3:      mov     %cr4, %rax
        or      $0x600, %rax            // OSFXSR | OSXMMEXCPT: SSE state usable
        mov     %rax, %cr4
        movl    $0x1fa0, mx_in(%rip)
        ldmxcsr mx_in(%rip)
        stmxcsr mx_out(%rip)
        mov     mx_out(%rip), %eax
        cmp     $0x1fa0, %eax
        jne     4f
        mov     $'M', %al
        out     %al, $0x11
4:      .byte   0x0f, 0x01, 0xe8        // serialize
        mov     $'S', %al
        out     %al, $0x11
        xor     %eax, %eax
        mov     $0xf4, %dx
        out     %eax, (%dx)
        hlt

bp_handler:
        incq    bp_count(%rip)
        iretq

        .balign 8
bp_count: .quad 0
mx_in:  .long   0
mx_out: .long   0
idtr:   .word   256 * 16 - 1
        .quad   idt
        .balign 16
idt:    .fill   256 * 16, 1, 0
