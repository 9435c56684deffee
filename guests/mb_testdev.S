/*
 * mb_testdev: a flat Multiboot v1 image (a.out kludge) that exercises QEMU's test devices:
 * pc-testdev (ISA: ports 0xe0-0xe3 and 0xe8-0xeb, a 64 KiB memory window at 0xff000000;
 * QEMU hw/misc/pc-testdev.c) and pci-testdev (PCI 1b36:0005, QEMU hw/misc/pci-testdev.c),
 * and ends through an isa-debug-exit at the non-default port 0x501 (QEMU's own default
 * iobase/iosize for that device).
 *
 * Layout:     as mb_hello.S: _start (0x100000) jumps over the Multiboot header at 0x100004;
 *             entry_addr = load_addr = 0x100000.
 * Mode:       32-bit protected mode, flat segments; does not look at EAX/EBX, loads no
 *             segment registers. Sets ESP itself (4 KiB stack in .bss).
 *
 * pc-testdev: one 32-bit register, ioport_data, is read and written through BOTH port
 * ranges 0xe0-0xe3 and 0xe8-0xeb (0xe8 splits every access into bytes, same result); an
 * access at port base+k of width w touches bytes k..k+w-1 of the register. The window at
 * 0xff000000 is plain memory inside the device (starts zeroed).
 * COM1 lines:
 *   "pc-testdev e0 l 12345678 b 78 56 34 12 w 5678 1234"  outl 0x12345678 to 0xe0; inl;
 *                                     inb 0xe0..0xe3; inw 0xe0, 0xe2
 *   "pc-testdev e1 b ab: 1234ab78 e2 w cdef: cdefab78"     outb 0xab to 0xe1 / outw to 0xe2
 *   "pc-testdev e8 l 11223344: e0 l 11223344 e9 b 33 ea w 1122"  the 0xe8 port, same register
 *   "pc-testdev mem 0 deadbeef 4 12345a00 1 be fffc cafef00d 100 00000000"
 *                                     movl 0xdeadbeef at +0, movb 0x5a at +5, movw 0x1234
 *                                     at +6, movl 0xcafef00d at +0xfffc; then reads
 *
 * pci-testdev: configuration space through ports 0xcf8 (address: bit 31 enable, bus 23:16,
 * device 15:11, function 10:8, register 7:2) and 0xcfc (data) -- PCI Local Bus 3.0,
 * 3.2.2.3.2 "Configuration Mechanism #1". Bus 0 devices 0..31, function 0, are scanned for
 * vendor 0x1b36 device 0x0005; its slot is not printed.
 *   "pci-testdev found"               (else "pci-testdev not found", exit 0x39)
 *   "class 00ff00 revision 00 header 00"  register 0x08 as base class, subclass, prog-if
 *                                     (3 bytes), revision; header type (register 0x0e).
 *                                     QEMU gives the device class_id PCI_CLASS_OTHERS =
 *                                     0x00ff, a 16-bit base-class:subclass value, so the
 *                                     base class reads 0x00 and the subclass 0xff.
 *   "bar0 fffff000 mem size 4096"     after writing 0xffffffff (decoding off):
 *   "bar1 ffffff01 io size 256"       PCI 3.0 6.2.5.1; size = ~(value & mask) + 1
 *   "bar2 00000000"                   (no BAR 2 unless -device pci-testdev,membar=...)
 *   BAR0 = 0xfe000000, BAR1 = 0xd000 (both free under QEMU pc, where SeaBIOS put the device
 *   at 0xfebff000 / 0xc000), command register = I/O + memory space enable.
 *   For the I/O BAR ("io") and then the memory BAR ("mem"):
 *   "io idle 00000000"                a dword read at offset 0 before any test is selected
 *   then for each test T = 0, 1, 2: write T to offset 0 (selects test T of that BAR), read
 *   the header {u8 test; u8 width; u16 pad; u32 offset; u8 data; u8 pad[3]; u32 count;
 *   char name[]}, write the byte `data` twice and `data ^ 0xff` once at `offset`, read count:
 *   "io test 3 width 1 offset 131 data fa name portio-no-eventfd count 2"
 *   "io test 4 width 1 offset 132 data ce name portio-wildcard-eventfd count 0"
 *   "io test 5 width 1 offset 133 data fa name portio-datamatch-eventfd count 0"
 *   "io reset reads 00000000"         after writing 3 (no such test) to offset 0
 *   the same for "mem" (tests 0..2, offsets 2048..2050, names mmio-*).
 *   The count only grows for writes that reach the device model: under QEMU the
 *   "wildcard" and "datamatch" tests register an ioeventfd, and the writes it matches
 *   are consumed by it (by KVM, or by QEMU's memory core under TCG), so they are not
 *   counted; non-matching data is rejected by the device.
 *   "absent 00:1f.7 ffffffff"         vendor/device of bus 0 device 31 function 7
 *   "absent 01:00.0 ffffffff"         and of bus 1 (there is no bus 1 on QEMU pc)
 *
 * Ends:       outw 0x38 to the debug-exit port 0x501: exit status (0x38<<1)|1 = 113;
 *             pci-testdev missing: outw 0x39, status 115. (outw: the device is 2 bytes wide
 *             at iosize=2.)
 * Run:        qemu-system-x86_64 -accel kvm -M pc -kernel mb_testdev.bin \
 *                 -device pc-testdev -device pci-testdev \
 *                 -device isa-debug-exit,iobase=0x501,iosize=2 -serial stdio -display none \
 *                 -nodefaults -no-reboot
 * Verified under QEMU 7.2 (-accel kvm and -accel tcg, pc/SeaBIOS) on this host: see
 * QemuCompatTest, which compares jkvm-qemu with QEMU on every build.
 */
#@ text=0x100000 bits=32
#include "include/multiboot_header.inc"
#include "include/com1_putc32.inc"
#include "include/print32.inc"

#define EXIT_PORT       0x501
#define EXIT_OK         0x38
#define EXIT_NO_PCI_TD  0x39

#define PCTD_MEM        0xff000000

#define PCI_ADDR        0xcf8
#define PCI_DATA        0xcfc
#define PCI_ENABLE      0x80000000
#define TESTDEV_ID      0x00051b36      /* device 0x0005 << 16 | vendor 0x1b36 */
#define BAR0_ADDR       0xfe000000
#define BAR1_PORT       0xd000

entry:
        mov     $stack_top, %esp
        cld
        PRINT   "mb_testdev\n"

        // ================= pc-testdev: the register at 0xe0 / 0xe8
        PRINT   "pc-testdev e0 l "
        mov     $0x12345678, %eax
        outl    %eax, $0xe0
        inl     $0xe0, %eax
        call    hex32
        PRINT   " b"
        inb     $0xe0, %al
        call    sp_hex8
        inb     $0xe1, %al
        call    sp_hex8
        inb     $0xe2, %al
        call    sp_hex8
        inb     $0xe3, %al
        call    sp_hex8
        PRINT   " w"
        inw     $0xe0, %ax
        call    sp_hex16
        inw     $0xe2, %ax
        call    sp_hex16
        call    putnl

        PRINT   "pc-testdev e1 b ab: "
        mov     $0xab, %al
        outb    %al, $0xe1
        inl     $0xe0, %eax
        call    hex32
        PRINT   " e2 w cdef: "
        mov     $0xcdef, %ax
        outw    %ax, $0xe2
        inl     $0xe0, %eax
        call    hex32
        call    putnl

        PRINT   "pc-testdev e8 l 11223344: e0 l "
        mov     $0x11223344, %eax
        outl    %eax, $0xe8
        inl     $0xe0, %eax
        call    hex32
        PRINT   " e9 b"
        inb     $0xe9, %al
        call    sp_hex8
        PRINT   " ea w"
        inw     $0xea, %ax
        call    sp_hex16
        call    putnl

        // ================= pc-testdev: the memory window at 0xff000000
        movl    $0xdeadbeef, PCTD_MEM + 0
        movb    $0x5a, PCTD_MEM + 5
        movw    $0x1234, PCTD_MEM + 6
        movl    $0xcafef00d, PCTD_MEM + 0xfffc
        PRINT   "pc-testdev mem 0 "
        mov     PCTD_MEM + 0, %eax
        call    hex32
        PRINT   " 4 "
        mov     PCTD_MEM + 4, %eax
        call    hex32
        PRINT   " 1"
        movb    PCTD_MEM + 1, %al
        call    sp_hex8
        PRINT   " fffc "
        mov     PCTD_MEM + 0xfffc, %eax
        call    hex32
        PRINT   " 100 "
        mov     PCTD_MEM + 0x100, %eax
        call    hex32
        call    putnl

        // ================= pci-testdev: find it on bus 0
        xor     %ebx, %ebx              // EBX = device number
1:      mov     %ebx, %eax
        shl     $11, %eax
        or      $PCI_ENABLE, %eax       // bus 0, function 0, register 0
        mov     %eax, %edi
        call    cfg_read
        cmp     $TESTDEV_ID, %eax
        je      2f
        inc     %ebx
        cmp     $32, %ebx
        jb      1b
        PRINT   "pci-testdev not found\n"
        mov     $EXIT_NO_PCI_TD, %eax
        jmp     exit
2:      mov     %edi, dev_addr          // config address of register 0 of the device
        PRINT   "pci-testdev found\n"

        PRINT   "class "
        lea     0x08(%edi), %eax
        call    cfg_read                // class(31:24) subclass(23:16) prog-if(15:8) rev
        push    %eax
        shr     $8, %eax
        mov     $6, %ecx
        call    puthex
        PRINT   " revision "
        pop     %eax
        mov     $2, %ecx
        call    puthex
        PRINT   " header "
        lea     0x0c(%edi), %eax
        call    cfg_read                // header type is bits 23:16 of register 0x0c
        shr     $16, %eax
        mov     $2, %ecx
        call    puthex
        call    putnl

        // ---- size the BARs: decoding off, write all ones, read back (PCI 3.0 6.2.5.1)
        lea     0x04(%edi), %eax        // command register: clear I/O and memory enable
        call    cfg_read
        and     $0xfffffffc, %eax
        and     $0x0000ffff, %eax       // do not write the status half (RW1C bits)
        mov     %eax, %edx
        lea     0x04(%edi), %eax
        call    cfg_write

        PRINT   "bar0 "
        lea     0x10(%edi), %eax
        call    size_bar
        PRINT   "bar1 "
        lea     0x14(%edi), %eax
        call    size_bar
        PRINT   "bar2 "
        lea     0x18(%edi), %eax
        call    cfg_read
        call    hex32
        call    putnl

        // ---- place the BARs and enable decoding
        lea     0x10(%edi), %eax
        mov     $BAR0_ADDR, %edx
        call    cfg_write
        lea     0x14(%edi), %eax
        mov     $BAR1_PORT, %edx
        call    cfg_write
        lea     0x04(%edi), %eax
        call    cfg_read
        and     $0x0000ffff, %eax
        or      $0x3, %eax              // bit 0: I/O space, bit 1: memory space
        mov     %eax, %edx
        lea     0x04(%edi), %eax
        call    cfg_write

        // ---- the tests, through the I/O BAR, then through the memory BAR
        movl    $0, use_mem
        call    run_tests
        movl    $1, use_mem
        call    run_tests

        // ---- functions that do not exist read all ones
        PRINT   "absent 00:1f.7 "
        mov     $(PCI_ENABLE | (31 << 11) | (7 << 8)), %eax
        call    cfg_read
        call    hex32
        call    putnl
        PRINT   "absent 01:00.0 "
        mov     $(PCI_ENABLE | (1 << 16)), %eax
        call    cfg_read
        call    hex32
        call    putnl

        mov     $EXIT_OK, %eax
exit:   mov     $EXIT_PORT, %dx         // isa-debug-exit: status (AX << 1) | 1
        outw    %ax, (%dx)
99:     cli
        hlt
        jmp     99b

// cfg_read: EAX = config address (with bit 31 set) -> EAX = the dword. Clobbers EDX.
cfg_read:
        mov     $PCI_ADDR, %dx
        outl    %eax, (%dx)
        mov     $PCI_DATA, %dx
        inl     (%dx), %eax
        ret

// cfg_write: writes EDX to config address EAX. Clobbers EAX, EDX.
cfg_write:
        push    %edx
        mov     $PCI_ADDR, %dx
        outl    %eax, (%dx)
        pop     %eax
        mov     $PCI_DATA, %dx
        outl    %eax, (%dx)
        ret

// size_bar: EAX = config address of a BAR. Writes all ones, prints the value read back,
// the kind and the size ("fffff000 mem size 4096"), then restores the old value.
size_bar:
        push    %ebx
        push    %esi
        mov     %eax, %esi
        call    cfg_read
        mov     %eax, %ebx              // EBX = old value
        mov     %esi, %eax
        mov     $0xffffffff, %edx
        call    cfg_write
        mov     %esi, %eax
        call    cfg_read
        call    hex32
        test    $1, %eax                // bit 0: I/O space BAR
        jnz     1f
        PRINT   " mem size "
        and     $0xfffffff0, %eax
        jmp     2f
1:      PRINT   " io size "
        and     $0xfffffffc, %eax
2:      not     %eax
        inc     %eax
        call    putdec
        call    putnl
        mov     %ebx, %edx
        mov     %esi, %eax
        call    cfg_write
        pop     %esi
        pop     %ebx
        ret

// run_tests: the three tests of one BAR (use_mem = 0: I/O BAR, 1: memory BAR).
run_tests:
        call    put_kind
        PRINT   " idle "
        xor     %eax, %eax              // no test selected yet: reads return 0
        call    bar_read32
        call    hex32
        call    putnl

        xor     %ebp, %ebp              // EBP = test number
1:      mov     %ebp, %edx
        xor     %eax, %eax
        call    bar_write8              // offset 0 = test number: selects the test
        call    put_kind
        PRINT   " test "
        xor     %eax, %eax
        call    bar_read8
        call    putdec
        PRINT   " width "
        mov     $1, %eax
        call    bar_read8
        call    putdec
        PRINT   " offset "
        mov     $4, %eax
        call    bar_read32
        mov     %eax, %esi              // ESI = the offset to write to
        call    putdec
        PRINT   " data "
        mov     $8, %eax
        call    bar_read8
        mov     %eax, %edi              // EDI = the data byte
        mov     $2, %ecx
        call    puthex
        PRINT   " name "
        mov     $16, %ebx               // the NUL-terminated name, at most 40 bytes
2:      mov     %ebx, %eax
        call    bar_read8
        test    %al, %al
        jz      3f
        call    putc
        inc     %ebx
        cmp     $56, %ebx
        jb      2b
3:      // two writes of the data byte, one of a different byte, at `offset`
        mov     %esi, %eax
        mov     %edi, %edx
        call    bar_write8
        mov     %esi, %eax
        mov     %edi, %edx
        call    bar_write8
        mov     %esi, %eax
        mov     %edi, %edx
        xor     $0xff, %edx
        call    bar_write8
        PRINT   " count "
        mov     $12, %eax
        call    bar_read32
        call    putdec
        call    putnl
        inc     %ebp
        cmp     $3, %ebp
        jb      1b

        mov     $3, %edx                // no test 3: the device goes idle
        xor     %eax, %eax
        call    bar_write8
        call    put_kind
        PRINT   " reset reads "
        xor     %eax, %eax
        call    bar_read32
        call    hex32
        call    putnl
        ret

put_kind:
        cmpl    $0, use_mem
        jne     1f
        PRINT   "io"
        ret
1:      PRINT   "mem"
        ret

// BAR accessors: EAX = offset into the BAR; bar_write8 writes DL. Reads return EAX
// (zero-extended). Clobber EDX (bar_write8 also EAX).
bar_read8:
        cmpl    $0, use_mem
        jne     1f
        lea     BAR1_PORT(%eax), %edx
        inb     (%dx), %al
        movzbl  %al, %eax
        ret
1:      movzbl  BAR0_ADDR(%eax), %eax
        ret

bar_read32:
        cmpl    $0, use_mem
        jne     1f
        lea     BAR1_PORT(%eax), %edx
        inl     (%dx), %eax
        ret
1:      mov     BAR0_ADDR(%eax), %eax
        ret

bar_write8:
        cmpl    $0, use_mem
        jne     1f
        xchg    %eax, %edx              // AL = data, EDX = offset
        add     $BAR1_PORT, %edx
        outb    %al, (%dx)
        ret
1:      movb    %dl, BAR0_ADDR(%eax)
        ret

// hex32: prints EAX as 8 hex digits. sp_hex8 / sp_hex16: " " and AL / AX in 2 / 4 digits.
hex32:
        push    %ecx
        mov     $8, %ecx
        call    puthex
        pop     %ecx
        ret
sp_hex8:
        push    %ecx
        call    putsp
        mov     $2, %ecx
        call    puthex
        pop     %ecx
        ret
sp_hex16:
        push    %ecx
        call    putsp
        mov     $4, %ecx
        call    puthex
        pop     %ecx
        ret

        .text 2
load_end:

        .bss
        .balign 16
dev_addr:       .long   0
use_mem:        .long   0
        .space  4096
stack_top:
bss_end:
