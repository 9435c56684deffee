/*
 * Exit benchmark guest: RCX port-I/O exits to port 0x10, then one to port 0xf4.
 *
 * Loaded at 0x100000 and started there in 64-bit long mode at CPL0 (CS = 0x18, the GDT and
 * identity page tables set up by the host, see bench/README.md). The host sets
 * RCX = number of iterations and RFLAGS = 0x3002 (IOPL = 3) through KVM_SET_REGS.
 *
 * The guest loads its own GDT (the host's six descriptors at the same selectors, plus a TSS
 * at 0x30) and its own TSS, whose I/O bitmap allows ports 0x00-0xff; sets a stack; drops to
 * CPL3 with iretq (SS = 0x23, CS = 0x2b, RFLAGS taken with pushfq so that it carries the
 * IOPL the host set). At CPL3, which runs natively on any host, it executes RCX times a
 * 1-byte `out %al, $0x10` (AL = low byte of the remaining count), then writes 0 with `outl`
 * to port 0xf4 (debug-exit) to end the run.
 * Exits caused: exactly RCX to port 0x10 (none if RCX = 0), then one to 0xf4.
 *
 * Why both IOPL and a TSS: on a correct CPU IOPL = 3 alone allows IN/OUT at CPL3. The nested
 * KVM here ignores IOPL at CPL3 (RFLAGS reads back with IOPL = 0 after the iretq, whatever
 * the host set) and checks only the TSS I/O bitmap. With KVM's reset TR (base 0, limit
 * 0xffff) that bitmap is whatever lies in guest memory at 0x0..0x2000, zeros by accident;
 * our own TSS makes the permission explicit. If the I/O is refused anyway, the OUT faults
 * and, with no IDT, the vCPU triple-faults (KVM_EXIT_SHUTDOWN).
 *
 * Variant: with RBX != 0 set by the host, the guest skips the ring switch and runs the same
 * loop at CPL0. On a host whose KVM emulates CPL0 code (the nested KVM here) an exit from
 * CPL0 is much cheaper than one from CPL3 (~8 us against ~56 us measured here, because the
 * vCPU is already in KVM's emulator), but the loop itself is then emulated too; natively
 * both variants cost the same. The default (RBX = 0) is CPL3.
 */
#@ text=0x100000 bits=64
#define LOAD_ADDR 0x100000
#define TSS_ADDR  0x100100              /* the TSS below, at this fixed offset in the image */
#define TSS_LIMIT (0x68 + 0x20)         /* 104-byte TSS, 32-byte I/O bitmap, 0xff end byte */
        .code64
        .globl _start
_start:
        lgdt    gdt_ptr(%rip)           /* the host's six descriptors plus our TSS */
        movb    $0x89, gdt + 0x35(%rip) /* TSS type "available": ltr of a busy one faults */
        mov     $0x30, %ax
        ltr     %ax                     /* I/O bitmap: ports 0x00-0xff allowed at CPL3 */
        test    %rbx, %rbx
        jnz     user                    /* RBX != 0: stay at CPL0 */
        mov     $0x200000, %esp         /* stack: the 1 MiB below 2 MiB, above the image */
        mov     %rsp, %rax
        pushq   $0x23                   /* SS: flat data, DPL3 (GDT 0x20 | RPL 3) */
        pushq   %rax                    /* RSP at CPL3 */
        pushfq                          /* RFLAGS, with the IOPL the host set */
        pushq   $0x2b                   /* CS: 64-bit code, DPL3 (GDT 0x28 | RPL 3) */
        lea     user(%rip), %rax
        pushq   %rax                    /* RIP */
        iretq
user:
        test    %rcx, %rcx
        jz      done
1:
        mov     %cl, %al
        out     %al, $0x10              /* one exit per iteration */
        dec     %rcx
        jnz     1b
done:
        xor     %eax, %eax
2:
        outl    %eax, $0xf4             /* debug-exit: ends the run */
        jmp     2b                      /* if the host re-enters anyway: exit again */

        .balign 16
gdt:
        .quad   0                       /* 0x00 null */
        .quad   0x00cf9a000000ffff      /* 0x08 flat 32-bit code, DPL0 */
        .quad   0x00cf92000000ffff      /* 0x10 flat data, DPL0 */
        .quad   0x00af9a000000ffff      /* 0x18 64-bit code, DPL0 */
        .quad   0x00cff2000000ffff      /* 0x20 flat data, DPL3 */
        .quad   0x00affa000000ffff      /* 0x28 64-bit code, DPL3 */
        /* 0x30: 64-bit available TSS (type 9, present), base TSS_ADDR, limit TSS_LIMIT */
        .quad   TSS_LIMIT | ((TSS_ADDR & 0xffff) << 16) | (((TSS_ADDR >> 16) & 0xff) << 32) \
                | (0x89 << 40) | (((TSS_ADDR >> 24) & 0xff) << 56)
        .quad   TSS_ADDR >> 32
gdt_end:
gdt_ptr:
        .word   gdt_end - gdt - 1
        .quad   gdt

        .org    TSS_ADDR - LOAD_ADDR
tss:
        .fill   0x66, 1, 0              /* no ring stacks needed: no interrupts */
        .word   0x68                    /* I/O map base: right after the TSS */
        .fill   0x20, 1, 0              /* ports 0x00-0xff: allowed */
        .byte   0xff                    /* end of the bitmap; ports >= 0x100 lie beyond it */
tss_end:
        .if     tss_end - tss != TSS_LIMIT + 1
        .error  "TSS size"
        .endif
