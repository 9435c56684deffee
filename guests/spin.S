/*
 * spin: loops forever at CPL0 (for timeout and Ctrl-C tests). On this host CPL0 code is
 * run by KVM's instruction emulator, so it spins emulated; that does not matter here.
 *
 * Mode:       --mode long
 * Load/entry: 0x100000 (jkvm's default for --mode long)
 * Registers:  none expected
 * COM1:       nothing
 * Ends:       never by itself; only a timeout or a signal stops the run.
 * Run:        ./jkvm run --mode long spin.bin
 */
#@ text=0x100000 bits=64
        .code64
        .text
        .globl  _start
_start:
        jmp     .
