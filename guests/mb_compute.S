/*
 * mb_compute: a flat Multiboot v1 image (a.out kludge) that computes deterministic values
 * with plain integer instructions (no SSE, popcnt or crc32 instructions) and prints them
 * in hex. The same .bin runs under QEMU (-kernel) and under jkvm.
 *
 * Layout:     as mb_hello.S: _start (0x100000) jumps over the Multiboot header at
 *             0x100004; entry_addr = load_addr = 0x100000.
 * Mode:       32-bit protected mode, flat segments; does not look at EAX/EBX, loads no
 *             segment registers.
 * Registers:  none expected; sets ESP itself (a 1 KiB stack in .bss)
 * Computes:   the Fibonacci numbers F(0)..F(19) (add), the CRC-32 (IEEE 802.3, reflected,
 *             bitwise with shr/xor) of the 9 bytes "123456789" (the standard check value
 *             0xcbf43926), and 12! (mul).
 * COM1 output (22 lines):
 *             20 lines "XXXXXXXX\n", F(0)..F(19) as 8 lowercase hex digits, each line sent
 *             with one rep outsb of 9 bytes (string OUT, no LSR polling; KVM reports it
 *             as 9 exits of count 1):
 *               00000000 00000001 00000001 00000002 00000003 00000005 00000008 0000000d
 *               00000015 00000022 00000037 00000059 00000090 000000e9 00000179 00000262
 *               000003db 0000063d 00000a18 00001055
 *             then "crc32 cbf43926\n" and "fact12 1c8cfc00\n", sent one byte at a time
 *             with byte OUTs, polling LSR 0x3fd before each byte.
 * Ends:       outl 0x2a to the debug-exit port 0xf4: exit status (0x2a<<1)|1 = 0x55 = 85.
 * Run:        ./jkvm run --mode protected --load-address 0x100000 --entry 0x100000 mb_compute.bin
 *             qemu-system-x86_64 -accel kvm -kernel mb_compute.bin \
 *                 -device isa-debug-exit,iobase=0xf4,iosize=4 -serial stdio -display none \
 *                 -nodefaults -no-reboot
 * Verified under QEMU 7.2 on this host: stdout exactly the 22 lines above (211 bytes),
 * exit status 85, with -accel kvm and -accel tcg, default machine (pc) and -M microvm.
 */
#@ text=0x100000 bits=32
#include "include/multiboot_header.inc"

entry:
        mov     $stack_top, %esp
        cld

        // Fibonacci: EBX = F(i), EBP = F(i+1); one line per number with rep outsb.
        xor     %ebx, %ebx
        mov     $1, %ebp
        mov     $20, %ecx
1:      push    %ecx
        mov     %ebx, %eax
        mov     $line, %edi
        call    hex8
        movb    $'\n', (%edi)
        mov     $line, %esi
        mov     $9, %ecx
        mov     $0x3f8, %dx
        rep outsb                       // string OUT, count 9
        lea     (%ebx,%ebp), %eax
        mov     %ebp, %ebx
        mov     %eax, %ebp
        pop     %ecx
        dec     %ecx
        jnz     1b

        // CRC-32 of "123456789", bit by bit (polynomial 0xedb88320, reflected).
        mov     $0xffffffff, %eax
        mov     $check, %esi
        mov     $(check_end - check), %ecx
2:      movzbl  (%esi), %edx
        inc     %esi
        xor     %edx, %eax
        mov     $8, %edx
3:      shr     $1, %eax
        jnc     4f
        xor     $0xedb88320, %eax
4:      dec     %edx
        jnz     3b
        dec     %ecx
        jnz     2b
        not     %eax
        mov     %eax, %ebx
        mov     $s_crc, %esi
        call    puts
        mov     %ebx, %eax
        call    puthex8

        // 12! with mul.
        mov     $1, %eax
        mov     $2, %ecx
5:      mul     %ecx                    // EDX:EAX = EAX * ECX (EDX stays 0 up to 12!)
        inc     %ecx
        cmp     $12, %ecx
        jbe     5b
        mov     %eax, %ebx
        mov     $s_fact, %esi
        call    puts
        mov     %ebx, %eax
        call    puthex8

        mov     $0xf4, %dx
        mov     $0x2a, %eax
        outl    %eax, (%dx)             // debug-exit: status 0x55
6:      hlt
        jmp     6b

// hex8: writes EAX as 8 lowercase hex digits at EDI; EDI ends just past them.
// Clobbers EAX, ECX, EDX.
hex8:
        mov     $8, %ecx
7:      rol     $4, %eax
        mov     %eax, %edx
        and     $0xf, %edx
        movb    digits(%edx), %dl
        mov     %dl, (%edi)
        inc     %edi
        dec     %ecx
        jnz     7b
        ret

// puthex8: prints EAX as 8 hex digits and "\n" with byte OUTs.
puthex8:
        mov     $line, %edi
        call    hex8
        movb    $'\n', (%edi)
        movb    $0, 1(%edi)
        mov     $line, %esi
        // fall through
// puts: prints the NUL-terminated string at ESI with byte OUTs, polling the LSR first.
puts:
        lodsb
        test    %al, %al
        jz      9f
        mov     %al, %ah
        mov     $0x3fd, %dx
8:      inb     (%dx), %al
        test    $0x20, %al
        jz      8b
        mov     $0x3f8, %dx
        mov     %ah, %al
        outb    %al, (%dx)
        jmp     puts
9:      ret

digits: .ascii  "0123456789abcdef"
check:  .ascii  "123456789"
check_end:
s_crc:  .asciz  "crc32 "
s_fact: .asciz  "fact12 "
load_end:

        .bss
        .balign 16
line:   .space  16
        .space  1024
stack_top:
bss_end:
