/*
 * notify: KVM notifications without exits. ioeventfd (guest writes that only signal an
 * eventfd) and interrupts injected through irqfd: a level IOAPIC line with resampling, an edge
 * IOAPIC line, and an MSI GSI route.
 *
 * Mode:      long mode at CPL0 (--mode long), loaded at 0x100000; needs the in-kernel irqchip
 *            (VmConfig irqchip(true)). RCX selects the phase (the host sets it).
 * RCX = 1:   ioeventfd. Writes, in this order: outl 0, 1, 2, 3, 4 to port 0x510;
 *            outw 0x11, 0x22, 0x22, 0x33 to port 0x514; movl 0, 1, 2 to MMIO 0xd0000000.
 *            Ends with debug-exit value 1 (status 3).
 * RCX = 2:   irqfd. Masks both PICs, enables the local APIC (SVR = 0x1ff), programs IOAPIC
 *            pin 20 (vector 0x30, level, active high) and pin 21 (vector 0x31, edge), both to
 *            APIC ID 0, then sti. Then three requests, each an outb to port 0x520:
 *              0x30: the host raises a level line on GSI 20 and holds it while the device has
 *                    events pending; the 0x30 handler takes one with inb from port 0x521, then
 *                    EOIs the local APIC. The guest waits (hlt) for 3 interrupts.
 *              0x31: the host triggers an edge on GSI 21; waits for it; three times.
 *              0x32: the host fires an MSI route (data = vector 0x32, APIC ID 0); three times.
 *            Each handler counts; the 0xff (spurious) handler counts nothing and sends no EOI.
 *            Ends with debug-exit value level | edge << 2 | msi << 4 (0x3f: status 0x7f; the
 *            debug-exit port takes one byte).
 * Run:       only from io.jkvm.it.NotifyTest (needs the host devices it attaches).
 */
#@ text=0x100000 bits=64
#define LAPIC_EOI  0xfee000b0
#define LAPIC_SVR  0xfee000f0
#define IOREGSEL   0xfec00000
#define IOWIN      0xfec00010
        .code64
        .globl _start
_start:
        mov     $0x200000, %rsp
        cmp     $1, %rcx
        je      ioeventfd
        cmp     $2, %rcx
        je      irqfd
        mov     $0xee, %eax
        out     %eax, $0xf4

ioeventfd:
        xor     %eax, %eax
3:      mov     $0x510, %dx
        out     %eax, (%dx)
        inc     %eax
        cmp     $5, %eax
        jb      3b
        mov     $0x514, %dx
        mov     $0x11, %ax
        out     %ax, (%dx)
        mov     $0x22, %ax
        out     %ax, (%dx)
        out     %ax, (%dx)
        mov     $0x33, %ax
        out     %ax, (%dx)
        mov     $0xd0000000, %ebx       // zero-extends: not a sign-extended disp32
        xor     %eax, %eax
4:      movl    %eax, (%rbx)
        inc     %eax
        cmp     $3, %eax
        jb      4b
        mov     $1, %eax
        out     %eax, $0xf4

irqfd:
        lea     level(%rip), %rax
        lea     idt + 0x30 * 16(%rip), %rdi
        call    set_gate
        lea     edge(%rip), %rax
        lea     idt + 0x31 * 16(%rip), %rdi
        call    set_gate
        lea     msi(%rip), %rax
        lea     idt + 0x32 * 16(%rip), %rdi
        call    set_gate
        lea     spurious(%rip), %rax
        lea     idt + 0xff * 16(%rip), %rdi
        call    set_gate
        lidt    idtr(%rip)

        mov     $0xff, %al              // OCW1: mask every 8259 input (the IOAPIC delivers)
        out     %al, $0x21
        out     %al, $0xa1

        mov     $LAPIC_SVR, %ebx        // absolute addresses through a register: a disp32 would sign-extend
        movl    $0x1ff, (%rbx)          // SDM 3A 11.9: APIC software enable, spurious vector 0xff
        mov     $20, %ecx               // IOAPIC pin 20: vector 0x30, level (bit 15), unmasked
        mov     $0x8030, %edx
        call    set_redirection
        mov     $21, %ecx               // pin 21: vector 0x31, edge
        mov     $0x31, %edx
        call    set_redirection
        sti

        mov     $0x30, %al              // level: one request, three interrupts (resampling)
        mov     $3, %r8
        lea     level_count(%rip), %r9
        call    await
        mov     $3, %r10                // edge and MSI: three requests, one interrupt each
        lea     edge_count(%rip), %r9
5:      mov     $0x31, %al
        mov     $1, %r8
        add     (%r9), %r8
        call    await
        dec     %r10
        jnz     5b
        mov     $3, %r10
        lea     msi_count(%rip), %r9
6:      mov     $0x32, %al
        mov     $1, %r8
        add     (%r9), %r8
        call    await
        dec     %r10
        jnz     6b

        mov     level_count(%rip), %rax
        mov     edge_count(%rip), %rbx
        shl     $2, %rbx
        or      %rbx, %rax
        mov     msi_count(%rip), %rbx
        shl     $4, %rbx
        or      %rbx, %rax
        out     %eax, $0xf4

// await: AL = request for port 0x520, R9 = counter, R8 = the count to wait for.
await:
        cli
        mov     $0x520, %dx
        out     %al, (%dx)
7:      cmp     %r8, (%r9)
        jae     8f
        sti                             // sti; hlt: an interrupt pending here wakes the hlt
        hlt
        cli
        jmp     7b
8:      sti
        ret

// set_redirection: ECX = IOAPIC pin, EDX = low dword (high dword 0: physical APIC ID 0).
// 82093AA datasheet 3.2.4: redirection table entry n at registers 0x10 + 2n (low), 0x11 + 2n.
set_redirection:
        mov     $IOREGSEL, %esi
        mov     $IOWIN, %edi
        lea     0x11(,%rcx,2), %eax
        movl    %eax, (%rsi)
        movl    $0, (%rdi)
        lea     0x10(,%rcx,2), %eax
        movl    %eax, (%rsi)
        movl    %edx, (%rdi)
        ret

// set_gate: RAX = handler, RDI = gate address (SDM 3A 6.14.1: selector 0x18, type 0x8e).
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

level:
        push    %rax
        push    %rdx
        mov     $0x521, %dx             // take one pending event: after the last, the device lowers its line
        in      (%dx), %al
        incq    level_count(%rip)
        call    eoi
        pop     %rdx
        pop     %rax
        iretq
edge:
        incq    edge_count(%rip)
        call    eoi
        iretq
msi:
        incq    msi_count(%rip)
        call    eoi
        iretq

// eoi: SDM 3A 11.8.5: a write to the local APIC's EOI register; for a level-triggered vector
// the APIC broadcasts the EOI to the IOAPIC, which is when KVM resamples an irqfd.
eoi:
        push    %rax
        mov     $LAPIC_EOI, %eax
        movl    $0, (%rax)
        pop     %rax
        ret
spurious:
        iretq

        .balign 8
level_count:    .quad 0
edge_count:     .quad 0
msi_count:      .quad 0
idtr:   .word   256 * 16 - 1
        .quad   idt
        .balign 16
idt:    .fill   256 * 16, 1, 0
