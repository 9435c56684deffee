package io.jkvm.vcpu.assist;

import io.jkvm.vcpu.assist.MemoryOperand.Segment;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MemoryOperandTest {
    private static long[] registers() {
        long[] gprs = new long[18];   // a whole kvm_regs: 16 GPRs, rip, rflags
        for (int i = 0; i < 16; i++) gprs[i] = 0x100L * (i + 1);
        return gprs;
    }

    @Test
    void eachRegisterIsReadFromItsKvmRegsSlot() {
        long[] gprs = registers();
        for (Gpr r : Gpr.values()) {
            MemoryOperand asBase = new MemoryOperand(r, null, 1, 0, false, Segment.DS, 64, true);
            assertEquals(gprs[r.kvmRegsIndex()], asBase.linearAddress(gprs, 0, 3, 0, 0), r.name());
            if (r == Gpr.RSP) continue;
            MemoryOperand asIndex = new MemoryOperand(null, r, 4, 0, false, Segment.DS, 64, true);
            assertEquals(4 * gprs[r.kvmRegsIndex()], asIndex.linearAddress(gprs, 0, 3, 0, 0), r.name());
        }
        // spelled out for the four that differ most: rbx is kvm_regs[1], rsi kvm_regs[4]
        MemoryOperand rbxRsi = new MemoryOperand(Gpr.RBX, Gpr.RSI, 1, 0, false, Segment.DS, 64, true);
        assertEquals(0x200 + 0x500, rbxRsi.linearAddress(gprs, 0, 3, 0, 0));
        MemoryOperand rspRdi = new MemoryOperand(Gpr.RSP, Gpr.RDI, 2, 0, false, Segment.SS, 64, true);
        assertEquals(0x700 + 2 * 0x600, rspRdi.linearAddress(gprs, 0, 3, 0, 0));
    }

    @Test
    void segmentBases() {
        long[] gprs = registers();
        for (Segment s : Segment.values()) {
            MemoryOperand op = new MemoryOperand(Gpr.RAX, null, 1, 8, false, s, 64, true);
            long expected = 0x108 + switch (s) {
                case FS -> 0x1_0000_0000L;
                case GS -> 0x2_0000_0000L;
                default -> 0;
            };
            assertEquals(expected, op.linearAddress(gprs, 0, 3, 0x1_0000_0000L, 0x2_0000_0000L), s.name());
        }
    }

    @Test
    void sixtyFourBitWrap() {
        long[] gprs = registers();
        gprs[0] = -16;   // rax
        MemoryOperand op = new MemoryOperand(Gpr.RAX, null, 1, 0x20, false, Segment.GS, 64, true);
        assertEquals(0x10 + 0x1000, op.linearAddress(gprs, 0, 3, 0, 0x1000));
    }

    @Test
    void invalidOperands() {
        assertThrows(IllegalArgumentException.class,
                () -> new MemoryOperand(Gpr.RAX, Gpr.RCX, 3, 0, false, Segment.DS, 64, true));
        assertThrows(IllegalArgumentException.class,
                () -> new MemoryOperand(Gpr.RAX, null, 2, 0, false, Segment.DS, 64, true));
        assertThrows(IllegalArgumentException.class,
                () -> new MemoryOperand(null, Gpr.RSP, 1, 0, false, Segment.DS, 64, true));
        assertThrows(IllegalArgumentException.class,
                () -> new MemoryOperand(Gpr.RAX, null, 1, 0, true, Segment.DS, 64, true));
        assertThrows(IllegalArgumentException.class,
                () -> new MemoryOperand(null, null, 1, 0, true, Segment.DS, 32, false));
        assertThrows(IllegalArgumentException.class,
                () -> new MemoryOperand(Gpr.RAX, null, 1, 0, false, Segment.DS, 64, false));
        assertThrows(IllegalArgumentException.class,
                () -> new MemoryOperand(Gpr.RAX, null, 1, 0, false, Segment.DS, 16, true));
        assertThrows(NullPointerException.class,
                () -> new MemoryOperand(Gpr.RAX, null, 1, 0, false, null, 64, true));
        MemoryOperand ok = new MemoryOperand(Gpr.RAX, null, 1, 0, false, Segment.DS, 64, true);
        assertThrows(IllegalArgumentException.class, () -> ok.linearAddress(new long[15], 0, 3, 0, 0));
    }

    @Test
    void assistLengths() {
        assertThrows(IllegalArgumentException.class, () -> new Assist.InjectBreakpoint(0));
        assertThrows(IllegalArgumentException.class, () -> new Assist.SetAc(16, true));
        assertThrows(NullPointerException.class, () -> new Assist.LoadMxcsr(3, null));
    }
}
