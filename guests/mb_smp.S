/*
 * mb_smp: a flat Multiboot v1 image (a.out kludge) that starts the application processors
 * (APs) the way an operating system does: INIT IPI, then two STARTUP IPIs, through the
 * local APIC (Intel SDM vol. 3A 8.4.4.1 "Typical BSP Initialization Sequence"; MultiProcessor
 * Specification 1.4, B.4 "Application Processor Startup"). Each AP runs a real-mode
 * trampoline that switches to protected mode, counts itself and halts.
 *
 * Layout:     as mb_hello.S: _start (0x100000) jumps over the Multiboot header at 0x100004;
 *             entry_addr = load_addr = 0x100000. The AP trampoline (assembled here, at the
 *             end of the code) is copied to 0x8000 (STARTUP vector 0x08): below 1 MiB and
 *             clear of QEMU's Multiboot information (0x9000-0x9fff) and of 0x500-0xfff.
 * Mode:       BSP: 32-bit protected mode, flat segments, loads no segment registers; sets
 *             ESP itself. APs: start in real mode at 0800:0000, load their own GDT
 *             (0x08 flat code, 0x10 flat data), enter protected mode, take a 256-byte stack
 *             indexed by their APIC ID, set their bit in a shared bitmap (lock bts), increment
 *             a shared counter (lock inc), then cli; hlt forever.
 * Steps (BSP):
 *   - CPU count N = fw_cfg item NB_CPUS (0x0005; see include/fwcfg32.inc);
 *   - its APIC ID from CPUID.01H:EBX[31:24] (SDM vol. 3A 10.4.6 / CPUID), the local APIC
 *     ID register (0xFEE00020, bits 31:24) and IA32_APIC_BASE (MSR 0x1B: bit 8 BSP,
 *     bit 11 enable, bits 31:12 base);
 *   - software-enables its local APIC: spurious-interrupt vector register (0xFEE000F0)
 *     bit 8, vector 0xFF (SDM vol. 3A 10.9);
 *   - if N > 1: ICR (0xFEE00300) = 0x000C4500 (INIT, level assert, to all excluding self),
 *     a short delay, ICR = 0x000C4608 (STARTUP, vector 0x08) twice, with short delays;
 *     each ICR write waits (bounded) for the delivery-status bit 12 to clear;
 *   - waits (bounded: 10^7 rounds of pause) until N - 1 APs have counted themselves.
 * The SDM's delays (10 ms after INIT, 200 us after each STARTUP) are approximated by
 * pause loops; KVM does not need them.
 * COM1 output (LSR polled before each byte):
 *   "mb_smp"
 *   "nb_cpus N"                          fw_cfg NB_CPUS, decimal
 *   "bsp apic id 0 lapic 0"              CPUID initial APIC ID, APIC ID register
 *   "apic base fee00000 bsp yes enabled yes"  IA32_APIC_BASE
 *   "cpus: N"                            BSP + APs that checked in, decimal
 *   "apic ids: 0 1 ..."                  the online bitmap, ascending, decimal
 *   "x2apic yes/no"                      CPUID.01H:ECX bit 21
 *   "tsc-deadline yes/no"                CPUID.01H:ECX bit 24
 *   "hypervisor yes/no"                  CPUID.01H:ECX bit 31
 *   "kvm signature yes/no"               CPUID 0x40000000 EBX ECX EDX = "KVMKVMKVM\0\0\0"
 *   "kvmclock yes/no"                    CPUID 0x40000001 EAX bit 3 (only after "signature yes")
 *   on a timeout instead of the "cpus:" line: "timeout: K of N-1 aps" (then the rest)
 * Ends:       outl 0x34 to the debug-exit port 0xf4: exit status (0x34<<1)|1 = 105;
 *             APs missing after the wait: outl 0x35, status 107; no fw_cfg: outl 0x36, 109.
 * Run:        qemu-system-x86_64 -accel kvm -kernel mb_smp.bin -smp 4 \
 *                 -device isa-debug-exit,iobase=0xf4,iosize=4 -serial stdio -display none \
 *                 -nodefaults -no-reboot
 * Verified under QEMU 7.2 (-accel kvm, pc/SeaBIOS) with -smp 1, 2 and 4 on this 2-core
 * host (QemuCompatTest compares every build); exit status 105. With -smp 4:
 *   mb_smp / nb_cpus 4 / bsp apic id 0 lapic 0 / apic base fee00000 bsp yes enabled yes /
 *   cpus: 4 / apic ids: 0 1 2 3 / x2apic yes / tsc-deadline no
 * (one line each); the hypervisor, kvm signature and kvmclock lines were added later and are
 * checked by QemuCompatTest's comparison only (expected under -accel kvm: yes, yes, yes). The default CPU model has no TSC-deadline; -cpu host shows
 * "tsc-deadline yes"; -accel tcg shows "x2apic no". With a wrong STARTUP vector the wait
 * ends after about 14 s here with "timeout: 0 of 1 aps", status 107.
 */
#@ text=0x100000 bits=32
#include "include/multiboot_header.inc"
#include "include/com1_putc32.inc"
#include "include/print32.inc"
#include "include/fwcfg32.inc"

#define LAPIC_BASE      0xfee00000
#define LAPIC_ID        0x020           /* bits 31:24: APIC ID */
#define LAPIC_SVR       0x0f0           /* spurious-interrupt vector register */
#define LAPIC_ICR_LO    0x300           /* interrupt command register, bits 31:0 */
#define LAPIC_ICR_HI    0x310           /* bits 63:32 (destination, unused with shorthands) */
#define ICR_BUSY        (1 << 12)       /* delivery status: send pending */
#define ICR_INIT_ALL    0x000c4500      /* all excl. self | level assert | INIT (101b) */
#define ICR_SIPI_ALL    0x000c4600      /* all excl. self | level assert | STARTUP (110b) */
#define MSR_APIC_BASE   0x1b

#define TRAMP_ADDR      0x8000          /* where the trampoline runs: vector 0x08 */
#define TRAMP_VECTOR    (TRAMP_ADDR >> 12)
#define TADDR(x)        ((x) - tramp_start + TRAMP_ADDR)   /* address once copied */

#define MAX_APIC_ID     63              /* bitmap and stacks cover IDs 0..63 */
#define AP_STACK_SIZE   256
#define WAIT_ROUNDS     10000000

#define EXIT_OK         0x34
#define EXIT_TIMEOUT    0x35
#define EXIT_NO_FWCFG   0x36

entry:
        mov     $stack_top, %esp
        cld
        movl    $EXIT_OK, exit_value
        PRINT   "mb_smp\n"

        // ---- the CPU count, from fw_cfg
        mov     $FW_CFG_SIGNATURE, %ax
        call    fw_select
        call    fw_read32
        cmp     $0x554d4551, %eax       // "QEMU"
        je      1f
        PRINT   "no fw_cfg\n"
        mov     $EXIT_NO_FWCFG, %eax
        jmp     exit
1:      mov     $FW_CFG_NB_CPUS, %ax
        call    fw_select
        call    fw_read32
        and     $0xffff, %eax
        mov     %eax, nb_cpus
        PRINT   "nb_cpus "
        call    putdec
        call    putnl

        // ---- who am I: CPUID initial APIC ID, the APIC ID register, IA32_APIC_BASE
        mov     $1, %eax
        cpuid
        mov     %ecx, cpuid1_ecx
        shr     $24, %ebx
        mov     %ebx, bsp_id
        PRINT   "bsp apic id "
        mov     %ebx, %eax
        call    putdec
        PRINT   " lapic "
        mov     LAPIC_BASE + LAPIC_ID, %eax
        shr     $24, %eax
        call    putdec
        call    putnl
        mov     $MSR_APIC_BASE, %ecx
        rdmsr
        mov     %eax, %ebx
        PRINT   "apic base "
        and     $0xfffff000, %eax
        mov     $8, %ecx
        call    puthex
        PRINT   " bsp "
        test    $(1 << 8), %ebx
        call    put_yes_no_sp
        PRINT   "enabled "
        test    $(1 << 11), %ebx
        call    put_yes_no

        // ---- the BSP is online; software-enable its local APIC
        mov     bsp_id, %eax
        cmp     $MAX_APIC_ID, %eax
        ja      2f
        bts     %eax, online
2:      mov     LAPIC_BASE + LAPIC_SVR, %eax
        or      $0x1ff, %eax            // bit 8: APIC software enable; vector 0xff
        mov     %eax, LAPIC_BASE + LAPIC_SVR

        cmpl    $1, nb_cpus
        jbe     20f

        // ---- copy the trampoline below 1 MiB
        mov     $tramp_start, %esi
        mov     $TRAMP_ADDR, %edi
        mov     $(tramp_end - tramp_start), %ecx
        rep movsb

        // ---- INIT, STARTUP, STARTUP (SDM vol. 3A 8.4.4.1)
        movl    $0, LAPIC_BASE + LAPIC_ICR_HI
        mov     $ICR_INIT_ALL, %eax
        call    send_ipi
        mov     $10000, %ecx            // "10 ms"
        call    delay
        mov     $(ICR_SIPI_ALL | TRAMP_VECTOR), %eax
        call    send_ipi
        mov     $200, %ecx              // "200 us"
        call    delay
        mov     $(ICR_SIPI_ALL | TRAMP_VECTOR), %eax
        call    send_ipi
        mov     $200, %ecx
        call    delay

        // ---- wait until every AP has counted itself
        mov     nb_cpus, %ebx
        dec     %ebx                    // EBX = APs expected
        mov     $WAIT_ROUNDS, %ecx
10:     cmp     %ebx, ap_count
        jae     20f
        pause
        dec     %ecx
        jnz     10b
        PRINT   "timeout: "
        mov     ap_count, %eax
        call    putdec
        PRINT   " of "
        mov     %ebx, %eax
        call    putdec
        PRINT   " aps\n"
        movl    $EXIT_TIMEOUT, exit_value
        jmp     21f

20:     PRINT   "cpus: "
        mov     ap_count, %eax
        inc     %eax
        call    putdec
        call    putnl
21:     PRINT   "apic ids:"
        xor     %ebx, %ebx
22:     bt      %ebx, online
        jnc     23f
        call    putsp
        mov     %ebx, %eax
        call    putdec
23:     inc     %ebx
        cmp     $MAX_APIC_ID, %ebx
        jbe     22b
        call    putnl
        cmpl    $0, bad_ids
        je      24f
        PRINT   "aps with apic id > 63: "
        mov     bad_ids, %eax
        call    putdec
        call    putnl
24:
        // ---- two CPUID feature bits related to the local APIC
        PRINT   "x2apic "
        testl   $(1 << 21), cpuid1_ecx
        call    put_yes_no
        PRINT   "tsc-deadline "
        testl   $(1 << 24), cpuid1_ecx
        call    put_yes_no
        // ---- running on KVM: the hypervisor bit, KVM's signature leaf and kvm-clock
        //      (Documentation/virt/kvm/x86/cpuid.rst)
        PRINT   "hypervisor "
        testl   $(1 << 31), cpuid1_ecx
        call    put_yes_no
        PRINT   "kvm signature "
        mov     $0x40000000, %eax
        cpuid
        cmp     $0x4b4d564b, %ebx       // "KVMKVMKVM\0\0\0" in EBX, ECX, EDX
        jne     25f
        cmp     $0x564b4d56, %ecx
        jne     25f
        cmp     $0x4d, %edx
        jne     25f
        PRINT   "yes\n"
        PRINT   "kvmclock "
        mov     $0x40000001, %eax
        cpuid
        testl   $(1 << 3), %eax         // KVM_FEATURE_CLOCKSOURCE2
        call    put_yes_no
        jmp     26f
25:     PRINT   "no\n"
26:

        mov     exit_value, %eax
exit:   mov     $0xf4, %dx              // isa-debug-exit: status (EAX << 1) | 1
        outl    %eax, (%dx)
99:     cli
        hlt
        jmp     99b

// send_ipi: writes EAX to ICR bits 31:0 (the write sends the IPI), waiting (bounded)
// for the previous and this IPI to leave the "send pending" state. Clobbers ECX.
send_ipi:
        call    wait_icr
        mov     %eax, LAPIC_BASE + LAPIC_ICR_LO
        // fall through
wait_icr:
        mov     $100000, %ecx
1:      testl   $ICR_BUSY, LAPIC_BASE + LAPIC_ICR_LO
        jz      2f
        pause
        dec     %ecx
        jnz     1b
2:      ret

// delay: ECX rounds of pause.
delay:
1:      pause
        dec     %ecx
        jnz     1b
        ret

// put_yes_no / put_yes_no_sp: "yes\n" / "yes " if ZF is clear, else "no\n" / "no ".
put_yes_no:
        jz      1f
        PRINT   "yes\n"
        ret
1:      PRINT   "no\n"
        ret
put_yes_no_sp:
        jz      1f
        PRINT   "yes "
        ret
1:      PRINT   "no "
        ret

// ap_main: each AP arrives here from the trampoline, in protected mode, with EBX = its
// APIC ID and ESP = its own stack (or no stack if the ID is above MAX_APIC_ID).
ap_main:
        cmp     $MAX_APIC_ID, %ebx
        ja      2f
        push    %ebx                    // use the stack once, to prove it works
        pop     %eax
        lock bts %eax, online           // atomic: several APs update the same dword
        lock incl ap_count
1:      cli
        hlt
        jmp     1b
2:      lock incl bad_ids
        lock incl ap_count
        jmp     1b

/*
 * The AP trampoline. Assembled here (linked at 0x10xxxx) but run at TRAMP_ADDR, so every
 * absolute address inside it is written as TADDR(label). A STARTUP IPI with vector 0x08
 * starts the AP in real mode with CS = 0x0800 (base 0x8000), IP = 0 (SDM vol. 3A 8.4.4.2).
 */
        .balign 16
tramp_start:
        .code16
        cli
        xor     %ax, %ax
        mov     %ax, %ds                // DS base 0: TADDR() values are offsets from 0
        lgdtl   TADDR(tramp_gdt_desc)
        mov     %cr0, %eax
        or      $1, %eax                // CR0.PE
        mov     %eax, %cr0
        ljmpl   $0x08, $TADDR(tramp_pm) // loads CS from the new GDT: 32-bit code
        .code32
tramp_pm:
        mov     $0x10, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $1, %eax
        cpuid
        shr     $24, %ebx               // EBX = initial APIC ID
        xor     %esp, %esp
        cmp     $MAX_APIC_ID, %ebx
        ja      1f
        lea     1(%ebx), %eax           // ESP = ap_stacks + (id + 1) * AP_STACK_SIZE
        shl     $8, %eax
        lea     ap_stacks(%eax), %esp
1:      mov     $ap_main, %eax          // absolute: a relative call would be off once copied
        jmp     *%eax
        .balign 8
tramp_gdt:
        .quad   0                       // null descriptor
        .quad   0x00cf9a000000ffff      // 0x08: code, base 0, limit 4 GiB, 32-bit, DPL 0
        .quad   0x00cf92000000ffff      // 0x10: data, base 0, limit 4 GiB, writable
tramp_gdt_desc:
        .word   3 * 8 - 1
        .long   TADDR(tramp_gdt)
tramp_end:

        .text 2
load_end:

        .bss
        .balign 16
nb_cpus:        .long   0
bsp_id:         .long   0
cpuid1_ecx:     .long   0
ap_count:       .long   0
bad_ids:        .long   0
exit_value:     .long   0
online:         .space  (MAX_APIC_ID + 1) / 8   // bit n: APIC ID n is running
fw_dirent:      .space  64
        .balign 16
ap_stacks:      .space  (MAX_APIC_ID + 1) * AP_STACK_SIZE
        .space  4096
stack_top:
bss_end:
