package io.jkvm.vcpu;

import io.jkvm.kvm.KvmRegs;
import io.jkvm.kvm.KvmSregs;
import io.jkvm.kvm.KvmVcpuEvents;
import io.jkvm.kvm.KvmXsave;
import io.jkvm.kvm.VcpuFd;
import io.jkvm.memory.GuestMemory;
import io.jkvm.vcpu.assist.Assist;
import io.jkvm.vcpu.assist.AssistDecoder;
import io.jkvm.vcpu.assist.MemoryOperand;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The instruction assists of HOST-NOTES.md over a real vCPU: fetch the bytes at CS:RIP through
 * the guest's page tables (KVM_TRANSLATE, then guest RAM only), decode them
 * ({@link AssistDecoder}), and do what the CPU would have done:
 * <ul>
 *   <li>int3: RIP += 1 and inject #BP (KVM_SET_VCPU_EVENTS, exception injected, vector 3);</li>
 *   <li>fwait, serialize: skip;</li>
 *   <li>clac / stac: clear / set RFLAGS.AC (bit 18), skip;</li>
 *   <li>ldmxcsr / stmxcsr m32: move MXCSR between the vCPU's XSAVE area (KVM_GET/SET_XSAVE,
 *       MXCSR at byte 24 of the legacy region, SDM 1 10.5.1) and guest memory, skip. Not
 *       KVM_GET/SET_FPU: on the nested host here those read zeros and ignore writes.</li>
 * </ul>
 * Anything else, or an operand outside guest RAM, is declined and the run ends as before.
 */
public final class KvmInstructionAssist implements InstructionAssist {
    static final long RFLAGS_AC = 1L << 18;
    static final long EFER_LMA = 1L << 10;
    static final long PAGE = 4096;
    /** MXCSR bits 16-31 are reserved: loading one is #GP (SDM 2A, LDMXCSR). */
    static final long MXCSR_RESERVED = 0xffff_0000L;

    /** KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES (api.rst 5, "internal"): data[1..2] hold the bytes KVM fetched. */
    static final long FLAG_INSTRUCTION_BYTES = 1;
    /** How many times in a row the same RIP may be re-entered because its code changed under KVM. */
    static final int MAX_RETRIES = 3;

    private final VcpuFd vcpu;
    private final GuestMemory memory;
    private long completed;
    private long retriedRip = -1;
    private int retries;

    public KvmInstructionAssist(VcpuFd vcpu, GuestMemory memory) {
        this.vcpu = vcpu;
        this.memory = memory;
    }

    @Override
    public long completed() { return completed; }

    @Override
    public boolean tryComplete() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment regs = arena.allocate(KvmRegs.LAYOUT);
            MemorySegment sregs = arena.allocate(KvmSregs.LAYOUT);
            vcpu.getRegs(regs);
            vcpu.getSregs(sregs);
            KvmSregs.Segment cs = KvmSregs.Segment.readFrom(sregs, KvmSregs.CS);
            boolean longMode = (KvmSregs.get(sregs, KvmSregs.EFER) & EFER_LMA) != 0 && cs.l();
            long rip = KvmRegs.get(regs, KvmRegs.RIP);
            byte[] bytes = fetch(cs.base() + rip, AssistDecoder.MAX_INSTRUCTION_LENGTH);
            Optional<Assist> decoded = AssistDecoder.decode(bytes, bytes.length, longMode);
            if (decoded.isEmpty()) return codeChangedUnderKvm(rip, bytes);
            retriedRip = -1;
            Assist assist = decoded.get();
            long next = rip + assist.length();
            boolean done = switch (assist) {
                case Assist.InjectBreakpoint b -> injectBreakpoint(arena);
                case Assist.Skip s -> true;
                case Assist.SetAc ac -> {
                    long flags = KvmRegs.get(regs, KvmRegs.RFLAGS);
                    KvmRegs.set(regs, KvmRegs.RFLAGS, ac.value() ? flags | RFLAGS_AC : flags & ~RFLAGS_AC);
                    yield true;
                }
                case Assist.LoadMxcsr l -> loadMxcsr(arena, operandAddress(l.operand(), regs, sregs, rip, l.length()));
                case Assist.StoreMxcsr s -> storeMxcsr(arena, operandAddress(s.operand(), regs, sregs, rip, s.length()));
            };
            if (!done) return false;
            KvmRegs.set(regs, KvmRegs.RIP, next);
            vcpu.setRegs(regs);
            completed++;
            return true;
        } catch (RuntimeException e) {
            return false; // a failed fetch or ioctl: report the original failure instead
        }
    }

    /**
     * A kernel patching its own text (jump labels, static calls: text_poke_bp writes an int3,
     * then the rest, then the first byte) can change an instruction between KVM's fetch and
     * ours. When the bytes KVM reports differ from what is in memory now, the instruction KVM
     * failed on is gone: re-enter and let KVM fetch again, a few times at most.
     */
    private boolean codeChangedUnderKvm(long rip, byte[] now) {
        io.jkvm.kvm.KvmRun run = vcpu.kvmRun();
        if (run.internalNdata() < 3 || (run.internalData(0) & FLAG_INSTRUCTION_BYTES) == 0) return false;
        // data[1] = u8 insn_size, then 15 u8 insn_bytes (8 of them in data[1], the rest in data[2]).
        long lo = run.internalData(1);
        long hi = run.internalData(2);
        int size = (int) (lo & 0xff);
        boolean differs = false;
        for (int i = 0; i < Math.min(size, Math.min(now.length, 15)); i++) {
            long word = i < 7 ? lo : hi;
            int shift = i < 7 ? 8 * (i + 1) : 8 * (i - 7);
            if ((byte) (word >>> shift) != now[i]) {
                differs = true;
                break;
            }
        }
        if (!differs) return false;
        retries = rip == retriedRip ? retries + 1 : 1;
        retriedRip = rip;
        if (retries > MAX_RETRIES) return false;
        completed++;
        return true;
    }

    /** Up to {@code max} bytes at a linear address, page by page through KVM_TRANSLATE, from RAM only. */
    byte[] fetch(long linear, int max) {
        byte[] out = new byte[max];
        int n = 0;
        while (n < max) {
            long gpa = vcpu.translate(linear + n);
            if (gpa < 0) break;
            int inPage = (int) Math.min(max - n, PAGE - ((linear + n) & (PAGE - 1)));
            if (!memory.contains(gpa, inPage)) break;
            MemorySegment.copy(memory.slice(gpa, inPage), JAVA_BYTE, 0, out, n, inPage);
            n += inPage;
        }
        return java.util.Arrays.copyOf(out, n);
    }

    private boolean injectBreakpoint(Arena arena) {
        // HOST-NOTES.md: RIP moves past the int3 (set by the caller), then #BP is injected as
        // the CPU delivers it: a trap whose saved RIP is the next instruction.
        MemorySegment events = arena.allocate(KvmVcpuEvents.SIZE, 8);
        vcpu.getVcpuEvents(events);
        events.set(JAVA_BYTE, KvmVcpuEvents.EXCEPTION_INJECTED, (byte) 1);
        events.set(JAVA_BYTE, KvmVcpuEvents.EXCEPTION_NR, (byte) KvmVcpuEvents.BP_VECTOR);
        events.set(JAVA_BYTE, KvmVcpuEvents.EXCEPTION_HAS_ERROR_CODE, (byte) 0);
        events.set(JAVA_BYTE, KvmVcpuEvents.EXCEPTION_PENDING, (byte) 0);
        events.set(JAVA_INT, KvmVcpuEvents.EXCEPTION_ERROR_CODE, 0);
        vcpu.setVcpuEvents(events);
        return true;
    }

    private long operandAddress(MemoryOperand op, MemorySegment regs, MemorySegment sregs, long rip, int length) {
        long[] gprs = new long[16];
        for (int i = 0; i < 16; i++) gprs[i] = KvmRegs.get(regs, i * 8L);
        long linear = op.linearAddress(gprs, rip, length, KvmSregs.segmentBase(sregs, KvmSregs.FS),
                KvmSregs.segmentBase(sregs, KvmSregs.GS));
        if ((linear & (PAGE - 1)) > PAGE - 4) return -1; // an operand split across pages: not worth it
        long gpa = vcpu.translate(linear);
        return gpa >= 0 && memory.contains(gpa, 4) ? gpa : -1;
    }

    private boolean loadMxcsr(Arena arena, long gpa) {
        if (gpa < 0) return false;
        long value = Integer.toUnsignedLong(memory.readInt(gpa));
        if ((value & MXCSR_RESERVED) != 0) return false; // #GP on a real CPU: let the failure stand
        MemorySegment xsave = arena.allocate(KvmXsave.SIZE, KvmXsave.ALIGNMENT);
        vcpu.getXsave(xsave);
        xsave.set(JAVA_INT, KvmXsave.MXCSR, (int) value);
        vcpu.setXsave(xsave);
        return true;
    }

    private boolean storeMxcsr(Arena arena, long gpa) {
        if (gpa < 0) return false;
        MemorySegment xsave = arena.allocate(KvmXsave.SIZE, KvmXsave.ALIGNMENT);
        vcpu.getXsave(xsave);
        memory.writeInt(gpa, xsave.get(JAVA_INT, KvmXsave.MXCSR));
        return true;
    }
}
