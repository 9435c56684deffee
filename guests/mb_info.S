/*
 * mb_info: a plain ELF32 Multiboot v1 kernel (NO a.out kludge: the loader must read the ELF
 * program headers) that checks and prints what the boot loader handed over: the magic in
 * EAX and the Multiboot information structure at EBX (Multiboot 0.6.96, 3.3 "Boot
 * information format").
 *
 * Image:      run the .elf (build.sh keeps NAME.elf): one PT_LOAD segment, p_vaddr = p_paddr
 *             = 0x100000, p_filesz = code + strings, p_memsz also covers .bss (the loader
 *             must zero it). The header (magic 0x1BADB002, flags 0x00000003: bit 0 modules
 *             page-aligned, bit 1 memory info wanted; bit 16 clear) is in the first 8 KiB
 *             of the file, 4-byte aligned. e_entry = _start = 0x100000.
 *             The .bin is NOT loadable by a Multiboot loader (without bit 16 the file must
 *             be ELF).
 * Mode:       32-bit protected mode, flat segments as set by the loader (Multiboot 3.2);
 *             loads no segment registers.
 * Registers:  EAX = 0x2BADB002, EBX = physical address of the information structure.
 *             Sets ESP itself (4 KiB stack in .bss).
 * Checks and prints, one line each (COM1, LSR polled before each byte):
 *   "magic ok"                       EAX == 0x2BADB002 (else "magic bad", exit 0x31)
 *   "bss zero ok" / "bss not zero"   a 4 KiB .bss array is all zero (p_memsz > p_filesz)
 *   "flags: mem cmdline mods mmap"   those of flag bits 0, 2, 3, 6 that are set
 *   "info placed ok" / "... bad"     the 88-byte info structure, the command line and the
 *                                    mmap buffer are not in page 0 and not inside the kernel
 *                                    [0x100000, bss end)
 *   "mem_lower N"                    (bit 0) KiB of low memory, in decimal
 *   "mem_upper ok" / "mem_upper low" (bits 0, 6) mem_upper >= (RAM top - 2 MiB) / 1 KiB,
 *                                    RAM top = end of the highest type-1 mmap range below
 *                                    4 GiB ("mem_upper unchecked" without an mmap)
 *   "cmdline \"...\""               (bit 2) the kernel command line, between quotes
 *   "mods N"                         (bit 3) the module count, then for each module i:
 *     "module i \"STRING\" bytes LEN sum SUM"  LEN decimal, SUM = 32-bit sum of its bytes
 *                                    in hex (8 digits)
 *     "  line \"...\""               the module's first line, if it starts with 1..60
 *                                    printable ASCII bytes ended by "\n" or by the end
 *   "modules placed ok" / "... bad"  each module page-aligned, above the kernel's bss end,
 *                                    not overlapping the info structure or another module
 *   "mmap ram MiB N"                 (bit 6) total bytes of type-1 ranges >> 20, decimal
 *   "mmap ram at 1M yes/no"          a type-1 range contains 0x100000
 *   "mmap covers kernel yes/no"      one type-1 range contains [0x100000, bss end)
 * Ends:       outl 0x30 to the debug-exit port 0xf4: exit status (0x30<<1)|1 = 97;
 *             bad magic: outl 0x31, status 99.
 * Run:        qemu-system-x86_64 -accel kvm -kernel mb_info.elf \
 *                 -append "hello world" -initrd "/tmp/mod1.txt arg1 arg2,/tmp/mod2.bin" \
 *                 -device isa-debug-exit,iobase=0xf4,iosize=4 -serial stdio -display none \
 *                 -nodefaults -no-reboot
 * Verified under QEMU 7.2 (-accel kvm and -accel tcg, pc/SeaBIOS) on this host, see
 * QemuCompatTest, which compares jkvm-qemu with QEMU on every build;
 * -M microvm (qboot) prints the same bytes. Exit status 97 in every variant.
 * QEMU passes the command line "KERNELPATH APPEND": without -append it is "KERNELPATH "
 * (with a trailing space). Module strings are the -initrd items as given ("PATH ARGS").
 * mem_lower comes from the BIOS (INT 12h) under QEMU: 639 with SeaBIOS (its EBDA takes the
 * last KiB below 640 KiB).
 */
#@ text=0x100000 bits=32

