/*
 * mb_fault: a flat Multiboot v1 image (a.out kludge) that prints a line and then
 * triple-faults: it loads an IDT with limit 0 and executes ud2 (#UD -> #GP -> #DF ->
 * shutdown). The same .bin runs under QEMU (-kernel) and under jkvm.
 *
 * Layout:     as mb_hello.S: _start (0x100000) jumps over the Multiboot header at
 *             0x100004; entry_addr = load_addr = 0x100000.
 * Mode:       32-bit protected mode, flat segments; does not look at EAX/EBX, loads no
 *             segment registers.
 * Registers:  none expected; sets ESP itself (a 1 KiB stack in .bss)
 * COM1:       "before fault\n" (LSR 0x3fd polled before each byte)
 * Ends:       triple fault: KVM_EXIT_SHUTDOWN under jkvm. QEMU with -no-reboot turns the
 *             reset into an exit with status 0.
 * Run:        ./jkvm run --mode protected --load-address 0x100000 --entry 0x100000 mb_fault.bin
 *             qemu-system-x86_64 -accel kvm -kernel mb_fault.bin \
 *                 -device isa-debug-exit,iobase=0xf4,iosize=4 -serial stdio -display none \
 *                 -nodefaults -no-reboot
 * Verified under QEMU 7.2 on this host: stdout exactly "before fault\n", exit status 0,
 * with -accel kvm and -accel tcg, default machine (pc) and -M microvm. (TCG's -d int log
 * shows v=06, v=0d e=0032, v=08, "Triple fault" at the ud2.)
 */
#@ text=0x100000 bits=32
#include "include/multiboot_header.inc"

entry:
        mov     $stack_top, %esp
        cld
        mov     $msg, %esi
1:      lodsb
        test    %al, %al
        jz      2f
        call    putc
        jmp     1b
2:      lidt    idtr
        ud2
        jmp     .                       // never reached

#include "include/com1_putc32.inc"

        .balign 4
idtr:   .word   0                       // limit 0: no vector can be delivered
        .long   0                       // base
msg:    .asciz  "before fault\n"
load_end:

        .bss
        .balign 16
        .space  1024
stack_top:
bss_end:
