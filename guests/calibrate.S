/*
 * Calibration guest: how fast does this host run guest supervisor (CPL0) code?
 *
 * Loaded at 0x100000 and started there in 64-bit long mode at CPL0 (same set-up as
 * bench_out.S; no ring switch, no stack needed). Runs `dec %rcx; jnz` RCX times (2 * RCX
 * instructions; none if RCX = 0), then writes 0 with `outl` to port 0xf4 (debug-exit).
 * The host times KVM_RUN up to the 0xf4 exit: instructions/s = 2 * RCX / seconds.
 * Natively that is ~1e9/s or more; on a host whose KVM emulates CPL0 code, a few million/s.
 */
#@ text=0x100000 bits=64
        .code64
        .globl _start
_start:
        test    %rcx, %rcx
        jz      done
1:
        dec     %rcx
        jnz     1b
done:
        xor     %eax, %eax
2:
        outl    %eax, $0xf4             /* debug-exit: ends the run */
        jmp     2b                      /* if the host re-enters anyway: exit again */
