/*
 * mb_msix: a flat Multiboot v1 image (a.out kludge) that drives jkvm's jkvm-msix-testdev
 * (io.jkvm.pci.MsixTestdev, PCI 1234:6a6b) the way an OS driver does: finds it on bus 0,
 * walks its capability list, sizes its 64-bit BAR, programs its MSI-X table, takes the
 * interrupts in IDT handlers, then does the same with INTx# through the IOAPIC.
 *
 * Layout:     as mb_hello.S: _start (0x100000) jumps over the Multiboot header at 0x100004;
 *             entry_addr = load_addr = 0x100000.
 * Mode:       32-bit protected mode, flat segments, paging off; loads no segment registers
 *             (the IDT gates use the CS it was started with). Sets ESP itself.
 * Set-up:     masks both 8259s (OCW1 0xff to ports 0x21, 0xa1: KVM's PICs reset unmasked and
 *             GSI 11 reaches them too); loads a 256-gate IDT (every vector prints
 *             "unexpected vector N" and fails, except 0x40, 0x41, 0x42 and the spurious 0xff);
 *             software-enables the local APIC (SVR 0xFEE000F0 = 0x1ff, Intel SDM vol. 3A 11.9;
 *             KVM's local APIC accepts no fixed interrupt while it is disabled).
 * Config:     ports 0xcf8/0xcfc (PCI Local Bus 3.0, 3.2.2.3.2).
 * COM1 lines (LSR polled), each step:
 *   "mb_msix"
 *   "found"                           (else "not found", exit 0x3d)
 *   "status caps 1"                   status register bit 4 (6.2.3)
 *   "caps 11@40"                      the list from 0x34, each "ID@offset" (6.7), at most 48
 *   "msix vectors 2 table 0:00000000 pba 0:00000800"   message control 10:0 + 1; BIR:offset
 *   "bar0 type 4 size fffff004 ffffffff"  type bits 2:1 = 10b (64-bit); all ones written to
 *                                     both halves with memory decoding off (6.2.5.1)
 *   "bar0 below 4g"                   the address firmware (jkvm) gave it, upper half 0
 *   "intx pin 1 line 11"              registers 0x3d and 0x3c (line: the GSI jkvm routes to)
 *   Then MSI-X (6.8.2): enable with the function mask set, entry 0 = 0xFEE00000 / 0x40
 *   unmasked, entry 1 = 0xFEE00000 / 0x41 left masked, function mask cleared, STI; command
 *   register = I/O + memory + bus master. Each trigger is an outl n to the device's TRIGGER
 *   register (BAR2 + 0):
 *   "vector 40 received"              trigger 0
 *   "vector 41 held, pba 00000002"    trigger 1 while entry 1 is masked: pending bit 1, no interrupt
 *   "vector 41 received on unmask, pba 00000000"  vector control of entry 1 := 0
 *   "function mask pba 00000001"      function mask set, trigger 0: pending bit 0
 *   "vector 40 received on function unmask"
 *   "bad address ignored, ram untouched"   entry 0 address := a RAM word of this guest,
 *                                     trigger 0: no interrupt, the word keeps its value
 *   Then INTx: MSI-X disabled; IOAPIC (0xFEC00000) pin `line` := vector 0x42, level,
 *   active high, fixed, APIC 0; the 0x42 handler writes the device's INTX register
 *   (deasserts) before EOI:
 *   "intx vector 42 received"         trigger 0 with MSI-X off: the device asserts INTA#
 *   "intx deasserted, status 0"       INTX register and status bit 3 (6.2.3) after the ack
 *   "triggers 5"                      the device's COUNT register
 *   A wait that times out prints "timeout" instead of the "received" line and exits 0x3d.
 * Ends:       outl 0x3c to the debug-exit port 0xf4: status (0x3c<<1)|1 = 121; a failed
 *             step: outl 0x3d, status 123.
 * Run:        through io.jkvm.it.MsixGuestTest (the Java API: PcOptions.withMsixTestdev(3),
 *             debug exit 0xf4/4). QEMU has no such device, so there is no QEMU run.
 */
#@ text=0x100000 bits=32
#include "include/multiboot_header.inc"
#include "include/com1_putc32.inc"
#include "include/print32.inc"

#define EXIT_PORT       0xf4
#define EXIT_OK         0x3c
#define EXIT_FAIL       0x3d

#define PCI_ADDR        0xcf8
#define PCI_DATA        0xcfc
#define PCI_ENABLE      0x80000000
#define DEV_ID          0x6a6b1234      /* device 0x6a6b << 16 | vendor 0x1234 */

#define LAPIC_BASE      0xfee00000
#define LAPIC_EOI       0x0b0
#define LAPIC_SVR       0x0f0
#define IOAPIC_SEL      0xfec00000
#define IOAPIC_WIN      0xfec00010

