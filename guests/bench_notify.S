/*
 * bench_notify: RCX queue notifications, then the debug-exit port. The exit cost of a virtio
 * queue notification written where the device's notify register is, with and without an
 * ioeventfd bound to it (bench/NotifyCost.java attaches the devices and the ioeventfds).
 *
 * Mode:    long mode at CPL0 (--mode long), loaded at 0x100000; the host sets RCX (the number
 *          of notifications) and RBX (where they go).
 * RBX = 0: `outl %eax, (%dx)` to port 0x510 (a port-I/O notify register, as legacy virtio-pci's
 *          QueueNotify at BAR0 + 0x10).
 * RBX = 1: `movl %eax, (0xd0000050)` (virtio-mmio's QueueNotify, virtio 1.2 §4.2.2, offset
 *          0x50, in a window at 0xd0000000 with no memory slot: KVM_EXIT_MMIO or the ioeventfd).
 *          Modern virtio-pci's notify capability is also an MMIO write, so this stands for both.
 * EAX = 0 (queue 0) throughout. Ends with `outl` of 0 to port 0xf4 (debug-exit).
 * Exits caused: RCX to the notify register unless an ioeventfd takes them, then one to 0xf4.
 */
#@ text=0x100000 bits=64
        .code64
        .globl _start
_start:
        xor     %eax, %eax
        test    %rcx, %rcx
        jz      done
        test    %rbx, %rbx
        jnz     mmio
        mov     $0x510, %dx
1:      out     %eax, (%dx)
        dec     %rcx
        jnz     1b
        jmp     done
mmio:   mov     $0xd0000050, %ebx       // zero-extends: not a sign-extended disp32
2:      movl    %eax, (%rbx)
        dec     %rcx
        jnz     2b
done:   xor     %eax, %eax
        out     %eax, $0xf4
3:      hlt
        jmp     3b
