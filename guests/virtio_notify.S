/*
 * virtio_notify: 64-bit long mode; the queue notifications Linux's virtio_pci_modern makes
 * (vp_notify: a 16-bit write of the queue index at the queue's notification address).
 *
 * Mode:       --mode long (CS = 0x18, identity-mapped 0-4 GiB with 2 MiB pages)
 * Load/entry: 0x100000 (jkvm's default for --mode long)
 * Registers:  none expected; no stack
 * Accesses:   movw 0 to 0xc0003000 (queue 0), then movw 1 to 0xc0003004 (queue 1) twice: a
 *             virtio-pci function whose BAR4 firmware placed at 0xc0000000, notify region at
 *             0x3000, notify_off_multiplier 4.
 * Ends:       debug-exit value 1 (status 3).
 * Run:        it.VirtioPciKvmTest (VirtioPci's ioeventfds bound there by the test)
 */
#@ text=0x100000 bits=64
        .code64
        .text
        .globl  _start
_start:
        mov     $0xc0003000, %ebx       // zero-extends: not a sign-extended disp32
        movw    $0, (%rbx)
        movw    $1, 4(%rbx)
        movw    $1, 4(%rbx)
        mov     $1, %eax
        out     %eax, $0xf4
        hlt