#define MSIX_ENABLE     0x8000
#define MSIX_FMASK      0x4000
#define WAIT_ROUNDS     10000000
#define CANARY          0x5a5aa5a5

entry:
        mov     $stack_top, %esp
        cld
        PRINT   "mb_msix\n"

        // ---- 8259s masked, IDT, local APIC on
        mov     $0xff, %al
        outb    %al, $0x21
        outb    %al, $0xa1
        xor     %ecx, %ecx
1:      mov     %ecx, %eax
        shl     $4, %eax
        lea     unexpected_stubs(%eax), %eax    // 16-byte stubs, one per vector
        call    set_gate
        inc     %ecx
        cmp     $256, %ecx
        jb      1b
        mov     $0x40, %ecx
        mov     $isr40, %eax
        call    set_gate
        mov     $0x41, %ecx
        mov     $isr41, %eax
        call    set_gate
        mov     $0x42, %ecx
        mov     $isr42, %eax
        call    set_gate
        mov     $0xff, %ecx
        mov     $isr_spurious, %eax
        call    set_gate
        lidt    idt_desc
        movl    $0x1ff, LAPIC_BASE + LAPIC_SVR

        // ---- find the device on bus 0
        xor     %ebx, %ebx
1:      mov     %ebx, %eax
        shl     $11, %eax
        or      $PCI_ENABLE, %eax
        mov     %eax, %edi
        call    cfg_read
        cmp     $DEV_ID, %eax
        je      2f
        inc     %ebx
        cmp     $32, %ebx
        jb      1b
        PRINT   "not found\n"
        jmp     fail
2:      PRINT   "found\n"                // EDI = config address of register 0 from here on

        // ---- status bit 4 and the capability list
        PRINT   "status caps "
        lea     0x04(%edi), %eax
        call    cfg_read
        shr     $20, %eax               // status bit 4 = dword bit 20
        and     $1, %eax
        call    putdec
        call    putnl
        PRINT   "caps"
        lea     0x34(%edi), %eax
        call    cfg_read
        and     $0xfc, %eax
        mov     %eax, %esi              // ESI = capability offset
        mov     $48, %ebp               // at most 48 hops
3:      cmp     $0x40, %esi
        jb      4f
        lea     (%edi,%esi), %eax
        call    cfg_read
        mov     %eax, %ebx
        call    putsp
        mov     $2, %ecx
        call    puthex                  // ID
        PRINT   "@"
        mov     %esi, %eax
        call    puthex                  // offset (ECX still 2)
        cmpb    $0x11, %bl
        jne     5f
        mov     %esi, msix_cap
5:      movzbl  %bh, %esi
        and     $0xfc, %esi
        dec     %ebp
        jnz     3b
4:      call    putnl
        cmpl    $0, msix_cap
        jne     6f
        PRINT   "no msi-x capability\n"
        jmp     fail

        // ---- the MSI-X capability's registers
6:      PRINT   "msix vectors "
        mov     msix_cap, %esi
        lea     (%edi,%esi), %eax
        call    cfg_read
        shr     $16, %eax
        and     $0x7ff, %eax
        inc     %eax
        call    putdec
        PRINT   " table "
        lea     4(%edi,%esi), %eax
        call    cfg_read
        call    put_bir_offset
        PRINT   " pba "
        lea     8(%edi,%esi), %eax
        call    cfg_read
        call    put_bir_offset
        call    putnl

        // ---- BAR0/1: a 64-bit memory BAR; size it with decoding off
        lea     0x04(%edi), %eax
        call    cfg_read
        and     $0xfffc, %eax           // I/O and memory decoding off; status half not written
        mov     %eax, %edx
        lea     0x04(%edi), %eax
        call    cfg_write
        lea     0x10(%edi), %eax
        call    cfg_read
        mov     %eax, bar0_lo
        lea     0x14(%edi), %eax
        call    cfg_read
        mov     %eax, bar0_hi
        PRINT   "bar0 type "
        mov     bar0_lo, %eax
        and     $0x6, %eax
        mov     $1, %ecx
        call    puthex
        PRINT   " size "
        lea     0x10(%edi), %eax
        mov     $0xffffffff, %edx
        call    cfg_write
        lea     0x14(%edi), %eax
        mov     $0xffffffff, %edx
        call    cfg_write
        lea     0x10(%edi), %eax
        call    cfg_read
        call    hex32
        call    putsp
        lea     0x14(%edi), %eax
        call    cfg_read
        call    hex32
        call    putnl
        lea     0x10(%edi), %eax
        mov     bar0_lo, %edx
        call    cfg_write
        lea     0x14(%edi), %eax
        mov     bar0_hi, %edx
        call    cfg_write
        cmpl    $0, bar0_hi
        je      7f
        PRINT   "bar0 above 4g\n"
        jmp     fail
7:      PRINT   "bar0 below 4g\n"
        andl    $0xfffffff0, bar0_lo    // bar0_lo = the table's address from here on
        lea     0x18(%edi), %eax        // BAR2: I/O, the registers
        call    cfg_read
        and     $0xfffc, %eax
        mov     %eax, regs

        PRINT   "intx pin "
        lea     0x3c(%edi), %eax
        call    cfg_read
        mov     %eax, %ebx
        movzbl  %bh, %eax
        call    putdec
        PRINT   " line "
        movzbl  %bl, %eax
        mov     %eax, intx_line
        call    putdec
        call    putnl

        // ---- command: I/O, memory, bus master (MSI-X messages are memory writes)
        lea     0x04(%edi), %eax
        call    cfg_read
        and     $0xffff, %eax
        or      $0x7, %eax
        mov     %eax, %edx
        lea     0x04(%edi), %eax
        call    cfg_write

        // ---- MSI-X: enable with the function mask, program the entries, unmask the function
        mov     $(MSIX_ENABLE | MSIX_FMASK), %eax
        call    msix_control
        mov     bar0_lo, %ebx
        movl    $LAPIC_BASE, 0x00(%ebx) // entry 0: address, upper address, data, vector control
        movl    $0, 0x04(%ebx)
        movl    $0x40, 0x08(%ebx)
        movl    $0, 0x0c(%ebx)          // unmasked
        movl    $LAPIC_BASE, 0x10(%ebx) // entry 1, left masked (its reset state)
        movl    $0, 0x14(%ebx)
        movl    $0x41, 0x18(%ebx)
        mov     $MSIX_ENABLE, %eax
        call    msix_control
        sti

        // ---- vector 0x40
        mov     $0, %eax
        call    trigger
        mov     $count40, %esi
        mov     $1, %ebx
        call    wait_for
        PRINT   "vector 40 received\n"

        // ---- vector 0x41 while masked: pending, then delivered on unmask
        mov     $1, %eax
        call    trigger
        mov     $1000, %ecx             // give a wrongly sent message time to arrive
8:      pause
        loop    8b
        cmpl    $0, count41
        je      9f
        PRINT   "vector 41 delivered while masked\n"
        jmp     fail
9:      PRINT   "vector 41 held, pba "
        call    put_pba
        call    putnl
        mov     bar0_lo, %ebx
        movl    $0, 0x1c(%ebx)          // unmask entry 1
        mov     $count41, %esi
        mov     $1, %ebx
        call    wait_for
        PRINT   "vector 41 received on unmask, pba "
        call    put_pba
        call    putnl

        // ---- the function mask
        mov     $(MSIX_ENABLE | MSIX_FMASK), %eax
        call    msix_control
        mov     $0, %eax
        call    trigger
        PRINT   "function mask pba "
        call    put_pba
        call    putnl
        mov     $MSIX_ENABLE, %eax
        call    msix_control
        mov     $count40, %esi
        mov     $2, %ebx
        call    wait_for
        PRINT   "vector 40 received on function unmask\n"

        // ---- a bad address: entry 0 pointed at this guest's RAM
        mov     bar0_lo, %ebx
        movl    $canary, 0x00(%ebx)
        mov     $0, %eax
        call    trigger
        mov     $100000, %ecx
10:     pause
        loop    10b
        cmpl    $2, count40
        jne     11f
        cmpl    $CANARY, canary
        jne     11f
        PRINT   "bad address ignored, ram untouched\n"
        jmp     12f
11:     PRINT   "bad address: interrupt or ram write\n"
        jmp     fail

        // ---- INTx through the IOAPIC, MSI-X off
12:     xor     %eax, %eax
        call    msix_control
        mov     intx_line, %eax
        shl     $1, %eax
        add     $0x10, %eax             // redirection entry: registers 0x10 + 2n (low), 0x11 + 2n (high)
        mov     %eax, IOAPIC_SEL
        movl    $0x00008042, IOAPIC_WIN // vector 0x42, fixed, physical, active high, level, unmasked
        inc     %eax
        mov     %eax, IOAPIC_SEL
        movl    $0, IOAPIC_WIN          // destination APIC ID 0
        mov     $0, %eax
        call    trigger
        mov     $count42, %esi
        mov     $1, %ebx
        call    wait_for
        PRINT   "intx vector 42 received\n"
        PRINT   "intx deasserted, status "
        mov     regs, %edx
        add     $4, %edx
        inl     (%dx), %eax
        mov     %eax, %ebx
        lea     0x04(%edi), %eax
        call    cfg_read
        shr     $19, %eax               // status bit 3 = dword bit 19
        and     $1, %eax
        or      %ebx, %eax
        call    putdec
        call    putnl

        PRINT   "triggers "
        mov     regs, %edx
        add     $8, %edx
        inl     (%dx), %eax
        call    putdec
        call    putnl

        mov     $EXIT_OK, %eax
        jmp     exit
fail:   mov     $EXIT_FAIL, %eax
exit:   outl    %eax, $EXIT_PORT
99:     cli
        hlt
        jmp     99b

// set_gate: IDT gate ECX := 32-bit interrupt gate to EAX, selector CS. Clobbers EDX.
set_gate:
        push    %ebx
        lea     idt(,%ecx,8), %ebx
        mov     %eax, %edx
        and     $0xffff, %edx
        push    %eax
        mov     %cs, %ax
        shl     $16, %eax
        or      %eax, %edx
        pop     %eax
        mov     %edx, (%ebx)
        and     $0xffff0000, %eax
        or      $0x8e00, %eax           // present, DPL 0, 32-bit interrupt gate
        mov     %eax, 4(%ebx)
        pop     %ebx
        ret

// msix_control: message control := AX (config dword write; ID and next pointer are read-only).
msix_control:
        push    %edx
        shl     $16, %eax
        mov     %eax, %edx
        mov     msix_cap, %eax
        add     %edi, %eax
        call    cfg_write
        pop     %edx
        ret

// trigger: asks the device for vector EAX (outl to TRIGGER). Clobbers EDX.
trigger:
        mov     regs, %edx
        outl    %eax, (%dx)
        ret

// wait_for: waits (bounded) until the dword at ESI reaches EBX; on a timeout prints and fails.
wait_for:
        mov     $WAIT_ROUNDS, %ecx
1:      cmp     %ebx, (%esi)
        jae     2f
        pause
        loop    1b
        PRINT   "timeout\n"
        jmp     fail
2:      ret

// put_pba: prints the low dword of the PBA (table BAR + 0x800) in 8 hex digits.
put_pba:
        push    %ebx
        mov     bar0_lo, %ebx
        mov     0x800(%ebx), %eax
        call    hex32
        pop     %ebx
        ret

// put_bir_offset: prints EAX as "BIR:offset" (bits 2:0, then the rest in 8 digits).
put_bir_offset:
        push    %eax
        and     $7, %eax
        call    putdec
        PRINT   ":"
        pop     %eax
        and     $0xfffffff8, %eax
        call    hex32
        ret

// cfg_read: EAX = config address -> EAX = the dword. Clobbers EDX.
cfg_read:
        mov     $PCI_ADDR, %dx
        outl    %eax, (%dx)
        mov     $PCI_DATA, %dx
        inl     (%dx), %eax
        ret

// cfg_write: writes EDX to config address EAX. Clobbers EAX, EDX.
cfg_write:
        push    %edx
        mov     $PCI_ADDR, %dx
        outl    %eax, (%dx)
        pop     %eax
        mov     $PCI_DATA, %dx
        outl    %eax, (%dx)
        ret

hex32:
        push    %ecx
        mov     $8, %ecx
        call    puthex
        pop     %ecx
        ret

// ---- interrupt handlers
isr40:
        incl    count40
        movl    $0, LAPIC_BASE + LAPIC_EOI
        iret
isr41:
        incl    count41
        movl    $0, LAPIC_BASE + LAPIC_EOI
        iret
isr42:
        push    %eax
        push    %edx
        mov     regs, %edx
        add     $4, %edx
        outl    %eax, (%dx)             // INTX: deassert INTA# before the EOI (level-triggered)
        incl    count42
        movl    $0, LAPIC_BASE + LAPIC_EOI
        pop     %edx
        pop     %eax
        iret
isr_spurious:
        iret

// 256 stubs of 16 bytes: push the vector, jump to `unexpected`.
        .balign 16
unexpected_stubs:
        .set    vec, 0
        .rept   256
        .balign 16
        pushl   $vec
        jmp     unexpected
        .set    vec, vec + 1
        .endr
unexpected:
        PRINT   "unexpected vector "
        pop     %eax
        mov     $2, %ecx
        call    puthex
        call    putnl
        jmp     fail

        // Initialized data stays in .text: the a.out kludge loads up to load_end only.
        .balign 8
idt_desc:
        .word   256 * 8 - 1
        .long   idt
        .balign 4
canary:         .long   CANARY

        .text 2
load_end:

        .bss
        .balign 16
idt:            .space  256 * 8
msix_cap:       .long   0
bar0_lo:        .long   0
bar0_hi:        .long   0
regs:           .long   0
intx_line:      .long   0
count40:        .long   0
count41:        .long   0
count42:        .long   0
        .space  4096
stack_top:
bss_end:
