/*
 * linux_init32: a static 32-bit /init for the Linux boot tests (an i386 ELF, linux_init32.elf).
 *
 * It prints "jkvm-init: hello from user space", mounts sysfs on /sys, prints
 * "jkvm-init: cpus online <list>" from /sys/devices/system/cpu/online; when its last argument
 * is "echo" (kernel command line "... -- echo"), reads one line from the console and prints
 * "jkvm-init: echo <line>"; then powers the machine off with reboot(LINUX_REBOOT_CMD_POWER_OFF). Run as /init from an initramfs holding /dev/console,
 * /sys and this file (the tests build it with io.jkvm.initramfs.CpioWriter).
 *
 * System calls go through SYSENTER with the frame the 32-bit vDSO's __kernel_vsyscall builds
 * (push ecx, edx, ebp; ebp = esp; sysenter), because on the nested hosts of HOST-NOTES.md
 * `int $0x80` from user mode raises #UD and the kernel's return (SYSRETL) usually comes back in
 * 64-bit mode instead of compat mode. The kernel returns to the vDSO landing pad
 * (pop %ebp; pop %edx; pop %ecx; ret). The frame below decodes in both modes:
 *
 *   esp+0   ebp (arg 6)     | 32-bit: pops ebp, edx, ecx, then ret to back32 (esp+12)
 *   esp+4   edx             | 64-bit: pops rbp, rdx, rcx (8 bytes each), then ret to the
 *   esp+8   ecx             |         qword at esp+24: stub64, which far-returns to back32
 *   esp+12  back32          |         in compat mode (CS 0x23) with esp = frame + 16, as
 *   esp+24  stub64 (qword)  |         the 32-bit path leaves it.
 *
 * On a correct CPU only the 32-bit path is ever taken; the program is unchanged.
 */
#@ text=0x08049000 bits=32 elf=exec
#define SYS_write   4
#define SYS_open    5
#define SYS_read    3
#define SYS_mount   21
#define SYS_reboot  88
#define USER32_CS   0x23                /* Linux's __USER32_CS */
#define USER_DS     0x2b                /* Linux's __USER_DS (the same in compat mode) */

        .code32
        .text
        .globl  _start
_start:
        mov     (%esp), %eax            // argc (i386 ELF start-up stack: argc, argv[], envp[])
        mov     (%esp,%eax,4), %eax     // argv[argc - 1]
        mov     %eax, last_arg
        mov     $hello, %ecx
        mov     $hello_len, %edx
        call    write_out

        mov     $SYS_mount, %eax
        mov     $sysfs, %ebx            // source "sysfs"
        mov     $sys_dir, %ecx          // target "/sys"
        mov     $sysfs, %edx            // type "sysfs"
        xor     %esi, %esi
        xor     %edi, %edi
        call    syscall32

        mov     $SYS_open, %eax
        mov     $online_path, %ebx
        xor     %ecx, %ecx              // O_RDONLY
        xor     %edx, %edx
        call    syscall32
        test    %eax, %eax
        js      no_cpus
        mov     %eax, %ebx
        mov     $SYS_read, %eax
        mov     $buf, %ecx
        mov     $60, %edx
        call    syscall32
        test    %eax, %eax
        jle     no_cpus
        mov     %eax, buf_len

        mov     $cpus, %ecx
        mov     $cpus_len, %edx
        call    write_out
        mov     $buf, %ecx
        mov     buf_len, %edx
        call    write_out
        jmp     echo

no_cpus:
        mov     $cpus_unknown, %ecx
        mov     $cpus_unknown_len, %edx
        call    write_out

echo:   mov     last_arg, %eax          // the last argument "echo" asks for the console echo
        cmpl    $0x6f686365, (%eax)     // "echo"
        jne     power_off
        cmpb    $0, 4(%eax)
        jne     power_off
        mov     $prompt, %ecx
        mov     $prompt_len, %edx
        call    write_out
        xor     %esi, %esi              // bytes in line
2:      mov     $SYS_read, %eax         // one byte at a time until a newline
        xor     %ebx, %ebx              // fd 0: the console
        lea     line(%esi), %ecx
        mov     $1, %edx
        push    %esi
        call    syscall32
        pop     %esi
        cmp     $1, %eax
        jne     3f
        cmpb    $'\r', line(%esi)
        je      3f
        cmpb    $'\n', line(%esi)
        je      3f
        inc     %esi
        cmp     $60, %esi
        jb      2b
3:      movb    $'\n', line(%esi)
        inc     %esi
        mov     %esi, line_len
        mov     $echoed, %ecx
        mov     $echoed_len, %edx
        call    write_out
        mov     $line, %ecx
        mov     line_len, %edx
        call    write_out

power_off:
        mov     $SYS_reboot, %eax
        mov     $0xfee1dead, %ebx       // LINUX_REBOOT_MAGIC1
        mov     $672274793, %ecx        // LINUX_REBOOT_MAGIC2
        mov     $0x4321fedc, %edx       // LINUX_REBOOT_CMD_POWER_OFF
        xor     %esi, %esi
        call    syscall32
1:      jmp     1b                      // reboot(2) does not return on success

// write_out: write(1, ecx, edx)
write_out:
        mov     $SYS_write, %eax
        mov     $1, %ebx
        call    syscall32
        ret

// syscall32: eax = number, ebx, ecx, edx, esi, edi = arguments; returns eax. Clobbers ecx, edx, ebp.
syscall32:
        sub     $32, %esp
        movl    $0, 0(%esp)             // arg 6 (ebp): unused
        mov     %edx, 4(%esp)
        mov     %ecx, 8(%esp)
        movl    $back32, 12(%esp)
        movl    $0, 16(%esp)
        movl    $0, 20(%esp)
        movl    $stub64, 24(%esp)
        movl    $0, 28(%esp)
        mov     %esp, %ebp
        sysenter
back32:
        // Reload SS: after the broken 64-bit return of the nested host its hidden descriptor
        // state can be stale, and the next stack access in compat mode raised #SS (seen once
        // in ~20 boots). A no-op on a correct CPU.
        mov     $USER_DS, %ebp          // not eax: it holds the system call's result
        mov     %ebp, %ss
        add     $16, %esp               // both paths arrive with esp = frame + 16
        ret

        .code64
stub64:                                 // reached in 64-bit mode with rsp = frame + 32
        sub     $16, %rsp
        pushq   $USER32_CS
        .byte   0x68                    // push imm32 (sign-extended to 64 bits): back32,
        .long   back32                  // encoded by hand since `as --32` cannot relocate it
        lretq
        .code32

        .data
hello:  .ascii  "jkvm-init: hello from user space\n"
        hello_len = . - hello
cpus:   .ascii  "jkvm-init: cpus online "
        cpus_len = . - cpus
cpus_unknown: .ascii "jkvm-init: cpus online unknown\n"
        cpus_unknown_len = . - cpus_unknown
sysfs:  .asciz  "sysfs"
sys_dir: .asciz "/sys"
online_path: .asciz "/sys/devices/system/cpu/online"
prompt: .ascii  "jkvm-init: type a line\n"
        prompt_len = . - prompt
echoed: .ascii  "jkvm-init: echo "
        echoed_len = . - echoed
        .balign 4
last_arg: .long 0
line_len: .long 0
line:   .fill   64, 1, 0
buf_len: .long  0
buf:    .fill   64, 1, 0
