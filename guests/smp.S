/*
 * smp: every vCPU reports its index with one 1-byte OUT, then halts.
 *
 * Mode:       --mode long
 * Load/entry: 0x100000 (jkvm's default for --mode long); all vCPUs start here
 * Registers:  RDI = vCPU index (0..N-1), set by jkvm for --cpus N. No stack used.
 * Port I/O:   each vCPU does one OUT of size 1 to port 0x11 with value DIL (its index);
 *             the order across vCPUs is not defined.
 * COM1:       nothing
 * Ends:       each vCPU halts (KVM_EXIT_HLT); the run ends when all have, status 0.
 * Run:        ./jkvm run --mode long --cpus 4 smp.bin
 */
#@ text=0x100000 bits=64
        .code64
        .text
        .globl  _start
_start:
        mov     %dil, %al
        out     %al, $0x11
        hlt
