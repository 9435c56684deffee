/*
 * long_mmio: 64-bit long mode, console output and MMIO accesses of sizes 1, 2, 4 and 8.
 *
 * Mode:       --mode long (CS = 0x18, identity-mapped 0-4 GiB with 2 MiB pages)
 * Load/entry: 0x100000 (jkvm's default for --mode long)
 * Registers:  none expected; sets RSP itself (a 1 KiB stack in .bss right after the image)
 * Accesses, in this order, to the MMIO test device at guest-physical 0xd0000000:
 *   writes: offset 0x0 size 1 value 0x11; offset 0x2 size 2 value 0x2222;
 *           offset 0x4 size 4 value 0x33333333; offset 0x8 size 8 value 0x4444444444444444
 *   reads at offset 0x10 of size 1, 2, 4, 8, each compared with what the test device
 *   answers (byte i of a read at offset X is (X + i) & 0xff):
 *           0x10, 0x1110, 0x13121110, 0x1716151413121110
 * COM1:       "long mode\n" then "mmio ok\n" if all four reads matched, else "mmio bad\n"
 *             (LSR 0x3fd polled before each byte).
 *             Without the test device at 0xd0000000 the reads give whatever the VMM
 *             answers for unclaimed MMIO, so expect "mmio bad\n".
 * Ends:       HLT (KVM_EXIT_HLT), exit status 0.
 * Run:        ./jkvm run --mode long long_mmio.bin   (test device attached by the test)
 */
#@ text=0x100000 bits=64
        .code64
        .text
        .globl  _start
_start:
        mov     $stack_top, %esp        // the image is below 4 GiB: zero-extends into RSP
        cld
        lea     msg_long(%rip), %rsi
        call    puts

        mov     $0xd0000000, %ebx       // not an absolute disp32: that would sign-extend
        movb    $0x11, 0(%rbx)
        movw    $0x2222, 2(%rbx)
        movl    $0x33333333, 4(%rbx)
        movabs  $0x4444444444444444, %rax
        mov     %rax, 8(%rbx)

        lea     msg_bad(%rip), %rsi
        movzbl  0x10(%rbx), %eax
        cmp     $0x10, %eax
        jne     1f
        movzwl  0x10(%rbx), %eax
        cmp     $0x1110, %eax
        jne     1f
        mov     0x10(%rbx), %eax
        cmp     $0x13121110, %eax
        jne     1f
        mov     0x10(%rbx), %rax
        movabs  $0x1716151413121110, %rcx
        cmp     %rcx, %rax
        jne     1f
        lea     msg_ok(%rip), %rsi
1:      call    puts
        hlt

// puts: writes the NUL-terminated string at RSI to COM1, polling the LSR before each byte.
puts:
        lodsb
        test    %al, %al
        jz      3f
        mov     %al, %ah
        mov     $0x3fd, %dx
2:      inb     (%dx), %al
        test    $0x20, %al
        jz      2b
        mov     $0x3f8, %dx
        mov     %ah, %al
        outb    %al, (%dx)
        jmp     puts
3:      ret

msg_long: .asciz "long mode\n"
msg_ok:   .asciz "mmio ok\n"
msg_bad:  .asciz "mmio bad\n"

        .bss
        .balign 16
        .space  1024
stack_top:
