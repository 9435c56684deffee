/*
 * mb_fwcfg: a flat Multiboot v1 image (a.out kludge) that reads QEMU's firmware
 * configuration device (fw_cfg, QEMU docs/specs/fw_cfg.rst) through the I/O port interface
 * (selector 0x510, data 0x511) and through the DMA interface (0x514), and prints what it
 * finds. Nothing printed depends on the order of QEMU's own files in the directory.
 *
 * Layout:     as mb_hello.S: _start (0x100000) jumps over the Multiboot header at 0x100004;
 *             entry_addr = load_addr = 0x100000.
 * Mode:       32-bit protected mode, flat segments; keeps EBX (multiboot_info) for the
 *             INITRD_* checks, does not look at EAX, loads no segment registers. Sets ESP
 *             itself (4 KiB stack in .bss).
 * COM1 output (LSR polled before each byte), one line each:
 *   "signature QEMU"                 item 0x0000, 4 bytes (else "signature bad", exit 0x33)
 *   "id traditional yes dma yes"     item 0x0001 (le32): bit 0 port interface, bit 1 DMA
 *   "nb_cpus N"                      item 0x0005 (le16), decimal: the -smp CPU count
 *   "max_cpus N"                     item 0x000f (le16), decimal
 *   "ram_size MiB N"                 item 0x0003 (le64) >> 20, decimal (the -m size)
 *   "e820 ram BASE LENGTH"           the type-1 entries of file "etc/e820" (entries of 20
 *                                    bytes: le64 address, le64 length, le32 type), 16 hex
 *                                    digits each; "e820 not found" without the file
 *   "greeting bytes N \"TEXT\""     file "opt/jkvm/greeting" read through the ports
 *                                    (bytes outside 0x20..0x7e print as '.'); or
 *                                    "greeting not found"
 *   "blob bytes N sum S first B"     file "opt/jkvm/blob": size (decimal), 32-bit byte sum
 *                                    (8 hex digits) and its first 8 bytes (hex); or
 *                                    "blob not found"
 *   "dma signature QEMU CFG"         inl 0x514 and inl 0x518 stored as bytes (the DMA
 *                                    register reads as the big-endian string "QEMU CFG")
 *   "dma greeting \"TEXT\" error no" the greeting again, through one DMA read
 *   "dma blob sum S same yes error no"  the blob through one DMA read, compared with the
 *                                    port read
 *   "dma skip then read 01234567 port next 89abcdef"  a DMA SELECT|SKIP of 8 bytes, a DMA
 *                                    READ of 4 bytes, then 4 port reads: the offset is
 *                                    shared by both interfaces (done on the blob)
 *   "dma write read-only error yes"  a DMA WRITE to the greeting (a read-only item)
 *   "missing port 00000000"          4 port reads from item 0x001e (not defined)
 *   "missing dma zeros yes error no" a DMA READ of 8 bytes of item 0x001e into 0xff bytes
 *   The multiboot -kernel items (QEMU hw/i386/multiboot.c, load_multiboot), through the ports:
 *   "kernel addr 00100000"           KERNEL_ADDR (le32): the image's load address (load_addr)
 *   "kernel entry 00100000"          KERNEL_ENTRY (le32): entry_addr
 *   "kernel size covers image yes"   KERNEL_ADDR + KERNEL_SIZE reaches bss_end. Only this
 *                                    check is printed, not the size: QEMU's KERNEL_SIZE is its
 *                                    whole load buffer (the page-aligned image, then a page-
 *                                    aligned block of its module table, the command line,
 *                                    which holds the -kernel path, and the loader name "qemu",
 *                                    then the modules: 0x5000 for this image), jkvm's the image
 *                                    alone (it keeps those strings with multiboot_info)
 *   "kernel data matches memory yes" the first 16 bytes of KERNEL_DATA equal the 16 bytes at
 *                                    KERNEL_ADDR (jump and multiboot header); "no" when
 *                                    KERNEL_SIZE is below 16 (no such item)
 *   "initrd addr is mbi yes"         INITRD_ADDR equals EBX at entry (QEMU: ADDR_MBI, 0x9500)
 *   "initrd size 88"                 INITRD_SIZE (le32), decimal: multiboot_info through the
 *                                    VBE fields (QEMU's MBI_SIZE)
 *   "initrd data is mbi yes"         INITRD_DATA (INITRD_SIZE bytes, at most 128) equals
 *                                    multiboot_info at EBX, except mem_lower, mem_upper and
 *                                    mmap_length: QEMU's multiboot option ROM fills those in
 *                                    after copying INITRD_DATA to INITRD_ADDR (they are 0 in
 *                                    QEMU's item), jkvm's item has them as in memory
 *   "cmdline size 0"                 CMDLINE_SIZE (le32), decimal: QEMU adds no CMDLINE_*
 *                                    items for a multiboot kernel (0 even with -append)
 * Ends:       outl 0x32 to the debug-exit port 0xf4: exit status (0x32<<1)|1 = 101;
 *             no signature: outl 0x33, status 103.
 * Run (blob: printf '\x01\x23\x45\x67\x89\xab\xcd\xef%.0s' $(seq 40) > /tmp/jkvm-blob.bin,
 * 320 bytes, sum 0x9600):
 *             qemu-system-x86_64 -accel kvm -kernel mb_fwcfg.bin -smp 2 -m 256 \
 *                 -fw_cfg name=opt/jkvm/greeting,string="hello from fw_cfg" \
 *                 -fw_cfg name=opt/jkvm/blob,file=/tmp/jkvm-blob.bin \
 *                 -device isa-debug-exit,iobase=0xf4,iosize=4 -serial stdio -display none \
 *                 -nodefaults -no-reboot
 * Verified under QEMU 7.2 (-accel kvm and -accel tcg, pc/SeaBIOS) on this host: see
 * QemuCompatTest (compared with jkvm-qemu on every build); exit status 101. With -smp 2 -m 256 the counts read
 * "nb_cpus 2", "max_cpus 2", "ram_size MiB 256", "e820 ram 0000000000000000
 * 0000000010000000"; without -smp/-m: 1, 1, 128, ...08000000. MAX_CPUS follows maxcpus
 * (-smp 2,maxcpus=4: "max_cpus 4"). Without the -fw_cfg options: "greeting not found",
 * "blob not found", and the DMA lines that need them are left out.
 */
#@ text=0x100000 bits=32
#include "include/multiboot_header.inc"
#include "include/com1_putc32.inc"
#include "include/print32.inc"
#include "include/fwcfg32.inc"

/* FWCfgDmaAccess.control bits (fw_cfg.rst, "FW_CFG_DMA_CTL_*") */
#define DMA_ERROR       0x01
#define DMA_READ        0x02
#define DMA_SKIP        0x04
#define DMA_SELECT      0x08
#define DMA_WRITE       0x10

/* multiboot_info fields (Multiboot 0.6.96, 3.3) that QEMU's multiboot option ROM writes
   after it copies INITRD_DATA to INITRD_ADDR */
#define MBI_MEM_LOWER   4
#define MBI_MEM_UPPER   8
#define MBI_MMAP_LENGTH 44
#define MBI_COMPARE_MAX 128             /* bytes of INITRD_DATA compared at most */
#define KERNEL_COMPARE  16              /* bytes of KERNEL_DATA compared */

#define MISSING_ITEM    0x001e          /* between FILE_DIR (0x19) and the files (0x20) */
#define BUF_SIZE        4096

#define EXIT_OK         0x32
#define EXIT_NO_FWCFG   0x33

entry:
        mov     %ebx, mbi_ptr           // multiboot_info, for the INITRD_* checks at the end
        mov     $stack_top, %esp
        cld
        PRINT   "mb_fwcfg\n"

        // ---- signature: item 0 reads "QEMU"
        mov     $FW_CFG_SIGNATURE, %ax
        call    fw_select
        call    fw_read32
        cmp     $0x554d4551, %eax       // bytes 'Q' 'E' 'M' 'U'
        je      1f
        PRINT   "signature bad\n"
        mov     $EXIT_NO_FWCFG, %eax
        jmp     exit
1:      PRINT   "signature QEMU\n"

        // ---- feature bits
        mov     $FW_CFG_ID, %ax
        call    fw_select
        call    fw_read32
        mov     %eax, %ebx
        PRINT   "id traditional "
        test    $1, %ebx
        call    put_yes_no_sp
        PRINT   "dma "
        test    $2, %ebx
        call    put_yes_no
        mov     %ebx, fw_id

        // ---- CPU counts and RAM size
        PRINT   "nb_cpus "
        mov     $FW_CFG_NB_CPUS, %ax
        call    fw_select
        call    fw_read32               // a 2-byte item: the bytes past its end read 0
        call    putdec
        call    putnl
        PRINT   "max_cpus "
        mov     $FW_CFG_MAX_CPUS, %ax
        call    fw_select
        call    fw_read32
        call    putdec
        call    putnl
        PRINT   "ram_size MiB "
        mov     $FW_CFG_RAM_SIZE, %ax
        call    fw_select
        call    fw_read32               // low half
        mov     %eax, %ebx
        call    fw_read32               // high half
        mov     %eax, %edx
        mov     %ebx, %eax
        shrd    $20, %edx, %eax
        call    putdec
        call    putnl

        // ---- etc/e820: print the RAM entries
        mov     $s_e820, %esi
        call    fw_find
        jnc     2f
        PRINT   "e820 not found\n"
        jmp     5f
2:      call    fw_select
        cmp     $BUF_SIZE, %ecx
        jbe     3f
        mov     $BUF_SIZE, %ecx
3:      mov     %ecx, %ebx              // EBX = bytes
        mov     $port_buf, %edi
        call    fw_read
        mov     $port_buf, %esi
4:      cmp     $20, %ebx
        jb      5f
        cmpl    $1, 16(%esi)            // type 1 = RAM
        jne     41f
        PRINT   "e820 ram "
        mov     (%esi), %eax
        mov     4(%esi), %edx
        call    puthex64
        call    putsp
        mov     8(%esi), %eax
        mov     12(%esi), %edx
        call    puthex64
        call    putnl
41:     add     $20, %esi
        sub     $20, %ebx
        jmp     4b
5:
        // ---- opt/jkvm/greeting through the ports
        mov     $s_greeting, %esi
        call    fw_find
        jnc     6f
        PRINT   "greeting not found\n"
        jmp     10f
6:      mov     %ax, greeting_sel
        call    fw_select
        cmp     $BUF_SIZE, %ecx
        jbe     7f
        mov     $BUF_SIZE, %ecx
7:      mov     %ecx, greeting_len
        PRINT   "greeting bytes "
        mov     %ecx, %eax
        call    putdec
        PRINT   " \""
        mov     $port_buf, %edi
        call    fw_read
        mov     $port_buf, %esi
        mov     greeting_len, %ecx
        call    put_text
        PRINT   "\"\n"
10:
        // ---- opt/jkvm/blob through the ports
        mov     $s_blob, %esi
        call    fw_find
        jnc     11f
        PRINT   "blob not found\n"
        jmp     15f
11:     mov     %ax, blob_sel
        call    fw_select
        cmp     $BUF_SIZE, %ecx
        jbe     12f
        mov     $BUF_SIZE, %ecx
12:     mov     %ecx, blob_len
        PRINT   "blob bytes "
        mov     %ecx, %eax
        call    putdec
        mov     $port_buf, %edi
        call    fw_read
        PRINT   " sum "
        mov     $port_buf, %esi
        mov     blob_len, %ecx
        call    byte_sum
        mov     $8, %ecx
        call    puthex
        PRINT   " first "
        mov     $port_buf, %esi
        mov     blob_len, %ecx
        cmp     $8, %ecx
        jbe     13f
        mov     $8, %ecx
13:     call    put_bytes_hex
        call    putnl
15:
        // ---- the DMA interface (only if the ID says it exists)
        testl   $2, fw_id
        jnz     16f
        PRINT   "dma absent\n"
        jmp     60f
16:
        // The DMA address register reads as the signature "QEMU CFG" (big-endian, so the
        // bytes land in memory in string order).
        PRINT   "dma signature "
        mov     $FW_CFG_PORT_DMA, %dx
        inl     (%dx), %eax
        mov     %eax, sig_buf
        add     $4, %dx
        inl     (%dx), %eax
        mov     %eax, sig_buf + 4
        mov     $sig_buf, %esi
        mov     $8, %ecx
        call    put_text
        call    putnl

        // the greeting through one DMA read: control = selector << 16 | SELECT | READ
        cmpw    $0, greeting_sel
        je      20f
        mov     $0xff, %al              // fill the buffer first, so a no-op shows
        mov     $dma_buf, %edi
        mov     $BUF_SIZE, %ecx
        rep stosb
        movzwl  greeting_sel, %eax
        shl     $16, %eax
        or      $(DMA_SELECT | DMA_READ), %eax
        mov     greeting_len, %ecx
        mov     $dma_buf, %edi
        call    fw_dma
        mov     %eax, %ebx
        PRINT   "dma greeting \""
        mov     $dma_buf, %esi
        mov     greeting_len, %ecx
        call    put_text
        PRINT   "\" "
        call    put_dma_error
20:
        // the blob through one DMA read, compared with the port read
        cmpw    $0, blob_sel
        je      30f
        mov     $0xff, %al
        mov     $dma_buf, %edi
        mov     $BUF_SIZE, %ecx
        rep stosb
        movzwl  blob_sel, %eax
        shl     $16, %eax
        or      $(DMA_SELECT | DMA_READ), %eax
        mov     blob_len, %ecx
        mov     $dma_buf, %edi
        call    fw_dma
        mov     %eax, %ebx
        PRINT   "dma blob sum "
        mov     $dma_buf, %esi
        mov     blob_len, %ecx
        call    byte_sum
        mov     $8, %ecx
        call    puthex
        PRINT   " same "
        mov     $port_buf, %esi
        mov     $dma_buf, %edi
        mov     blob_len, %ecx
        repe cmpsb                      // ZF = 1: equal (or ECX was 0)
        jne     21f
        PRINT   "yes "
        jmp     22f
21:     PRINT   "no "
22:     call    put_dma_error

        // SKIP 8 bytes (with SELECT), READ 4 by DMA, then 4 through the data port: the
        // item offset is shared by both interfaces.
        cmpl    $16, blob_len
        jb      30f
        movzwl  blob_sel, %eax
        shl     $16, %eax
        or      $(DMA_SELECT | DMA_SKIP), %eax
        mov     $8, %ecx
        mov     $dma_buf, %edi
        call    fw_dma
        mov     $DMA_READ, %eax
        mov     $4, %ecx
        mov     $dma_buf, %edi
        call    fw_dma
        PRINT   "dma skip then read "
        mov     $dma_buf, %esi
        mov     $4, %ecx
        call    put_bytes_hex
        PRINT   " port next "
        mov     $port_buf, %edi
        mov     $4, %ecx
        call    fw_read
        mov     $port_buf, %esi
        mov     $4, %ecx
        call    put_bytes_hex
        call    putnl
30:
        // a DMA WRITE to a read-only item sets ERROR
        cmpw    $0, greeting_sel
        je      40f
        movzwl  greeting_sel, %eax
        shl     $16, %eax
        or      $(DMA_SELECT | DMA_WRITE), %eax
        mov     $4, %ecx
        mov     $dma_buf, %edi
        call    fw_dma
        mov     %eax, %ebx
        PRINT   "dma write read-only "
        call    put_dma_error
40:
        // an item that does not exist reads as zeros, through both interfaces
        PRINT   "missing port "
        mov     $MISSING_ITEM, %ax
        call    fw_select
        call    fw_read32
        mov     $8, %ecx
        call    puthex
        call    putnl
        mov     $0xff, %al
        mov     $dma_buf, %edi
        mov     $8, %ecx
        rep stosb
        mov     $((MISSING_ITEM << 16) | DMA_SELECT | DMA_READ), %eax
        mov     $8, %ecx
        mov     $dma_buf, %edi
        call    fw_dma
        mov     %eax, %ebx
        PRINT   "missing dma zeros "
        mov     dma_buf, %eax
        or      dma_buf + 4, %eax
        setz    %al                     // AL = 1 if all 8 bytes are zero
        test    %al, %al
        call    put_yes_no_sp
        call    put_dma_error
        jmp     61f

60:     // no DMA: still show the missing item through the ports
        PRINT   "missing port "
        mov     $MISSING_ITEM, %ax
        call    fw_select
        call    fw_read32
        mov     $8, %ecx
        call    puthex
        call    putnl