#define MB_MAGIC        0x1BADB002
#define MB_FLAGS        0x00000003      /* bit 0: page-align modules, bit 1: memory info */
#define MB_BOOT_MAGIC   0x2BADB002      /* in EAX at entry (Multiboot 3.2) */

/* Information structure offsets (Multiboot 3.3) */
#define MBI_FLAGS       0
#define MBI_MEM_LOWER   4
#define MBI_MEM_UPPER   8
#define MBI_CMDLINE     16
#define MBI_MODS_COUNT  20
#define MBI_MODS_ADDR   24
#define MBI_MMAP_LENGTH 44
#define MBI_MMAP_ADDR   48
#define MBI_SIZE        88              /* up to and including the VBE fields */

#define EXIT_OK         0x30
#define EXIT_BAD_MAGIC  0x31

        .code32
        .text
        .globl  _start
_start:
        jmp     entry
        .balign 4
mb_header:                              // Multiboot 3.1.1: magic, flags, checksum only
        .long   MB_MAGIC
        .long   MB_FLAGS
        .long   -(MB_MAGIC + MB_FLAGS)

#include "include/com1_putc32.inc"
#include "include/print32.inc"

entry:
        mov     %eax, magic             // keep the loader's EAX and EBX before anything else
        mov     %ebx, info
        mov     $stack_top, %esp
        cld
        PRINT   "mb_info\n"

        // ---- EAX must hold the boot magic (Multiboot 3.2 "Machine state")
        cmpl    $MB_BOOT_MAGIC, magic
        je      1f
        PRINT   "magic bad\n"
        mov     $EXIT_BAD_MAGIC, %eax
        jmp     exit
1:      PRINT   "magic ok\n"

        // ---- .bss must be zero: the loader zero-fills p_memsz beyond p_filesz
        mov     $zero_area, %esi
        mov     $(4096 / 4), %ecx
        xor     %eax, %eax
2:      or      (%esi), %eax
        add     $4, %esi
        dec     %ecx
        jnz     2b
        test    %eax, %eax
        jnz     3f
        PRINT   "bss zero ok\n"
        jmp     4f
3:      PRINT   "bss not zero\n"
4:
        // ---- which of the fields we use are present (flags, Multiboot 3.3)
        mov     info, %ebx
        mov     MBI_FLAGS(%ebx), %edi
        PRINT   "flags:"
        test    $(1 << 0), %edi
        jz      5f
        PRINT   " mem"
5:      test    $(1 << 2), %edi
        jz      6f
        PRINT   " cmdline"
6:      test    $(1 << 3), %edi
        jz      7f
        PRINT   " mods"
7:      test    $(1 << 6), %edi
        jz      8f
        PRINT   " mmap"
8:      call    putnl

        // ---- placement of the structure itself, the command line and the mmap buffer
        mov     %ebx, %eax
        mov     $MBI_SIZE, %ecx
        call    check_outside_kernel    // CF set: bad
        jc      10f
        test    $(1 << 2), %edi
        jz      9f
        mov     MBI_CMDLINE(%ebx), %eax
        mov     $1, %ecx                // at least its first byte
        call    check_outside_kernel
        jc      10f
9:      test    $(1 << 6), %edi
        jz      11f
        mov     MBI_MMAP_ADDR(%ebx), %eax
        mov     MBI_MMAP_LENGTH(%ebx), %ecx
        call    check_outside_kernel
        jc      10f
11:     PRINT   "info placed ok\n"
        jmp     12f
10:     PRINT   "info placed bad\n"
12:
        // ---- scan the memory map first (mem_upper is checked against it)
        test    $(1 << 6), %edi
        jz      20f
        call    scan_mmap
20:
        // ---- mem_lower / mem_upper (flag bit 0), in KiB
        test    $(1 << 0), %edi
        jz      25f
        PRINT   "mem_lower "
        mov     MBI_MEM_LOWER(%ebx), %eax
        call    putdec
        call    putnl
        test    $(1 << 6), %edi
        jnz     21f
        PRINT   "mem_upper unchecked\n"
        jmp     25f
21:     mov     ram_top, %eax           // (RAM top - 2 MiB) / 1 KiB
        sub     $0x200000, %eax
        jae     22f
        xor     %eax, %eax
22:     shr     $10, %eax
        cmp     %eax, MBI_MEM_UPPER(%ebx)
        jb      23f
        PRINT   "mem_upper ok\n"
        jmp     25f
23:     PRINT   "mem_upper low\n"
25:
        // ---- the command line (flag bit 2), between quotes so spaces show
        test    $(1 << 2), %edi
        jz      30f
        PRINT   "cmdline \""
        mov     MBI_CMDLINE(%ebx), %esi
        mov     $200, %ecx
        call    put_bounded
        PRINT   "\"\n"
30:
        // ---- the modules (flag bit 3)
        test    $(1 << 3), %edi
        jz      40f
        call    show_modules
40:
        // ---- the memory map summary (flag bit 6)
        test    $(1 << 6), %edi
        jz      50f
        PRINT   "mmap ram MiB "
        mov     ram_total, %eax         // total >> 20, 64-bit
        mov     ram_total + 4, %edx
        shrd    $20, %edx, %eax
        call    putdec
        call    putnl
        PRINT   "mmap ram at 1M "
        cmpb    $0, ram_at_1m
        call    put_yes_no
        PRINT   "mmap covers kernel "
        cmpb    $0, ram_has_kernel
        call    put_yes_no
50:
        mov     $EXIT_OK, %eax
exit:   mov     $0xf4, %dx              // isa-debug-exit: status (EAX << 1) | 1
        outl    %eax, (%dx)
99:     cli
        hlt
        jmp     99b

// put_yes_no: prints "yes\n" if ZF is clear (the compare found non-zero), else "no\n".
put_yes_no:
        jz      1f
        PRINT   "yes\n"
        ret
1:      PRINT   "no\n"
        ret

// put_bounded: prints the NUL-terminated string at ESI, at most ECX bytes, then "..."
// if it was longer. Clobbers EAX, ECX, EDX, ESI.
put_bounded:
1:      lodsb
        test    %al, %al
        jz      2f
        call    putc
        dec     %ecx
        jnz     1b
        cmpb    $0, (%esi)
        je      2f
        PRINT   "..."
2:      ret

// check_outside_kernel: the range [EAX, EAX+ECX) must not touch page 0 and must not
// overlap the kernel [_start, bss_end). Returns CF = 1 if it does. Clobbers EDX.
check_outside_kernel:
        cmp     $0x1000, %eax
        jb      1f                      // starts in page 0
        lea     (%eax,%ecx), %edx       // EDX = end
        cmp     $bss_end, %eax
        jae     2f                      // starts at or after the kernel end: fine
        cmp     $_start, %edx
        jbe     2f                      // ends at or before the kernel start: fine
1:      stc
        ret
2:      clc
        ret

// scan_mmap: walks the memory map (Multiboot 3.3: entries {u32 size; u64 base_addr;
// u64 length; u32 type}, the next one at entry + size + 4) and fills ram_total (64-bit sum
// of type-1 lengths), ram_top (end of the highest type-1 range that ends at or below
// 4 GiB), ram_at_1m (a type-1 range holds 0x100000) and ram_has_kernel (one type-1 range
// holds [0x100000, bss_end)). EBX = info. Preserves EBX, EDI.
scan_mmap:
        push    %edi
        mov     MBI_MMAP_ADDR(%ebx), %esi
        mov     MBI_MMAP_LENGTH(%ebx), %edi
        add     %esi, %edi              // EDI = end of the buffer
        mov     $64, %ecx               // at most 64 entries
1:      cmp     %edi, %esi
        jae     9f
        cmpl    $1, 20(%esi)            // type 1 = available RAM
        jne     8f
        mov     12(%esi), %eax          // length
        mov     16(%esi), %edx
        add     %eax, ram_total
        adc     %edx, ram_total + 4
        cmpl    $0, 8(%esi)             // base >= 4 GiB: nothing else to look at
        jne     8f
        mov     4(%esi), %eax           // EDX:EAX = base + length (base < 4 GiB)
        add     12(%esi), %eax
        mov     16(%esi), %edx
        adc     $0, %edx
        test    %edx, %edx
        jnz     8f                      // ends above 4 GiB: not a "below 4 GiB" top
        cmp     ram_top, %eax
        jbe     2f
        mov     %eax, ram_top
2:      cmpl    $0x100000, 4(%esi)      // base <= 1 MiB < end ?
        ja      8f
        cmp     $0x100000, %eax
        jbe     8f
        movb    $1, ram_at_1m
        cmp     $bss_end, %eax          // ... and end >= bss_end: holds the whole kernel
        jb      8f
        movb    $1, ram_has_kernel
8:      add     (%esi), %esi            // next entry: + size + 4
        add     $4, %esi
        dec     %ecx
        jnz     1b
9:      pop     %edi
        ret

// show_modules: prints "mods N", one line (two for text) per module, and the placement
// verdict. EBX = info. Preserves EBX, EDI.
show_modules:
        push    %edi
        PRINT   "mods "
        mov     MBI_MODS_COUNT(%ebx), %eax
        call    putdec
        call    putnl
        movb    $1, mods_ok
        xor     %ebp, %ebp              // EBP = module index
1:      cmp     MBI_MODS_COUNT(%ebx), %ebp
        jae     20f
        cmp     $16, %ebp               // print at most 16
        jae     20f
        mov     %ebp, %edi
        shl     $4, %edi                // module entries are 16 bytes:
        add     MBI_MODS_ADDR(%ebx), %edi // {mod_start, mod_end, string, reserved}

        PRINT   "module "
        mov     %ebp, %eax
        call    putdec
        PRINT   " \""
        mov     8(%edi), %esi
        mov     $200, %ecx
        call    put_bounded
        PRINT   "\" bytes "
        mov     4(%edi), %eax
        sub     (%edi), %eax
        call    putdec
        PRINT   " sum "
        mov     (%edi), %esi            // 32-bit sum of the bytes
        mov     4(%edi), %ecx
        sub     %esi, %ecx
        xor     %edx, %edx
        xor     %eax, %eax
        jecxz   3f
2:      lodsb
        add     %eax, %edx
        dec     %ecx
        jnz     2b
3:      mov     %edx, %eax
        mov     $8, %ecx
        call    puthex
        call    putnl
        call    show_first_line

        // placement: page-aligned, at or above bss_end, no overlap with the info
        // structure [EBX, EBX+88) or with any earlier module
        mov     (%edi), %eax            // EAX = start, EDX = end
        mov     4(%edi), %edx
        test    $0xfff, %eax
        jnz     8f
        cmp     $bss_end, %eax
        jb      8f
        cmp     %eax, %edx
        jb      8f
        lea     MBI_SIZE(%ebx), %ecx    // overlap test: start < other_end && other_start < end
        cmp     %ecx, %eax
        jae     4f
        cmp     %edx, %ebx
        jb      8f
4:      mov     MBI_MODS_ADDR(%ebx), %esi // earlier modules
5:      cmp     %edi, %esi
        jae     9f
        cmp     4(%esi), %eax
        jae     6f
        cmp     %edx, (%esi)
        jb      8f
6:      add     $16, %esi
        jmp     5b
8:      movb    $0, mods_ok
9:      inc     %ebp
        jmp     1b

20:     PRINT   "modules placed "
        cmpb    $0, mods_ok
        jz      21f
        PRINT   "ok\n"
        jmp     22f
21:     PRINT   "bad\n"
22:     pop     %edi
        ret

// show_first_line: EDI = module entry. If the module starts with 1..60 printable ASCII
// bytes followed by "\n" or by its end, prints them as  '  line "..."'.
show_first_line:
        mov     (%edi), %esi
        mov     4(%edi), %ecx
        sub     %esi, %ecx              // ECX = module length
        jz      9f
        xor     %edx, %edx              // EDX = line length
1:      cmp     %ecx, %edx
        je      3f                      // module ends: the line ends here
        movzbl  (%esi,%edx), %eax
        cmp     $'\n', %al
        je      3f
        cmp     $0x20, %al
        jb      9f
        cmp     $0x7e, %al
        ja      9f
        inc     %edx
        cmp     $60, %edx
        ja      9f
        jmp     1b
3:      test    %edx, %edx
        jz      9f
        PRINT   "  line \""
        mov     %edx, %ecx
4:      lodsb
        push    %edx
        call    putc
        pop     %edx
        dec     %ecx
        jnz     4b
        PRINT   "\"\n"
9:      ret

        .text 2
load_end:

        .bss
        .balign 16
magic:          .long   0
info:           .long   0
ram_total:      .quad   0
ram_top:        .long   0
ram_at_1m:      .byte   0
ram_has_kernel: .byte   0
mods_ok:        .byte   0
        .balign 4096
zero_area:      .space  4096            // must read as zero (the bss check)
        .space  4096
stack_top:
bss_end:
