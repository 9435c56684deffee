/*
 * mb_hello: a flat Multiboot v1 image (a.out kludge) that prints a greeting and exits
 * through isa-debug-exit. The same .bin runs under QEMU (-kernel) and under jkvm.
 *
 * Layout:     _start (0x100000) is a short jmp over the Multiboot header, which sits at
 *             0x100004 (4-byte aligned, in the first 8 KiB). entry_addr = 0x100000 =
 *             load_addr = header_addr - 4, so jkvm's default entry (the load address)
 *             and the Multiboot entry are the same.
 * Mode:       32-bit protected mode, flat segments. The code does not look at EAX/EBX
 *             (the Multiboot magic/info) and loads no segment registers, so QEMU's
 *             Multiboot GDT and jkvm's GDT both work.
 * Registers:  none expected; sets ESP itself (a 1 KiB stack in .bss, covered by
 *             bss_end_addr)
 * COM1:       "Hello from a multiboot guest\n" (LSR 0x3fd polled before each byte)
 * Ends:       outl 0x10 to the debug-exit port 0xf4: exit status (0x10<<1)|1 = 0x21 = 33.
 * Run:        ./jkvm run --mode protected --load-address 0x100000 --entry 0x100000 mb_hello.bin
 *             qemu-system-x86_64 -accel kvm -kernel mb_hello.bin \
 *                 -device isa-debug-exit,iobase=0xf4,iosize=4 -serial stdio -display none \
 *                 -nodefaults -no-reboot
 * Verified under QEMU 7.2 on this host: stdout exactly "Hello from a multiboot guest\n",
 * exit status 33, with -accel kvm and -accel tcg, default machine (pc) and -M microvm.
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
2:      mov     $0xf4, %dx
        mov     $0x10, %eax
        outl    %eax, (%dx)             // debug-exit: status 0x21
3:      hlt
        jmp     3b

#include "include/com1_putc32.inc"

msg:    .asciz  "Hello from a multiboot guest\n"
load_end:

        .bss
        .balign 16
        .space  1024
stack_top:
bss_end:
