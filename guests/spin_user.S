/*
 * spin_user: drops to 64-bit user mode (CPL3) with iretq and loops forever there, so it
 * spins at native speed even on a host that emulates CPL0 code.
 *
 * Mode:       --mode long
 * Load/entry: 0x100000 (jkvm's default for --mode long)
 * Registers:  RFLAGS = 0x3002 (IOPL 3) expected, though the spin loop does no I/O; sets
 *             RSP itself. The iretq frame takes RFLAGS from pushfq, so the IOPL set by the
 *             host stays. (On this nested host, pushfq at CPL3 after that iretq reads 0x202:
 *             IOPL 0, IF 1; plain IN/OUT at CPL3 still work there, string I/O does not.)
 * iretq frame: SS = 0x23 (GDT 0x20, flat data DPL3), RSP = user stack, RFLAGS,
 *             CS = 0x2b (GDT 0x28, 64-bit code DPL3), RIP = user_spin.
 *             Page tables are jkvm's identity map with the User bit set on every entry.
 * COM1:       nothing
 * Ends:       never by itself; only a timeout or a signal stops the run.
 * Run:        ./jkvm run --mode long --reg rflags=0x3002 spin_user.bin
 */
#@ text=0x100000 bits=64
        .code64
        .text
        .globl  _start
_start:
        mov     $kstack_top, %esp
        pushq   $0x23                   // SS
        pushq   $ustack_top             // RSP
        pushfq                          // RFLAGS
        pushq   $0x2b                   // CS
        pushq   $user_spin              // RIP
        iretq
user_spin:
        jmp     .

        .bss
        .balign 16
        .space  256
kstack_top:
        .space  256
ustack_top:
