/*
 * real_io: 16-bit real mode port I/O of every shape KVM_EXIT_IO can report.
 *
 * Mode:       --mode real (CS = DS = ES = SS = 0)
 * Load/entry: 0x1000 (jkvm's default for --mode real)
 * Registers:  none expected (no stack used)
 * Port I/O, in this order:
 *   1. rep outsb of "real mode\n" (10 bytes) to COM1 0x3f8 (string OUT)
 *   2. OUT to port 0x12 of size 1 (0x11), size 2 (0x2222), size 4 (0x33333333)
 *   3. rep insb of 4 bytes from port 0x12 into memory (string IN)
 *   4. rep outsb of those 4 bytes plus "\n" (5 bytes) to COM1
 *   5. IN of size 2 and IN of size 4 from port 0x12 (values ignored)
 *   6. hlt
 * What KVM reports (checked on this host with a minimal C VMM): KVM's instruction emulator
 * handles all string I/O and reports a rep OUTS one element per KVM_EXIT_IO (count = 1,
 * 10 exits for step 1, 5 for step 4), while a rep INS comes as one exit with count = 4,
 * size 1 (the VMM must fill count * size bytes at data_offset).
 * COM1 output with the test port device at 0x12 (IN gives 'a','b','c',... per byte):
 *   "real mode\nabcd\n"
 *   Without a device at 0x12 the second line holds whatever the VMM returns for an
 *   unclaimed port (typically four 0xff bytes).
 * Ends:       HLT (KVM_EXIT_HLT), exit status 0.
 * Run:        ./jkvm run --mode real real_io.bin
 */
#@ text=0x1000 bits=16
        .code16
        .text
        .globl  _start
_start:
        cld
        mov     $0x3f8, %dx
        mov     $msg, %si
        mov     $(msg_end - msg), %cx
        rep outsb                       // string OUT to COM1, count 10

        mov     $0x12, %dx
        mov     $0x11, %al
        out     %al, (%dx)              // OUT size 1
        mov     $0x2222, %ax
        out     %ax, (%dx)              // OUT size 2
        mov     $0x33333333, %eax
        out     %eax, (%dx)             // OUT size 4

        mov     $buf, %di
        mov     $4, %cx
        rep insb                        // string IN from port 0x12, count 4 -> "abcd"

        mov     $0x3f8, %dx
        mov     $buf, %si
        mov     $(buf_end - buf), %cx
        rep outsb                       // echo the 4 bytes and "\n"

        mov     $0x12, %dx
        in      (%dx), %ax              // IN size 2 (ignored)
        in      (%dx), %eax             // IN size 4 (ignored)
        hlt

msg:    .ascii  "real mode\n"
msg_end:
buf:    .space  4
        .byte   '\n'
buf_end:
