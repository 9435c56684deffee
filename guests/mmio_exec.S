/*
 * mmio_exec: jumps to guest-physical 0xd0000000, where there is no RAM. KVM cannot fetch
 * the instruction there and reports KVM_EXIT_INTERNAL_ERROR (emulation failure) on any host.
 * Tests run it without the MMIO test device attached.
 *
 * Mode:       --mode long (0xd0000000 is identity-mapped by jkvm's page tables)
 * Load/entry: 0x100000 (jkvm's default for --mode long)
 * Registers:  none expected; no stack used
 * COM1:       nothing
 * Ends:       KVM_EXIT_INTERNAL_ERROR, suberror 1 (KVM_INTERNAL_ERROR_EMULATION), with
 *             RIP = 0xd0000000.
 * Run:        ./jkvm run --mode long mmio_exec.bin
 */
#@ text=0x100000 bits=64
        .code64
        .text
        .globl  _start
_start:
        mov     $0xd0000000, %eax       // zero-extends into RAX
        jmp     *%rax