61:
        // ---- the multiboot -kernel items (QEMU hw/i386/multiboot.c, load_multiboot), read
        // through the ports
        PRINT   "kernel addr "
        mov     $FW_CFG_KERNEL_ADDR, %ax
        call    fw_select
        call    fw_read32
        mov     %eax, kernel_addr
        mov     $8, %ecx
        call    puthex
        call    putnl
        PRINT   "kernel entry "
        mov     $FW_CFG_KERNEL_ENTRY, %ax
        call    fw_select
        call    fw_read32
        mov     $8, %ecx
        call    puthex
        call    putnl

        // KERNEL_SIZE: QEMU's counts its whole load buffer, so only whether it reaches the
        // image's end (bss_end) is printed
        PRINT   "kernel size covers image "
        mov     $FW_CFG_KERNEL_SIZE, %ax
        call    fw_select
        call    fw_read32
        mov     %eax, kernel_size
        mov     %eax, %ecx              // ECX = KERNEL_SIZE
        mov     $bss_end, %eax
        sub     kernel_addr, %eax       // EAX = bytes from KERNEL_ADDR to bss_end
        jb      62f                     // KERNEL_ADDR past the image's end: "no"
        cmp     %eax, %ecx
        setae   %al
        jmp     63f
62:     xor     %eax, %eax
63:     test    %al, %al
        call    put_yes_no

        // the first 16 bytes of KERNEL_DATA against the image in memory at KERNEL_ADDR
        // ("no" if KERNEL_SIZE is below 16, e.g. without the items)
        PRINT   "kernel data matches memory "
        xor     %eax, %eax
        cmpl    $KERNEL_COMPARE, kernel_size
        jb      67f
        mov     $FW_CFG_KERNEL_DATA, %ax
        call    fw_select
        mov     $port_buf, %edi
        mov     $KERNEL_COMPARE, %ecx
        call    fw_read
        mov     $port_buf, %esi
        mov     kernel_addr, %edi
        mov     $KERNEL_COMPARE, %ecx
        repe cmpsb
        sete    %al
67:     test    %al, %al
        call    put_yes_no

        PRINT   "initrd addr is mbi "
        mov     $FW_CFG_INITRD_ADDR, %ax
        call    fw_select
        call    fw_read32
        cmp     mbi_ptr, %eax
        sete    %al
        test    %al, %al
        call    put_yes_no
        PRINT   "initrd size "
        mov     $FW_CFG_INITRD_SIZE, %ax
        call    fw_select
        call    fw_read32
        mov     %eax, initrd_size
        call    putdec
        call    putnl

        // INITRD_DATA against multiboot_info in memory, its first INITRD_SIZE bytes (at most
        // MBI_COMPARE_MAX), leaving out the fields QEMU's option ROM fills in after copying it
        PRINT   "initrd data is mbi "
        mov     initrd_size, %ebx
        cmp     $MBI_MMAP_LENGTH + 4, %ebx
        jb      65f                     // too short to hold the structure: "no"
        cmp     $MBI_COMPARE_MAX, %ebx
        jbe     64f
        mov     $MBI_COMPARE_MAX, %ebx
64:     mov     $FW_CFG_INITRD_DATA, %ax
        call    fw_select
        mov     $port_buf, %edi
        mov     %ebx, %ecx
        call    fw_read
        mov     mbi_ptr, %esi
        mov     $dma_buf, %edi
        mov     %ebx, %ecx
        rep movsb
        xor     %eax, %eax
        mov     %eax, port_buf + MBI_MEM_LOWER
        mov     %eax, port_buf + MBI_MEM_UPPER
        mov     %eax, port_buf + MBI_MMAP_LENGTH
        mov     %eax, dma_buf + MBI_MEM_LOWER
        mov     %eax, dma_buf + MBI_MEM_UPPER
        mov     %eax, dma_buf + MBI_MMAP_LENGTH
        mov     $port_buf, %esi
        mov     $dma_buf, %edi
        mov     %ebx, %ecx
        repe cmpsb
        sete    %al
        jmp     66f
65:     xor     %eax, %eax
66:     test    %al, %al
        call    put_yes_no

        PRINT   "cmdline size "
        mov     $FW_CFG_CMDLINE_SIZE, %ax
        call    fw_select
        call    fw_read32
        call    putdec
        call    putnl

        mov     $EXIT_OK, %eax
exit:   mov     $0xf4, %dx              // isa-debug-exit: status (EAX << 1) | 1
        outl    %eax, (%dx)
99:     cli
        hlt
        jmp     99b

// fw_dma: one DMA transfer (fw_cfg.rst "DMA interface"). EAX = control, ECX = length,
// EDI = guest-physical address of the data. Fills the FWCfgDmaAccess structure
// {be32 control; be32 length; be64 address}, writes its address to the DMA register
// (high half to 0x514, then low half to 0x518, which starts the transfer; the register is
// big-endian, so each half is byte-swapped), then waits (bounded) until the device has
// cleared every control bit but ERROR. Returns EAX = the final control (host order;
// 0xffffffff after a timeout). Clobbers ECX, EDX.
fw_dma:
        bswap   %eax
        mov     %eax, dma_access        // control
        bswap   %ecx
        mov     %ecx, dma_access + 4    // length
        movl    $0, dma_access + 8      // address, high half (big-endian)
        mov     %edi, %eax
        bswap   %eax
        mov     %eax, dma_access + 12   // address, low half
        xor     %eax, %eax              // high half of &dma_access: 0
        mov     $FW_CFG_PORT_DMA, %dx
        outl    %eax, (%dx)
        mov     $dma_access, %eax
        bswap   %eax
        add     $4, %dx
        outl    %eax, (%dx)             // starts the transfer
        mov     $1000000, %ecx          // QEMU finishes before the OUT returns
1:      mov     dma_access, %eax
        bswap   %eax
        test    $~DMA_ERROR, %eax
        jz      2f
        pause
        dec     %ecx
        jnz     1b
        PRINT   "dma timeout\n"
        mov     $0xffffffff, %eax
2:      ret

// put_dma_error: prints "error yes\n" if EBX (a returned control) has ERROR set, else
// "error no\n".
put_dma_error:
        PRINT   "error "
        test    $DMA_ERROR, %ebx
        // fall through
// put_yes_no: prints "yes\n" if ZF is clear, else "no\n".
put_yes_no:
        jz      1f
        PRINT   "yes\n"
        ret
1:      PRINT   "no\n"
        ret

// put_yes_no_sp: prints "yes " if ZF is clear, else "no ".
put_yes_no_sp:
        jz      1f
        PRINT   "yes "
        ret
1:      PRINT   "no "
        ret

// put_text: prints ECX bytes at ESI (at most 200), printable ASCII as is, others as '.'.
// Clobbers EAX, ECX, EDX, ESI.
put_text:
        cmp     $200, %ecx
        jbe     1f
        mov     $200, %ecx
1:      jecxz   4f
2:      lodsb
        cmp     $0x20, %al
        jb      3f
        cmp     $0x7e, %al
        jbe     5f
3:      mov     $'.', %al
5:      call    putc
        dec     %ecx
        jnz     2b
4:      ret

// put_bytes_hex: prints ECX bytes at ESI as 2 hex digits each, no separators.
// Clobbers EAX, ECX, ESI.
put_bytes_hex:
        jecxz   2f
1:      push    %ecx
        movzbl  (%esi), %eax
        inc     %esi
        mov     $2, %ecx
        call    puthex
        pop     %ecx
        dec     %ecx
        jnz     1b
2:      ret

// byte_sum: EAX = 32-bit sum of the ECX bytes at ESI. Clobbers ECX, EDX, ESI.
byte_sum:
        xor     %edx, %edx
        jecxz   2f
1:      movzbl  (%esi), %eax
        add     %eax, %edx
        inc     %esi
        dec     %ecx
        jnz     1b
2:      mov     %edx, %eax
        ret

// puthex64: prints EDX:EAX as 16 hex digits.
puthex64:
        push    %ecx
        push    %eax
        mov     %edx, %eax
        mov     $8, %ecx
        call    puthex
        pop     %eax
        call    puthex
        pop     %ecx
        ret

        .text 1
s_e820:         .asciz  "etc/e820"
s_greeting:     .asciz  "opt/jkvm/greeting"
s_blob:         .asciz  "opt/jkvm/blob"

        .text 2
load_end:

        .bss
        .balign 16
dma_access:     .space  16              // FWCfgDmaAccess, big-endian fields
fw_dirent:      .space  64
fw_id:          .long   0
mbi_ptr:        .long   0               // EBX at entry
kernel_addr:    .long   0
kernel_size:    .long   0
initrd_size:    .long   0
sig_buf:        .space  8
greeting_sel:   .word   0
blob_sel:       .word   0
greeting_len:   .long   0
blob_len:       .long   0
        .balign 16
port_buf:       .space  BUF_SIZE
dma_buf:        .space  BUF_SIZE
        .space  4096
stack_top:
bss_end:
