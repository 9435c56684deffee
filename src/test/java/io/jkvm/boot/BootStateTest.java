package io.jkvm.boot;

import io.jkvm.kvm.KvmRegs;
import io.jkvm.kvm.KvmSregs;
import io.jkvm.memory.GuestMemory;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;

class BootStateTest {
    /** KVM's CR0 after reset (ET, NW, CD), SDM 3A table 9-1: setSregs must not keep NW and CD. */
    private static final long CR0_RESET = 0x6000_0010L;

    /** A kvm_sregs as KVM_GET_SREGS hands it over at reset, as far as setSregs reads it. */
    private static MemorySegment resetSregs() {
        MemorySegment sregs = Arena.ofAuto().allocate(KvmSregs.LAYOUT);
        KvmSregs.set(sregs, KvmSregs.CR0, CR0_RESET);
        KvmSregs.set(sregs, KvmSregs.APIC_BASE, 0xfee0_0900L);
        return sregs;
    }

    private static KvmSregs.Segment seg(MemorySegment sregs, long at) {
        return KvmSregs.Segment.readFrom(sregs, at);
    }

    @Test
    void longMode() {
        MemorySegment sregs = resetSregs();
        BootState.setSregs(sregs, CpuMode.LONG, EntryPoint.linear(0x100000));

        KvmSregs.Segment cs = seg(sregs, KvmSregs.CS);
        assertEquals(0x18, cs.selector());
        assertEquals(0, cs.base());
        assertEquals(true, cs.l());
        assertEquals(false, cs.db());
        assertEquals(new KvmSregs.Segment(0, 0xffff_ffff, 0x10, 0x3, true, 0, true, true, false, true),
                seg(sregs, KvmSregs.SS));
        assertEquals(0x8000_0011L, KvmSregs.get(sregs, KvmSregs.CR0));
        assertEquals(0x9000L, KvmSregs.get(sregs, KvmSregs.CR3));
        assertEquals(0x20L, KvmSregs.get(sregs, KvmSregs.CR4));
        assertEquals(0x500L, KvmSregs.get(sregs, KvmSregs.EFER));
        assertEquals(0xfee0_0900L, KvmSregs.get(sregs, KvmSregs.APIC_BASE), "untouched");
        assertEquals(0x500L, sregs.get(JAVA_LONG, KvmSregs.GDT));
        assertEquals((short) 0x2f, sregs.get(JAVA_SHORT, KvmSregs.GDT + 8));
        assertEquals(0L, sregs.get(JAVA_LONG, KvmSregs.IDT));
        assertEquals((short) 0, sregs.get(JAVA_SHORT, KvmSregs.IDT + 8));
    }

    @Test
    void longModeKeepsOtherCr4AndEferBits() {
        MemorySegment sregs = resetSregs();
        KvmSregs.set(sregs, KvmSregs.CR4, 0x200);  // OSFXSR
        KvmSregs.set(sregs, KvmSregs.EFER, 0x1);   // SCE
        BootState.setSregs(sregs, CpuMode.LONG, EntryPoint.linear(0x100000));
        assertEquals(0x220L, KvmSregs.get(sregs, KvmSregs.CR4));
        assertEquals(0x501L, KvmSregs.get(sregs, KvmSregs.EFER));
    }

    @Test
    void protectedMode() {
        MemorySegment sregs = resetSregs();
        BootState.setSregs(sregs, CpuMode.PROTECTED, EntryPoint.linear(0x100000));

        KvmSregs.Segment cs = seg(sregs, KvmSregs.CS);
        assertEquals(0x08, cs.selector());
        assertEquals(0, cs.base());
        assertEquals(false, cs.l());
        assertEquals(true, cs.db());
        assertEquals(0x10, seg(sregs, KvmSregs.DS).selector());
        assertEquals(0x10, seg(sregs, KvmSregs.GS).selector());
        assertEquals(0x11L, KvmSregs.get(sregs, KvmSregs.CR0));
        assertEquals(0L, KvmSregs.get(sregs, KvmSregs.CR3));
        assertEquals(0L, KvmSregs.get(sregs, KvmSregs.CR4), "no PAE without paging");
        assertEquals(0L, KvmSregs.get(sregs, KvmSregs.EFER));
        assertEquals(0x500L, sregs.get(JAVA_LONG, KvmSregs.GDT));
        assertEquals((short) 0x2f, sregs.get(JAVA_SHORT, KvmSregs.GDT + 8));
    }

    @Test
    void realModeSegmentsFromTheEntry() {
        MemorySegment sregs = resetSregs();
        BootState.setSregs(sregs, CpuMode.REAL, EntryPoint.realMode(0x1000, 0x10));

        assertEquals(new KvmSregs.Segment(0x10000, 0xffff, 0x1000, 0xb, true, 0, false, true, false, false),
                seg(sregs, KvmSregs.CS));
        for (long at : new long[] {KvmSregs.DS, KvmSregs.ES, KvmSregs.FS, KvmSregs.GS, KvmSregs.SS}) {
            assertEquals(new KvmSregs.Segment(0, 0xffff, 0, 0x3, true, 0, false, true, false, false), seg(sregs, at));
        }
        assertEquals(CR0_RESET, KvmSregs.get(sregs, KvmSregs.CR0), "real mode leaves CR0 as KVM reset it");
        assertEquals(0L, sregs.get(JAVA_LONG, KvmSregs.GDT));
    }

    @Test
    void realModeLinearEntry() {
        MemorySegment sregs = resetSregs();
        BootState.setSregs(sregs, CpuMode.REAL, EntryPoint.linear(0x12345));
        KvmSregs.Segment cs = seg(sregs, KvmSregs.CS);
        assertEquals(0x1000, cs.selector());
        assertEquals(0x10000, cs.base());
    }

    @Test
    void regsHoldTheEntryAndReservedFlag() {
        MemorySegment regs = Arena.ofAuto().allocate(KvmRegs.LAYOUT);
        BootState.setRegs(regs, CpuMode.REAL, EntryPoint.realMode(0x1000, 0x10));
        assertEquals(0x10L, KvmRegs.get(regs, KvmRegs.RIP));
        assertEquals(0x2L, KvmRegs.get(regs, KvmRegs.RFLAGS));

        BootState.setRegs(regs, CpuMode.LONG, EntryPoint.linear(0x100000));
        assertEquals(0x100000L, KvmRegs.get(regs, KvmRegs.RIP));
        assertEquals(0x2L, KvmRegs.get(regs, KvmRegs.RFLAGS));
    }

    @Test
    void writeTablesPutsTheGdtAndPageTablesInRam() {
        try (GuestMemory memory = GuestMemory.allocate(List.of(new GuestMemory.Range(0, 0x10000)))) {
            BootState.writeTables(memory, CpuMode.REAL);
            assertEquals(0L, memory.readLong(0x508), "real mode writes nothing");
            assertEquals(0L, memory.readLong(0x9000));

            BootState.writeTables(memory, CpuMode.PROTECTED);
            assertEquals(0x00cf9a000000ffffL, memory.readLong(0x508));
            assertEquals(0x00affa000000ffffL, memory.readLong(0x528));
            assertEquals(0L, memory.readLong(0x9000), "no page tables in protected mode");

            BootState.writeTables(memory, CpuMode.LONG);
            assertEquals(0xA007L, memory.readLong(0x9000));
        }
    }
}
