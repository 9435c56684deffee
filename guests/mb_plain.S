/*
 * mb_plain: a plain ELF32 Multiboot v1 kernel linked the way a hobby kernel often is, by
 * today's GNU ld with only `-Ttext 0x100000` (no -N, no -n, no linker script; build.sh does
 * that for the `ld=plain` line below). ld then gives it page-aligned segments and a FIRST
 * PT_LOAD that holds nothing but the ELF header and program headers, at 0xff000, below
 * 1 MiB inside the legacy BIOS area (GNU ld 2.40):
 *
 *   LOAD  offset 0x000000  paddr 0x000ff000  filesz = memsz = 0x94 (52 + 3 * 32)   R
 *   LOAD  offset 0x001000  paddr 0x00100000  .text (code, then the strings)         R E
 *   LOAD  offset 0x002000  paddr 0x00101000  .data, then .bss (memsz > filesz)       RW
 *
 * QEMU 7.2 loads every PT_LOAD by its p_paddr (hw/i386/multiboot.c with load_elf), the
 * header segment too, and passes elf_low = 0xff000 as the kernel's address (fw_cfg
 * KERNEL_ADDR); the kernel finds its own ELF header at __ehdr_start = 0xff000.
 *
 * Image:      run the .elf (multiboot header flags 0x00000003, bit 16 clear: the loader
 *             must read the program headers); the .bin is not loadable. e_entry = _start
 *             = 0x100000.
 * Mode:       32-bit protected mode, flat segments as the loader set them (Multiboot 3.2);
 *             loads no segment register. Sets ESP itself (4 KiB stack in .bss).
 * Registers:  EAX = 0x2BADB002, EBX = the information structure.
 * Prints, one line each (COM1, LSR polled before each byte):
 *   "mb_plain"
 *   "magic ok"                      EAX == 0x2BADB002 (else "magic bad", exit 0x3b)
 *   "ehdr ok" / "ehdr missing"      the bytes at __ehdr_start (0xff000) are this file's ELF
 *                                   header: "\x7fELF", e_phoff 52, e_phnum 3
 *   "load PADDR FILESZ MEMSZ"       (after "ehdr ok") each PT_LOAD program header, read from
 *                                   memory at 0xff000 + 52, 8 hex digits each
 *   "data ok" / "data bad"          a .data word holds its initial value (third segment)
 *   "bss zero ok" / "bss not zero"  a 4 KiB .bss array is all zero
 *   "info placed ok" / "... bad"    the info structure is not in page 0 and not inside
 *                                   the kernel [__ehdr_start, bss end)
 *   "fw_cfg kernel_addr X"          fw_cfg KERNEL_ADDR (QEMU: elf_low, 0x000ff000)
 *   "fw_cfg kernel_entry X"         fw_cfg KERNEL_ENTRY (0x00100000)
 *   "fw_cfg kernel_data X"          the first 4 bytes of KERNEL_DATA, little-endian
 *                                   (QEMU's buffer starts at elf_low: 464c457f, "\x7fELF")
 *   (KERNEL_SIZE is not printed: QEMU's counts its whole load buffer, jkvm's the image;
 *   see mb_fwcfg.S and FwCfgKernelItems)
 * Ends:       outl 0x3a to the debug-exit port 0xf4: status (0x3a<<1)|1 = 117;
 *             bad magic: outl 0x3b, status 119.
 * Run:        qemu-system-x86_64 -accel kvm -kernel mb_plain.elf \
 *                 -device isa-debug-exit,iobase=0xf4,iosize=4 -serial stdio -display none \
 *                 -nodefaults -no-reboot
 * Verified under QEMU 7.2 with -accel tcg (pc/SeaBIOS and -M microvm/qboot): the same
 * bytes and status 117 (see guests/README.md).
 */
#@ text=0x100000 bits=32 ld=plain

#define MB_MAGIC        0x1BADB002
#define MB_FLAGS        0x00000003      /* bit 0: page-align modules, bit 1: memory info */
#define MB_BOOT_MAGIC   0x2BADB002      /* in EAX at entry (Multiboot 3.2) */

#define EXIT_OK         0x3a
#define EXIT_BAD_MAGIC  0x3b

#define PT_LOAD         1
#define DATA_MAGIC      0x5a17c0de

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
#include "include/fwcfg32.inc"

entry:
        mov     %eax, magic             // keep the loader's EAX and EBX before anything else
        mov     %ebx, info
        mov     $stack_top, %esp
        cld
        PRINT   "mb_plain\n"

        cmpl    $MB_BOOT_MAGIC, magic
        je      1f
        PRINT   "magic bad\n"
        mov     $EXIT_BAD_MAGIC, %eax
        jmp     exit
1:      PRINT   "magic ok\n"

        // ---- the ELF header segment: the loader must have put it at __ehdr_start
        mov     $__ehdr_start, %ebx
        cmpl    $0x464c457f, (%ebx)     // "\x7fELF"
        jne     2f
        cmpl    $52, 0x1c(%ebx)         // e_phoff
        jne     2f
        cmpw    $3, 0x2c(%ebx)          // e_phnum
        jne     2f
        PRINT   "ehdr ok\n"
        call    show_loads
        jmp     3f
2:      PRINT   "ehdr missing\n"
3:
        // ---- the data segment
        cmpl    $DATA_MAGIC, data_word
        jne     4f
        PRINT   "data ok\n"
        jmp     5f
4:      PRINT   "data bad\n"
5:
        // ---- .bss must be zero: the loader zero-fills p_memsz beyond p_filesz
        mov     $zero_area, %esi
        mov     $(4096 / 4), %ecx
        xor     %eax, %eax
6:      or      (%esi), %eax
        add     $4, %esi
        dec     %ecx
        jnz     6b
        test    %eax, %eax
        jnz     7f
        PRINT   "bss zero ok\n"
        jmp     8f
7:      PRINT   "bss not zero\n"
8:
        // ---- the info structure (88 bytes) lies outside page 0 and the kernel
        mov     info, %eax
        cmp     $0x1000, %eax
        jb      9f
        lea     88(%eax), %edx
        cmp     $bss_end, %eax
        jae     10f
        cmp     $__ehdr_start, %edx
        jbe     10f
9:      PRINT   "info placed bad\n"
        jmp     11f
10:     PRINT   "info placed ok\n"
11:
        // ---- what fw_cfg says about the kernel (QEMU: hw/i386/multiboot.c)
        PRINT   "fw_cfg kernel_addr "
        mov     $FW_CFG_KERNEL_ADDR, %ax
        call    show_fw32
        PRINT   "fw_cfg kernel_entry "
        mov     $FW_CFG_KERNEL_ENTRY, %ax
        call    show_fw32
        PRINT   "fw_cfg kernel_data "
        mov     $FW_CFG_KERNEL_DATA, %ax
        call    show_fw32

        mov     $EXIT_OK, %eax
exit:   mov     $0xf4, %dx              // isa-debug-exit: status (EAX << 1) | 1
        outl    %eax, (%dx)
99:     cli
        hlt
        jmp     99b

// show_fw32: selects item AX and prints its first 4 bytes as a little-endian hex word.
show_fw32:
        call    fw_select
        call    fw_read32
        mov     $8, %ecx
        call    puthex
        call    putnl
        ret

// show_loads: one line per PT_LOAD program header in memory at __ehdr_start + 52.
show_loads:
        mov     $(__ehdr_start + 52), %ebx
        mov     $3, %edi
1:      cmpl    $PT_LOAD, (%ebx)        // p_type
        jne     2f
        PRINT   "load "
        mov     $8, %ecx
        mov     12(%ebx), %eax          // p_paddr
        call    puthex
        call    putsp
        mov     16(%ebx), %eax          // p_filesz
        call    puthex
        call    putsp
        mov     20(%ebx), %eax          // p_memsz
        call    puthex
        call    putnl
2:      add     $32, %ebx
        dec     %edi
        jnz     1b
        ret

        .text 2
load_end:

        .data
        .balign 4
data_word:      .long   DATA_MAGIC

        .bss
        .balign 16
magic:          .long   0
info:           .long   0
fw_dirent:      .space  64              // fwcfg32.inc's fw_find buffer (unused here)
        .balign 4096
zero_area:      .space  4096            // must read as zero (the bss check)
        .space  4096
stack_top:
bss_end:
