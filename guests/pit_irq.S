/*
 * pit_irq: interrupts through KVM's in-kernel irqchip (8259 PIC) and PIT.
 *
 * Mode:      long mode at CPL0 (--mode long), loaded at 0x100000; needs a VM created with
 *            the in-kernel irqchip and PIT (VmConfig.irqchip(true)).
 * Does:      builds an IDT (vector 0x20 = IRQ0 timer, vector 0x25 = IRQ5), programs the master
 *            PIC (ICW1-4: vectors 0x20-0x27) and masks everything but IRQ0 and IRQ5, programs
 *            PIT channel 0 in mode 2 at ~100 Hz (divisor 11932), then sti; hlt in a loop.
 *            Each timer interrupt writes its running count to port 0x11 and sends EOI.
 * Ends:      after RCX timer ticks (the host sets RCX; 10 if 0), writes the tick count to the
 *            debug-exit port 0xf4 (status (N << 1) | 1); an IRQ5 (raised by the host through
 *            KVM_IRQ_LINE) instead writes 0x55 to the debug-exit port (status 0xab = 171).
 * Run:       VmConfig.builder().mode(LONG).irqchip(true)... (no CLI flag yet)
 */
#@ text=0x100000 bits=64
        .code64
        .globl _start
_start:
        mov     $0x200000, %rsp
        test    %rcx, %rcx
        jnz     1f
        mov     $10, %rcx
1:      mov     %rcx, limit(%rip)

        // IDT gates (SDM 3A 6.14.1): 16 bytes, selector 0x18 (jkvm's 64-bit code), type 0x8e.
        lea     timer(%rip), %rax
        lea     idt + 0x20 * 16(%rip), %rdi
        call    set_gate
        lea     irq5(%rip), %rax
        lea     idt + 0x25 * 16(%rip), %rdi
        call    set_gate
        lidt    idtr(%rip)

        // 8259A: ICW1 edge + ICW4, ICW2 vector base 0x20, ICW3 slave on IRQ2, ICW4 8086 mode.
        mov     $0x11, %al
        out     %al, $0x20
        mov     $0x20, %al
        out     %al, $0x21
        mov     $0x04, %al
        out     %al, $0x21
        mov     $0x01, %al
        out     %al, $0x21
        mov     $0xde, %al              // unmask IRQ0 and IRQ5 only
        out     %al, $0x21

        // 8254 channel 0, lobyte/hibyte, mode 2 (rate generator), divisor 11932 = ~100 Hz.
        mov     $0x34, %al
        out     %al, $0x43
        mov     $(11932 & 0xff), %al
        out     %al, $0x40
        mov     $(11932 >> 8), %al
        out     %al, $0x40

        sti
2:      hlt
        jmp     2b

// set_gate: RAX = handler, RDI = gate address.
set_gate:
        mov     %ax, (%rdi)
        movw    $0x18, 2(%rdi)
        movw    $0x8e00, 4(%rdi)
        shr     $16, %rax
        mov     %ax, 6(%rdi)
        shr     $16, %rax
        mov     %eax, 8(%rdi)
        movl    $0, 12(%rdi)
        ret

timer:
        push    %rax
        push    %rdx
        incq    ticks(%rip)
        mov     ticks(%rip), %rax
        out     %al, $0x11
        mov     $0x20, %al              // non-specific EOI
        out     %al, $0x20
        mov     ticks(%rip), %rax
        cmp     limit(%rip), %rax
        jb      3f
        mov     $0xf4, %dx
        out     %eax, (%dx)             // debug-exit: the tick count
3:      pop     %rdx
        pop     %rax
        iretq

irq5:
        mov     $0x20, %al
        out     %al, $0x20
        mov     $0x55, %eax
        mov     $0xf4, %dx
        out     %eax, (%dx)
        iretq

        .balign 8
ticks:  .quad   0
limit:  .quad   0
idtr:   .word   256 * 16 - 1
        .quad   idt
        .balign 16
idt:    .fill   256 * 16, 1, 0
