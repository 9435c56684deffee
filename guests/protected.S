/*
 * protected: 32-bit protected mode (flat segments, paging off), LSR-polled console output,
 * debug-exit.
 *
 * Mode:       --mode protected (CS = 0x08, data = 0x10, paging off)
 * Load/entry: 0x100000 (jkvm's default for --mode protected)
 * Registers:  none expected; sets ESP itself (a 1 KiB stack in .bss right after the image)
 * COM1:       "protected mode\n" (before each byte, polls LSR 0x3fd until bit 5, THR empty)
 * Ends:       outl 0 to the debug-exit port 0xf4, so the run ends with status (0<<1)|1 = 1.
 *             (If the write does not end the run, it halts.)
 * Run:        ./jkvm run --mode protected protected.bin
 */
#@ text=0x100000 bits=32
        .code32
        .text
        .globl  _start
_start:
        mov     $stack_top, %esp
        cld
        mov     $msg, %esi
1:      lodsb
        test    %al, %al
        jz      2f
        call    putc
        jmp     1b
2:      mov     $0xf4, %dx
        xor     %eax, %eax
        outl    %eax, (%dx)             // debug-exit, 4 bytes wide: status 1
3:      hlt
        jmp     3b

#include "include/com1_putc32.inc"

msg:    .asciz  "protected mode\n"

        .bss
        .balign 16
        .space  1024
stack_top:
