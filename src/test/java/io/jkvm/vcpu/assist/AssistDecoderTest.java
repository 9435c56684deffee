package io.jkvm.vcpu.assist;

import io.jkvm.vcpu.assist.Assist.InjectBreakpoint;
import io.jkvm.vcpu.assist.Assist.LoadMxcsr;
import io.jkvm.vcpu.assist.Assist.SetAc;
import io.jkvm.vcpu.assist.Assist.Skip;
import io.jkvm.vcpu.assist.Assist.StoreMxcsr;
import io.jkvm.vcpu.assist.MemoryOperand.Segment;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Encodings made by GNU as 2.40 ({@code as --64} or {@code as --32}, then {@code objdump -d}),
 * each with its assembler text; "at 0x18" is the offset objdump showed, used as RIP so that the
 * computed RIP-relative address can be checked against objdump's {@code # 0x1253} comment.
 * (While it was written, the decoder was also compared with objdump 2.40 on about 25,000 random
 * 0F AE /2 and /3 encodings in both modes: every length and linear address agreed, apart from
 * objdump not truncating its comment for EIP-relative operands, which SDM vol. 2, section
 * 2.2.1.6 does; that harness is not part of the build.)
 */
class AssistDecoderTest {
    /**
     * General registers in kvm_regs order (rax rbx rcx rdx rsi rdi rsp rbp r8..r15), each value
     * naming its register so that a mix-up with the ModRM numbering shows.
     */
    private static final long[] GPRS = {
            0x0000_0000_0000_a000L, // rax
            0x0000_0000_0000_b000L, // rbx
            0x0000_0000_0000_c000L, // rcx
            0x0000_0000_0000_d000L, // rdx
            0x0000_0000_0005_1000L, // rsi
            0x0000_0000_0005_d000L, // rdi
            0xffff_c900_0001_0000L, // rsp
            0xffff_c900_0002_0000L, // rbp
            0x0000_0000_0008_0000L, // r8
            0x0000_0000_0009_0000L, // r9
            0x0000_0000_0010_0000L, // r10
            0x0000_0000_0011_0000L, // r11
            0x0000_0000_0012_0000L, // r12
            0x0000_0000_0013_0000L, // r13
            0x0000_0000_0014_0000L, // r14
            0x0000_0000_0015_0000L, // r15
    };
    private static final long FS_BASE = 0x7f00_0000_0000L;
    private static final long GS_BASE = 0xffff_8880_7fc0_0000L;

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) b[i] = (byte) values[i];
        return b;
    }

    private static Assist decode64(int... values) {
        byte[] b = bytes(values);
        Optional<Assist> a = AssistDecoder.decode(b, b.length, true);
        assertTrue(a.isPresent(), () -> "not decoded: " + Arrays.toString(b));
        return a.get();
    }

    private static Assist decode32(int... values) {
        byte[] b = bytes(values);
        Optional<Assist> a = AssistDecoder.decode(b, b.length, false);
        assertTrue(a.isPresent(), () -> "not decoded: " + Arrays.toString(b));
        return a.get();
    }

    private static void assertRejected(boolean longMode, int... values) {
        byte[] b = bytes(values);
        assertEquals(Optional.empty(), AssistDecoder.decode(b, b.length, longMode), Arrays.toString(b));
    }

    private static MemoryOperand load(Assist a, int length) {
        assertEquals(length, a.length());
        return assertInstanceOf(LoadMxcsr.class, a).operand();
    }

    private static MemoryOperand store(Assist a, int length) {
        assertEquals(length, a.length());
        return assertInstanceOf(StoreMxcsr.class, a).operand();
    }

    private static long address(MemoryOperand op, long rip, int length) {
        return op.linearAddress(GPRS, rip, length, FS_BASE, GS_BASE);
    }

    // ---- the instructions with no operand ----

    @Test
    void int3() {
        assertEquals(new InjectBreakpoint(1), decode64(0xcc));  // int3
        assertEquals(new InjectBreakpoint(1), decode32(0xcc));
    }

    @Test
    void fwait() {
        assertEquals(new Skip(1, "fwait"), decode64(0x9b));     // fwait
        assertEquals(new Skip(1, "fwait"), decode32(0x9b));
    }

    @Test
    void clacAndStac() {
        assertEquals(new SetAc(3, false), decode64(0x0f, 0x01, 0xca));  // clac
        assertEquals(new SetAc(3, true), decode64(0x0f, 0x01, 0xcb));   // stac
        assertEquals(new SetAc(3, false), decode32(0x0f, 0x01, 0xca));
        assertEquals(new SetAc(3, true), decode32(0x0f, 0x01, 0xcb));
    }

    @Test
    void serialize() {
        assertEquals(new Skip(3, "serialize"), decode64(0x0f, 0x01, 0xe8));  // serialize
        assertEquals(new Skip(3, "serialize"), decode32(0x0f, 0x01, 0xe8));
    }

    @Test
    void ignoredPrefixesCountInTheLength() {
        assertEquals(new InjectBreakpoint(2), decode64(0x2e, 0xcc));         // cs int3 (objdump)
        assertEquals(new InjectBreakpoint(2), decode64(0x41, 0xcc));         // rex.B int3
        assertEquals(new SetAc(4, true), decode64(0x48, 0x0f, 0x01, 0xcb));  // rex.W stac
    }

    // ---- ldmxcsr / stmxcsr, 64-bit mode ----

    @Test
    void baseRegister() {
        MemoryOperand op = load(decode64(0x0f, 0xae, 0x10), 3);  // ldmxcsr (%rax)
        assertEquals(new MemoryOperand(Gpr.RAX, null, 1, 0, false, Segment.DS, 64, true), op);
        assertEquals(0xa000L, address(op, 0, 3));
        assertEquals("(%rax)", op.toString());
    }

    @Test
    void rspBaseNeedsSib() {
        MemoryOperand op = load(decode64(0x0f, 0xae, 0x54, 0x24, 0x10), 5);  // ldmxcsr 0x10(%rsp)
        assertEquals(new MemoryOperand(Gpr.RSP, null, 1, 0x10, false, Segment.SS, 64, true), op);
        assertEquals(0xffff_c900_0001_0010L, address(op, 0, 5));
        assertEquals("0x10(%rsp)", op.toString());
    }

    @Test
    void baseIndexScaleNegativeDisp8() {
        MemoryOperand op = load(decode64(0x0f, 0xae, 0x54, 0x8d, 0xf8), 5);  // ldmxcsr -8(%rbp,%rcx,4)
        assertEquals(new MemoryOperand(Gpr.RBP, Gpr.RCX, 4, -8, false, Segment.SS, 64, true), op);
        assertEquals(0xffff_c900_0002_0000L + 4 * 0xc000L - 8, address(op, 0, 5));
        assertEquals("-0x8(%rbp,%rcx,4)", op.toString());
    }

    @Test
    void ripRelative() {
        // at 0x18: stmxcsr 0x1234(%rip)        # 0x1253
        MemoryOperand op = store(decode64(0x0f, 0xae, 0x1d, 0x34, 0x12, 0x00, 0x00), 7);
        assertEquals(new MemoryOperand(null, null, 1, 0x1234, true, Segment.DS, 64, true), op);
        assertEquals(0x1253L, address(op, 0x18, 7));
        assertEquals(0xffff_ffff_8100_1253L, address(op, 0xffff_ffff_8100_0018L, 7));
        assertEquals("0x1234(%rip)", op.toString());
    }

    @Test
    void ripRelativeNegative() {
        // at 0x6f: stmxcsr -0x4(%rip)        # 0x72
        MemoryOperand op = store(decode64(0x0f, 0xae, 0x1d, 0xfc, 0xff, 0xff, 0xff), 7);
        assertEquals(-4, op.displacement());
        assertEquals(0x72L, address(op, 0x6f, 7));
    }

    @Test
    void gsAbsolute() {
        // ldmxcsr %gs:0x28 (SIB: no base, no index, disp32)
        MemoryOperand op = load(decode64(0x65, 0x0f, 0xae, 0x14, 0x25, 0x28, 0x00, 0x00, 0x00), 9);
        assertEquals(new MemoryOperand(null, null, 1, 0x28, false, Segment.GS, 64, true), op);
        assertEquals(GS_BASE + 0x28, address(op, 0, 9));
        assertEquals("%gs:0x28", op.toString());
    }

    @Test
    void fsOverride() {
        MemoryOperand op = load(decode64(0x64, 0x0f, 0xae, 0x12), 4);  // ldmxcsr %fs:(%rdx)
        assertEquals(new MemoryOperand(Gpr.RDX, null, 1, 0, false, Segment.FS, 64, true), op);
        assertEquals(FS_BASE + 0xd000L, address(op, 0, 4));
    }

    @Test
    void r12BaseNeedsSib() {
        MemoryOperand op = load(decode64(0x41, 0x0f, 0xae, 0x14, 0x24), 5);  // ldmxcsr (%r12)
        assertEquals(new MemoryOperand(Gpr.R12, null, 1, 0, false, Segment.DS, 64, true), op);
        assertEquals(0x12_0000L, address(op, 0, 5));
    }

    @Test
    void r13BaseNeedsDisp8() {
        MemoryOperand op = load(decode64(0x41, 0x0f, 0xae, 0x55, 0x00), 5);  // ldmxcsr (%r13), objdump: 0x0(%r13)
        assertEquals(new MemoryOperand(Gpr.R13, null, 1, 0, false, Segment.DS, 64, true), op);
        assertEquals(0x13_0000L, address(op, 0, 5));
    }

    @Test
    void indexWithoutBase() {
        // ldmxcsr 0x0(,%rax,8)
        MemoryOperand op = load(decode64(0x0f, 0xae, 0x14, 0xc5, 0x00, 0x00, 0x00, 0x00), 8);
        assertEquals(new MemoryOperand(null, Gpr.RAX, 8, 0, false, Segment.DS, 64, true), op);
        assertEquals(8 * 0xa000L, address(op, 0, 8));
        assertEquals("(,%rax,8)", op.toString());
    }

    @Test
    void absoluteDisp32IsSignExtended() {
        // ldmxcsr 0x11223344
        MemoryOperand op = load(decode64(0x0f, 0xae, 0x14, 0x25, 0x44, 0x33, 0x22, 0x11), 8);
        assertEquals(new MemoryOperand(null, null, 1, 0x11223344, false, Segment.DS, 64, true), op);
        assertEquals(0x11223344L, address(op, 0, 8));
        // the same form with disp32 0xfffff000 (Linux's fixmap-style negative addresses)
        op = load(decode64(0x0f, 0xae, 0x14, 0x25, 0x00, 0xf0, 0xff, 0xff), 8);
        assertEquals(0xffff_ffff_ffff_f000L, address(op, 0, 8));
    }

    @Test
    void addressSizePrefix() {
        MemoryOperand op = load(decode64(0x67, 0x0f, 0xae, 0x10), 4);  // addr32 ldmxcsr (%eax)
        assertEquals(new MemoryOperand(Gpr.RAX, null, 1, 0, false, Segment.DS, 32, true), op);
        long[] gprs = GPRS.clone();
        gprs[0] = 0xdead_beef_0000_1000L;   // rax: the upper half is not part of a 32-bit address
        assertEquals(0x1000L, op.linearAddress(gprs, 0, 4, FS_BASE, GS_BASE));
        assertEquals("(%eax)", op.toString());
    }

    @Test
    void addressSizePrefixWrapsAt4GiB() {
        // addr32 stmxcsr -0x10(%ebp,%esi,2)
        MemoryOperand op = store(decode64(0x67, 0x0f, 0xae, 0x5c, 0x75, 0xf0), 6);
        assertEquals(new MemoryOperand(Gpr.RBP, Gpr.RSI, 2, -0x10, false, Segment.SS, 32, true), op);
        // ebp = 0x00020000, esi = 0x00051000
        assertEquals(0x0002_0000L + 2 * 0x0005_1000L - 0x10, address(op, 0, 6));
        long[] gprs = GPRS.clone();
        gprs[7] = 0x8;   // rbp: 8 + 2 * esi - 0x10 wraps below zero
        gprs[4] = 0;     // rsi
        assertEquals(0xffff_fff8L, op.linearAddress(gprs, 0, 6, FS_BASE, GS_BASE));
    }

    @Test
    void eipRelative() {
        // at 0x85: addr32 ldmxcsr 0x10(%eip)        # 0x9d
        MemoryOperand op = load(decode64(0x67, 0x0f, 0xae, 0x15, 0x10, 0x00, 0x00, 0x00), 8);
        assertEquals(new MemoryOperand(null, null, 1, 0x10, true, Segment.DS, 32, true), op);
        assertEquals(0x9dL, address(op, 0x85, 8));
        assertEquals(0x8100_009dL, address(op, 0xffff_ffff_8100_0085L, 8));  // upper half dropped
    }

    @Test
    void rexBAndRexXWithFsOverride() {
        // stmxcsr %fs:0x8(%r9,%r10,2)
        MemoryOperand op = store(decode64(0x64, 0x43, 0x0f, 0xae, 0x5c, 0x51, 0x08), 7);
        assertEquals(new MemoryOperand(Gpr.R9, Gpr.R10, 2, 8, false, Segment.FS, 64, true), op);
        assertEquals(FS_BASE + 0x9_0000L + 2 * 0x10_0000L + 8, address(op, 0, 7));
        assertEquals("%fs:0x8(%r9,%r10,2)", op.toString());
    }

    @Test
    void rexXMakesIndex100R12() {
        // ldmxcsr -0x80(%r8,%r12,1)
        MemoryOperand op = load(decode64(0x43, 0x0f, 0xae, 0x54, 0x20, 0x80), 6);
        assertEquals(new MemoryOperand(Gpr.R8, Gpr.R12, 1, -0x80, false, Segment.DS, 64, true), op);
        assertEquals(0x8_0000L + 0x12_0000L - 0x80, address(op, 0, 6));
        // stmxcsr (%r12,%r12,1)
        op = store(decode64(0x43, 0x0f, 0xae, 0x1c, 0x24), 5);
        assertEquals(new MemoryOperand(Gpr.R12, Gpr.R12, 1, 0, false, Segment.DS, 64, true), op);
        assertEquals(2 * 0x12_0000L, address(op, 0, 5));
    }

    @Test
    void disp32WithIndex() {
        // ldmxcsr 0x7fffffff(%r15,%r11,8)
        MemoryOperand op = load(decode64(0x43, 0x0f, 0xae, 0x94, 0xdf, 0xff, 0xff, 0xff, 0x7f), 9);
        assertEquals(new MemoryOperand(Gpr.R15, Gpr.R11, 8, 0x7fffffff, false, Segment.DS, 64, true), op);
        assertEquals(0x15_0000L + 8 * 0x11_0000L + 0x7fffffffL, address(op, 0, 9));
        // stmxcsr 0x100(%rbx)
        op = store(decode64(0x0f, 0xae, 0x9b, 0x00, 0x01, 0x00, 0x00), 7);
        assertEquals(new MemoryOperand(Gpr.RBX, null, 1, 0x100, false, Segment.DS, 64, true), op);
        assertEquals(0xb100L, address(op, 0, 7));
        // stmxcsr (%rsp)
        op = store(decode64(0x0f, 0xae, 0x1c, 0x24), 4);
        assertEquals(0xffff_c900_0001_0000L, address(op, 0, 4));
    }

    @Test
    void rexWAndRexRAreIgnored() {
        // objdump: rex.W ldmxcsr (%rax), rex.R ldmxcsr (%rax)
        assertEquals(Gpr.RAX, load(decode64(0x48, 0x0f, 0xae, 0x10), 4).base());
        assertEquals(Gpr.RAX, load(decode64(0x44, 0x0f, 0xae, 0x10), 4).base());
    }

    @Test
    void rexCountsOnlyDirectlyBeforeTheOpcode() {
        // 41 65 0f ae 14 24: the REX is followed by a prefix, so ignored: ldmxcsr %gs:(%rsp)
        MemoryOperand op = load(decode64(0x41, 0x65, 0x0f, 0xae, 0x14, 0x24), 6);
        assertEquals(new MemoryOperand(Gpr.RSP, null, 1, 0, false, Segment.GS, 64, true), op);
        // 65 41 0f ae 14 24: ldmxcsr %gs:(%r12)
        op = load(decode64(0x65, 0x41, 0x0f, 0xae, 0x14, 0x24), 6);
        assertEquals(new MemoryOperand(Gpr.R12, null, 1, 0, false, Segment.GS, 64, true), op);
        // two REX: the last one counts (49 = REX.WB)
        assertEquals(Gpr.R8, load(decode64(0x42, 0x49, 0x0f, 0xae, 0x10), 5).base());
    }

    @Test
    void sibBase101WithModNonZeroIsRbpOrR13() {
        // ldmxcsr 0x10(%rbp,%rax,1) = 0f ae 54 05 10 ; with REX.B: 0x10(%r13,%rax,1)
        assertEquals(new MemoryOperand(Gpr.RBP, Gpr.RAX, 1, 0x10, false, Segment.SS, 64, true),
                load(decode64(0x0f, 0xae, 0x54, 0x05, 0x10), 5));
        assertEquals(new MemoryOperand(Gpr.R13, Gpr.RAX, 1, 0x10, false, Segment.DS, 64, true),
                load(decode64(0x41, 0x0f, 0xae, 0x54, 0x05, 0x10), 6));
        // mod 00 with SIB base 101 and REX.B: still no base (disp32)
        assertEquals(new MemoryOperand(null, null, 1, 0x28, false, Segment.DS, 64, true),
                load(decode64(0x41, 0x0f, 0xae, 0x14, 0x25, 0x28, 0, 0, 0), 9));
        // mod 00 rm 101 with REX.B: still RIP-relative
        assertTrue(load(decode64(0x41, 0x0f, 0xae, 0x15, 0, 0, 0, 0), 8).ripRelative());
    }

    @Test
    void trailingBytesAreNotPartOfTheInstruction() {
        byte[] b = bytes(0x0f, 0xae, 0x10, 0x90, 0x90, 0xcc);  // ldmxcsr (%rax); nop; nop; int3
        assertEquals(3, AssistDecoder.decode(b, b.length, true).orElseThrow().length());
        assertEquals(3, AssistDecoder.decode(b, 3, true).orElseThrow().length());
    }

    // ---- 32-bit protected mode ----

    @Test
    void protectedModeOperands() {
        // as --32: ldmxcsr (%eax)
        MemoryOperand op = load(decode32(0x0f, 0xae, 0x10), 3);
        assertEquals(new MemoryOperand(Gpr.RAX, null, 1, 0, false, Segment.DS, 32, false), op);
        // ldmxcsr 0x10(%esp)
        op = load(decode32(0x0f, 0xae, 0x54, 0x24, 0x10), 5);
        assertEquals(new MemoryOperand(Gpr.RSP, null, 1, 0x10, false, Segment.SS, 32, false), op);
        assertEquals(0x0001_0010L, address(op, 0, 5));
        // ldmxcsr 0x1234: mod 00 rm 101 is an absolute disp32 here, not RIP-relative
        op = load(decode32(0x0f, 0xae, 0x15, 0x34, 0x12, 0x00, 0x00), 7);
        assertEquals(new MemoryOperand(null, null, 1, 0x1234, false, Segment.DS, 32, false), op);
        assertEquals(0x1234L, address(op, 0x1000, 7));
        // stmxcsr -0x8(%ebp,%ecx,4)
        op = store(decode32(0x0f, 0xae, 0x5c, 0x8d, 0xf8), 5);
        assertEquals(new MemoryOperand(Gpr.RBP, Gpr.RCX, 4, -8, false, Segment.SS, 32, false), op);
        assertEquals("-0x8(%ebp,%ecx,4)", op.toString());
        // stmxcsr %fs:0x28
        op = store(decode32(0x64, 0x0f, 0xae, 0x1d, 0x28, 0x00, 0x00, 0x00), 8);
        assertEquals(new MemoryOperand(null, null, 1, 0x28, false, Segment.FS, 32, false), op);
        assertEquals(0xc000_0028L, op.linearAddress(GPRS, 0, 8, 0xc000_0000L, 0));
        assertEquals(0x0000_0018L, op.linearAddress(GPRS, 0, 8, 0xffff_fff0L, 0));  // linear wraps at 4 GiB
        // ldmxcsr 0x10(,%eax,8)
        op = load(decode32(0x0f, 0xae, 0x14, 0xc5, 0x10, 0x00, 0x00, 0x00), 8);
        assertEquals(new MemoryOperand(null, Gpr.RAX, 8, 0x10, false, Segment.DS, 32, false), op);
        assertEquals(8 * 0xa000L + 0x10, address(op, 0, 8));
    }

    @Test
    void protectedModeRejections() {
        assertRejected(false, 0x41, 0x0f, 0xae, 0x14, 0x24);  // 41 is inc %ecx here, not REX
        assertRejected(false, 0x48, 0xcc);                    // dec %eax
        assertRejected(false, 0x67, 0x0f, 0xae, 0x10);        // 16-bit addressing: not supported
        assertRejected(false, 0xc5, 0xf8, 0xae, 0x10);        // vldmxcsr
    }

    // ---- rejections ----

    @Test
    void vexForms() {
        assertRejected(true, 0xc5, 0xf8, 0xae, 0x10);                // vldmxcsr (%rax)
        assertRejected(true, 0xc5, 0xf8, 0xae, 0x18);                // vstmxcsr (%rax)
        assertRejected(true, 0xc4, 0xe1, 0x78, 0xae, 0x10);          // vldmxcsr (%rax), 3-byte VEX
    }

    @Test
    void mandatoryAndLockPrefixes() {
        for (int prefix : new int[] {0x66, 0xf2, 0xf3, 0xf0}) {
            assertRejected(true, prefix, 0x0f, 0xae, 0x10);
            assertRejected(true, prefix, 0x0f, 0xae, 0x18);
            assertRejected(true, prefix, 0xcc);
            assertRejected(true, prefix, 0x9b);
            assertRejected(true, prefix, 0x0f, 0x01, 0xca);
            assertRejected(true, 0x2e, prefix, 0x0f, 0x01, 0xe8);
            assertRejected(true, prefix, 0x41, 0x0f, 0xae, 0x10);
        }
        assertRejected(true, 0xf3, 0x0f, 0x01, 0xe8);   // setssbsy
        assertRejected(true, 0xf2, 0x0f, 0x01, 0xe8);   // xsusldtrk
    }

    @Test
    void registerOperandsAndOtherGroup15Members() {
        assertRejected(true, 0x0f, 0xae, 0xd0);   // ldmxcsr with mod 11: undefined
        assertRejected(true, 0x0f, 0xae, 0xd8);   // stmxcsr with mod 11
        assertRejected(true, 0xf3, 0x0f, 0xae, 0xd0);   // wrfsbase %eax
        assertRejected(true, 0x0f, 0xae, 0xe8);   // lfence
        assertRejected(true, 0x0f, 0xae, 0x00);   // fxsave (%rax)
        assertRejected(true, 0x0f, 0xae, 0x08);   // fxrstor (%rax)
        assertRejected(true, 0x0f, 0xae, 0x30);   // xsaveopt (%rax)
        assertRejected(true, 0x0f, 0x01, 0xc1);   // vmcall
        assertRejected(true, 0x0f, 0x01, 0xf9);   // rdtscp
        assertRejected(true, 0xcd, 0x03);         // int $3
        assertRejected(true, 0x90);               // nop
    }

    @Test
    void differentSegmentOverrides() {
        assertRejected(true, 0x64, 0x65, 0x0f, 0xae, 0x10);
        assertRejected(true, 0x64, 0x2e, 0x0f, 0xae, 0x10);
        // the same override twice is fine
        assertEquals(Segment.GS, load(decode64(0x65, 0x65, 0x0f, 0xae, 0x10), 5).segment());
        // an override of SS/DS/ES/CS is kept but contributes no base in 64-bit mode
        MemoryOperand op = load(decode64(0x2e, 0x0f, 0xae, 0x10), 4);
        assertEquals(Segment.CS, op.segment());
        assertEquals(0xa000L, address(op, 0, 4));
    }

    @Test
    void truncatedEncodingsAreRejected() {
        List<byte[]> encodings = List.of(
                bytes(0xcc),
                bytes(0x0f, 0x01, 0xca),
                bytes(0x0f, 0x01, 0xe8),
                bytes(0x0f, 0xae, 0x10),
                bytes(0x0f, 0xae, 0x54, 0x8d, 0xf8),
                bytes(0x0f, 0xae, 0x1d, 0x34, 0x12, 0x00, 0x00),
                bytes(0x65, 0x0f, 0xae, 0x14, 0x25, 0x28, 0x00, 0x00, 0x00),
                bytes(0x64, 0x43, 0x0f, 0xae, 0x5c, 0x51, 0x08),
                bytes(0x43, 0x0f, 0xae, 0x94, 0xdf, 0xff, 0xff, 0xff, 0x7f));
        for (byte[] full : encodings) {
            Assist whole = AssistDecoder.decode(full, full.length, true).orElseThrow();
            assertEquals(full.length, whole.length());
            for (int available = -1; available < full.length; available++) {
                assertEquals(Optional.empty(), AssistDecoder.decode(full, available, true),
                        Arrays.toString(full) + " with " + available + " bytes");
                // the same bytes followed by others that the decoder may not look at
                byte[] longer = Arrays.copyOf(full, full.length + 4);
                assertEquals(Optional.empty(), AssistDecoder.decode(longer, available, true));
                // a short array: available beyond its end counts as its end
                byte[] shortArray = Arrays.copyOf(full, Math.max(available, 0));
                assertEquals(Optional.empty(), AssistDecoder.decode(shortArray, full.length, true));
            }
        }
    }

    @Test
    void fifteenBytesAtMost() {
        byte[] fifteen = new byte[15];
        Arrays.fill(fifteen, (byte) 0x2e);
        fifteen[14] = (byte) 0xcc;
        assertEquals(new InjectBreakpoint(15), AssistDecoder.decode(fifteen, 15, true).orElseThrow());

        byte[] sixteen = new byte[17];   // 16 prefixes, then int3
        Arrays.fill(sixteen, (byte) 0x2e);
        sixteen[16] = (byte) 0xcc;
        assertEquals(Optional.empty(), AssistDecoder.decode(sixteen, sixteen.length, true));
        assertEquals(Optional.empty(), AssistDecoder.decode(sixteen, sixteen.length, false));

        byte[] longLoad = new byte[16];  // 7 prefixes + 9-byte ldmxcsr %gs:0x28 = 16
        Arrays.fill(longLoad, 0, 7, (byte) 0x65);
        System.arraycopy(bytes(0x65, 0x0f, 0xae, 0x14, 0x25, 0x28, 0x00, 0x00, 0x00), 0, longLoad, 7, 9);
        assertEquals(Optional.empty(), AssistDecoder.decode(longLoad, longLoad.length, true));
        assertEquals(15, AssistDecoder.decode(Arrays.copyOfRange(longLoad, 1, 16), 15, true).orElseThrow().length());
    }

    @Test
    void emptyInput() {
        assertFalse(AssistDecoder.decode(new byte[0], 0, true).isPresent());
        assertFalse(AssistDecoder.decode(new byte[0], 10, false).isPresent());
        assertFalse(AssistDecoder.decode(bytes(0xcc), -5, true).isPresent());
    }
}
