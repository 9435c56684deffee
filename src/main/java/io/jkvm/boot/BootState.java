package io.jkvm.boot;

import io.jkvm.kvm.KvmRegs;
import io.jkvm.kvm.KvmSregs;
import io.jkvm.memory.GuestMemory;

import java.lang.foreign.MemorySegment;

/**
 * Writes jkvm's boot structures into guest memory and sets a vCPU's registers for the chosen
 * mode, as firmware or a boot loader would have left them.
 */
public final class BootState {
    // Intel SDM vol. 3A, 2.5 "Control Registers", and 2.2.1 "Extended Feature Enable Register"
    static final long CR0_PE = 1;
    static final long CR0_ET = 1 << 4;
    static final long CR0_PG = 1L << 31;
    static final long CR4_PAE = 1 << 5;
    static final long EFER_LME = 1 << 8;
    static final long EFER_LMA = 1 << 10;
    /** RFLAGS bit 1 is reserved and always 1. */
    public static final long RFLAGS_DEFAULT = 0x2;

    private BootState() {}

    /** GDT (protected, long) and page tables (long) into guest memory. */
    public static void writeTables(GuestMemory memory, CpuMode mode) {
        if (mode == CpuMode.REAL) return;
        for (int i = 0; i < Gdt.ENTRIES.length; i++) memory.writeLong(Layout.GDT_ADDR + 8L * i, Gdt.ENTRIES[i]);
        if (mode == CpuMode.LONG) PageTables.write(memory);
    }

    /** Sets segments, descriptor tables and control registers in {@code sregs} (read from KVM first). */
    public static void setSregs(MemorySegment sregs, CpuMode mode, EntryPoint entry) {
        switch (mode) {
            case REAL -> {
                int cs = entry.realModeSegment();
                realSegment(sregs, KvmSregs.CS, cs, 0xb);
                for (long seg : new long[] {KvmSregs.DS, KvmSregs.ES, KvmSregs.FS, KvmSregs.GS, KvmSregs.SS}) {
                    realSegment(sregs, seg, 0, 0x3);
                }
            }
            case PROTECTED, LONG -> {
                int code = mode == CpuMode.LONG ? Gdt.CODE64 : Gdt.CODE32;
                Gdt.segment(code).writeTo(sregs, KvmSregs.CS);
                KvmSregs.Segment data = Gdt.segment(Gdt.DATA);
                for (long seg : new long[] {KvmSregs.DS, KvmSregs.ES, KvmSregs.FS, KvmSregs.GS, KvmSregs.SS}) {
                    data.writeTo(sregs, seg);
                }
                KvmSregs.setTable(sregs, KvmSregs.GDT, Layout.GDT_ADDR, Gdt.LIMIT);
                KvmSregs.setTable(sregs, KvmSregs.IDT, 0, 0);
                // Explicit, not KVM's reset value: that has CD and NW set (caches off, SDM 3A 9.1.1).
                long cr0 = CR0_PE | CR0_ET;
                if (mode == CpuMode.LONG) {
                    KvmSregs.set(sregs, KvmSregs.CR3, Layout.PML4_ADDR);
                    KvmSregs.set(sregs, KvmSregs.CR4, KvmSregs.get(sregs, KvmSregs.CR4) | CR4_PAE);
                    KvmSregs.set(sregs, KvmSregs.EFER, KvmSregs.get(sregs, KvmSregs.EFER) | EFER_LME | EFER_LMA);
                    cr0 |= CR0_PG;
                }
                KvmSregs.set(sregs, KvmSregs.CR0, cr0);
            }
        }
    }

    private static void realSegment(MemorySegment sregs, long at, int selector, int type) {
        new KvmSregs.Segment((long) selector << 4, 0xffff, selector, type, true, 0, false, true, false, false)
                .writeTo(sregs, at);
    }

    /** RIP (IP in real mode) and RFLAGS; the caller adds user registers afterwards. */
    public static void setRegs(MemorySegment regs, CpuMode mode, EntryPoint entry) {
        KvmRegs.set(regs, KvmRegs.RIP, mode == CpuMode.REAL ? entry.realModeOffset() : entry.address());
        KvmRegs.set(regs, KvmRegs.RFLAGS, RFLAGS_DEFAULT);
    }
}
