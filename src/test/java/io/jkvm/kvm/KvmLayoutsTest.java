package io.jkvm.kvm;

import io.jkvm.sys.Errno;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pins jkvm's struct layouts and ioctl numbers to the kernel's. Every expected value below was
 * printed by a C program built against {@code <linux/kvm.h>} (x86-64), e.g.
 * {@code printf("%zx", offsetof(struct kvm_run, mmio.len))}: a layout that drifts from the
 * header fails here instead of corrupting a vCPU.
 */
class KvmLayoutsTest {

    @Test
    void structSizesMatchTheKernelHeader() {
        assertEquals(144, KvmRegs.SIZE, "sizeof(struct kvm_regs)");
        assertEquals(312, KvmSregs.SIZE, "sizeof(struct kvm_sregs)");
        assertEquals(24, KvmSregs.SEGMENT.byteSize(), "sizeof(struct kvm_segment)");
        assertEquals(16, KvmSregs.DTABLE.byteSize(), "sizeof(struct kvm_dtable)");
        assertEquals(32, KvmUserspaceMemoryRegion.SIZE, "sizeof(struct kvm_userspace_memory_region)");
        assertEquals(24, KvmTranslation.SIZE, "sizeof(struct kvm_translation)");
        assertEquals(40, KvmCpuid2.ENTRY_SIZE, "sizeof(struct kvm_cpuid_entry2)");
        assertEquals(8, KvmCpuid2.HEADER_SIZE, "sizeof(struct kvm_cpuid2)");
        assertEquals(0x930, KvmRun.SIZE, "sizeof(struct kvm_run)");
        assertEquals(32, KvmMsi.SIZE, "sizeof(struct kvm_msi)");
    }

    @Test
    void kvmMsiOffsetsIoctlAndCapability() {
        assertEquals(0, KvmMsi.ADDRESS_LO);
        assertEquals(4, KvmMsi.ADDRESS_HI);
        assertEquals(8, KvmMsi.DATA);
        assertEquals(12, KvmMsi.FLAGS);
        assertEquals(16, KvmMsi.DEVID);
        assertEquals(0x4020AEA5L, KvmIoctls.KVM_SIGNAL_MSI, "_IOW(KVMIO, 0xa5, struct kvm_msi)");
        assertEquals(77, KvmCap.KVM_CAP_SIGNAL_MSI.number());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment msi = arena.allocate(KvmMsi.LAYOUT);
            msi.fill((byte) 0x55);
            KvmMsi.fill(msi, 0x1_fee0_3000L, 0x4041);
            assertEquals(0xfee0_3000, msi.get(JAVA_INT, 0));
            assertEquals(1, msi.get(JAVA_INT, 4));
            assertEquals(0x4041, msi.get(JAVA_INT, 8));
            assertEquals(0, msi.get(JAVA_INT, 12), "flags");
            assertEquals(0, msi.get(JAVA_INT, 16), "devid");
        }
    }

    @Test
    void kvmSregsOffsets() {
        long[] segments = {KvmSregs.CS, KvmSregs.DS, KvmSregs.ES, KvmSregs.FS, KvmSregs.GS, KvmSregs.SS,
            KvmSregs.TR, KvmSregs.LDT};
        for (int i = 0; i < segments.length; i++) assertEquals(24L * i, segments[i], "segment " + i);
        assertEquals(192, KvmSregs.GDT);
        assertEquals(208, KvmSregs.IDT);
        assertEquals(224, KvmSregs.CR0);
        assertEquals(232, KvmSregs.CR2);
        assertEquals(240, KvmSregs.CR3);
        assertEquals(248, KvmSregs.CR4);
        assertEquals(264, KvmSregs.EFER);
        assertEquals(272, KvmSregs.APIC_BASE);
    }

    @Test
    void kvmSegmentAndDtableOffsets() {
        assertEquals(0, KvmSregs.SEG_BASE);
        assertEquals(8, KvmSregs.SEG_LIMIT);
        assertEquals(12, KvmSregs.SEG_SELECTOR);
        assertEquals(14, KvmSregs.SEG_TYPE);
        assertEquals(15, KvmSregs.SEG_PRESENT);
        assertEquals(16, KvmSregs.SEG_DPL);
        assertEquals(17, KvmSregs.SEG_DB);
        assertEquals(18, KvmSregs.SEG_S);
        assertEquals(19, KvmSregs.SEG_L);
        assertEquals(20, KvmSregs.SEG_G);
        assertEquals(21, KvmSregs.SEG_AVL);
        assertEquals(22, KvmSregs.SEG_UNUSABLE);
        assertEquals(0, KvmSregs.DT_BASE);
        assertEquals(8, KvmSregs.DT_LIMIT);
    }

    @Test
    void kvmRunOffsets() {
        assertEquals(1, KvmRun.IMMEDIATE_EXIT);
        assertEquals(8, KvmRun.EXIT_REASON);
        assertEquals(32, KvmRun.UNION);
        assertEquals(32, KvmRun.IO_DIRECTION);
        assertEquals(33, KvmRun.IO_SIZE);
        assertEquals(34, KvmRun.IO_PORT);
        assertEquals(36, KvmRun.IO_COUNT);
        assertEquals(40, KvmRun.IO_DATA_OFFSET);
        assertEquals(32, KvmRun.MMIO_PHYS_ADDR);
        assertEquals(40, KvmRun.MMIO_DATA);
        assertEquals(48, KvmRun.MMIO_LEN);
        assertEquals(52, KvmRun.MMIO_IS_WRITE);
        assertEquals(32, KvmRun.HW_EXIT_REASON);
        assertEquals(32, KvmRun.FAIL_ENTRY_REASON);
        assertEquals(40, KvmRun.FAIL_ENTRY_CPU);
        assertEquals(32, KvmRun.DEBUG_EXCEPTION);
        assertEquals(40, KvmRun.DEBUG_PC);
        assertEquals(48, KvmRun.DEBUG_DR6);
        assertEquals(56, KvmRun.DEBUG_DR7);
        assertEquals(32, KvmRun.INTERNAL_SUBERROR);
        assertEquals(36, KvmRun.INTERNAL_NDATA);
        assertEquals(40, KvmRun.INTERNAL_DATA);
        assertEquals(32, KvmRun.SYSTEM_EVENT_TYPE);
        assertEquals(36, KvmRun.SYSTEM_EVENT_NDATA);
        assertEquals(40, KvmRun.SYSTEM_EVENT_DATA);
    }

    @Test
    void otherStructOffsets() {
        assertEquals(0, KvmUserspaceMemoryRegion.SLOT);
        assertEquals(4, KvmUserspaceMemoryRegion.FLAGS);
        assertEquals(8, KvmUserspaceMemoryRegion.GUEST_PHYS_ADDR);
        assertEquals(16, KvmUserspaceMemoryRegion.MEMORY_SIZE);
        assertEquals(24, KvmUserspaceMemoryRegion.USERSPACE_ADDR);
        assertEquals(0, KvmTranslation.LINEAR_ADDRESS);
        assertEquals(8, KvmTranslation.PHYSICAL_ADDRESS);
        assertEquals(16, KvmTranslation.VALID);
        assertEquals(0, KvmCpuid2.FUNCTION);
        assertEquals(4, KvmCpuid2.INDEX);
        assertEquals(8, KvmCpuid2.FLAGS);
        assertEquals(12, KvmCpuid2.EAX);
        assertEquals(16, KvmCpuid2.EBX);
        assertEquals(20, KvmCpuid2.ECX);
        assertEquals(24, KvmCpuid2.EDX);
    }

    @Test
    void ioctlNumbersMatchTheKernelHeader() {
        assertEquals(0xae00L, KvmIoctls.KVM_GET_API_VERSION);
        assertEquals(0xae01L, KvmIoctls.KVM_CREATE_VM);
        assertEquals(0xae03L, KvmIoctls.KVM_CHECK_EXTENSION);
        assertEquals(0xae04L, KvmIoctls.KVM_GET_VCPU_MMAP_SIZE);
        assertEquals(0xc008ae05L, KvmIoctls.KVM_GET_SUPPORTED_CPUID);
        assertEquals(0x4020ae46L, KvmIoctls.KVM_SET_USER_MEMORY_REGION);
        assertEquals(0xae47L, KvmIoctls.KVM_SET_TSS_ADDR);
        assertEquals(0x4008ae48L, KvmIoctls.KVM_SET_IDENTITY_MAP_ADDR);
        assertEquals(0xae41L, KvmIoctls.KVM_CREATE_VCPU);
        assertEquals(0xae60L, KvmIoctls.KVM_CREATE_IRQCHIP);
        assertEquals(0x4008ae61L, KvmIoctls.KVM_IRQ_LINE);
        assertEquals(0x4040ae77L, KvmIoctls.KVM_CREATE_PIT2);
        assertEquals(0xae71L, KvmIoctls.KVM_REINJECT_CONTROL);
        assertEquals(0xc008ae88L, KvmIoctls.KVM_GET_MSRS);
        assertEquals(0x4008ae89L, KvmIoctls.KVM_SET_MSRS);
        assertEquals(0x81a0ae8cL, KvmIoctls.KVM_GET_FPU);
        assertEquals(0x41a0ae8dL, KvmIoctls.KVM_SET_FPU);
        assertEquals(0x8188aea6L, KvmIoctls.KVM_GET_XCRS);
        assertEquals(0x4188aea7L, KvmIoctls.KVM_SET_XCRS);
        assertEquals(0x9000aea4L, KvmIoctls.KVM_GET_XSAVE);
        assertEquals(0x5000aea5L, KvmIoctls.KVM_SET_XSAVE);
        assertEquals(0xae80L, KvmIoctls.KVM_RUN);
        assertEquals(0x8090ae81L, KvmIoctls.KVM_GET_REGS);
        assertEquals(0x4090ae82L, KvmIoctls.KVM_SET_REGS);
        assertEquals(0x8138ae83L, KvmIoctls.KVM_GET_SREGS);
        assertEquals(0x4138ae84L, KvmIoctls.KVM_SET_SREGS);
        assertEquals(0xc018ae85L, KvmIoctls.KVM_TRANSLATE);
        assertEquals(0x4004ae8bL, KvmIoctls.KVM_SET_SIGNAL_MASK);
        assertEquals(0x4008ae90L, KvmIoctls.KVM_SET_CPUID2);
        assertEquals(0x8004ae98L, KvmIoctls.KVM_GET_MP_STATE);
        assertEquals(0x4004ae99L, KvmIoctls.KVM_SET_MP_STATE);
        assertEquals(0x4048ae9bL, KvmIoctls.KVM_SET_GUEST_DEBUG);
        assertEquals(0x8040ae9fL, KvmIoctls.KVM_GET_VCPU_EVENTS);
        assertEquals(0x4040aea0L, KvmIoctls.KVM_SET_VCPU_EVENTS);
        assertEquals(0xc208ae62L, KvmIoctls.KVM_GET_IRQCHIP);
        assertEquals(0x8208ae63L, KvmIoctls.KVM_SET_IRQCHIP);
        assertEquals(0x8070ae9fL, KvmIoctls.KVM_GET_PIT2);
        assertEquals(0x4070aea0L, KvmIoctls.KVM_SET_PIT2);
        assertEquals(0x8400ae8eL, KvmIoctls.KVM_GET_LAPIC);
        assertEquals(0x4400ae8fL, KvmIoctls.KVM_SET_LAPIC);
    }

    @Test
    void irqchipPitAndLapicStructs() {
        assertEquals(520, KvmIrqchip.SIZE, "sizeof(struct kvm_irqchip)");
        assertEquals(0, KvmIrqchip.CHIP_ID);
        assertEquals(8, KvmIrqchip.CHIP, "offsetof(struct kvm_irqchip, chip)");
        assertEquals(16, KvmIrqchip.PIC_STATE.byteSize(), "sizeof(struct kvm_pic_state)");
        assertEquals(1, KvmIrqchip.PIC_IRR);
        assertEquals(2, KvmIrqchip.PIC_IMR);
        assertEquals(3, KvmIrqchip.PIC_ISR);
        assertEquals(5, KvmIrqchip.PIC_IRQ_BASE);
        assertEquals(14, KvmIrqchip.PIC_ELCR);
        assertEquals(216, KvmIrqchip.IOAPIC_STATE.byteSize(), "sizeof(struct kvm_ioapic_state)");
        assertEquals(0, KvmIrqchip.IOAPIC_BASE_ADDRESS);
        assertEquals(12, KvmIrqchip.IOAPIC_ID);
        assertEquals(16, KvmIrqchip.IOAPIC_IRR);
        assertEquals(24, KvmIrqchip.IOAPIC_REDIRTBL);
        assertEquals(0, KvmIrqchip.KVM_IRQCHIP_PIC_MASTER);
        assertEquals(1, KvmIrqchip.KVM_IRQCHIP_PIC_SLAVE);
        assertEquals(2, KvmIrqchip.KVM_IRQCHIP_IOAPIC);

        assertEquals(112, KvmPitState2.SIZE, "sizeof(struct kvm_pit_state2)");
        assertEquals(24, KvmPitState2.CHANNEL_SIZE, "sizeof(struct kvm_pit_channel_state)");
        assertEquals(72, KvmPitState2.FLAGS);
        assertEquals(0, KvmPitState2.COUNT);
        assertEquals(12, KvmPitState2.RW_MODE);
        assertEquals(13, KvmPitState2.MODE);
        assertEquals(15, KvmPitState2.GATE);
        assertEquals(16, KvmPitState2.COUNT_LOAD_TIME);

        assertEquals(1024, KvmLapicState.SIZE, "sizeof(struct kvm_lapic_state)");
    }

    @Test
    void kvmRegsOffsetOfNames() {
        assertEquals(0, KvmRegs.offsetOf("rax"));
        assertEquals(8, KvmRegs.offsetOf("rbx"));
        assertEquals(40, KvmRegs.offsetOf("rdi"));
        assertEquals(64, KvmRegs.offsetOf("r8"));
        assertEquals(120, KvmRegs.offsetOf("r15"));
        assertEquals(128, KvmRegs.offsetOf("rip"));
        assertEquals(136, KvmRegs.offsetOf("rflags"));
        assertEquals(128, KvmRegs.offsetOf("RIP"), "names are case-insensitive");
        assertEquals(-1, KvmRegs.offsetOf("eax"));
        assertEquals(-1, KvmRegs.offsetOf(""));
        assertEquals(128, KvmRegs.RIP);
        assertEquals(136, KvmRegs.RFLAGS);
        assertEquals(18, KvmRegs.NAMES.size());
    }

    @Test
    void kvmRunReadsExitFieldsAtTheKernelOffsets() {
        MemorySegment raw = Arena.ofAuto().allocate(KvmRun.SIZE, 8);
        KvmRun run = new KvmRun(raw);

        raw.set(JAVA_INT, 8, KvmExitReason.KVM_EXIT_IO);
        raw.set(JAVA_BYTE, 32, (byte) KvmExitReason.KVM_EXIT_IO_OUT);
        raw.set(JAVA_BYTE, 33, (byte) 4);
        raw.set(JAVA_SHORT, 34, (short) 0xfff0); // above 0x7fff: must read back unsigned
        raw.set(JAVA_INT, 36, 3);
        raw.set(JAVA_LONG, 40, 0x1000);
        assertEquals(KvmExitReason.KVM_EXIT_IO, run.exitReason());
        assertEquals(KvmExitReason.KVM_EXIT_IO_OUT, run.ioDirection());
        assertEquals(4, run.ioSize());
        assertEquals(0xfff0, run.ioPort());
        assertEquals(3, run.ioCount());
        assertEquals(0x1000, run.ioDataOffset());

        raw.set(JAVA_LONG, 32, 0xfee0_0030L);
        raw.set(JAVA_LONG, 40, 0x8877_6655_4433_2211L);
        raw.set(JAVA_INT, 48, 4);
        raw.set(JAVA_BYTE, 52, (byte) 1);
        assertEquals(0xfee0_0030L, run.mmioPhysAddr());
        assertEquals(4, run.mmioLen());
        assertTrue(run.mmioIsWrite());
        assertEquals(0x4433_2211L, run.mmioData(4));
        assertEquals(0x11L, run.mmioData(1));
        assertEquals(0x8877_6655_4433_2211L, run.mmioData(8));
        run.setMmioData(2, 0xabcd);
        assertEquals(0x8877_6655_4433_abcdL, raw.get(JAVA_LONG, 40), "setMmioData writes only len bytes");
        raw.set(JAVA_BYTE, 52, (byte) 0);
        assertFalse(run.mmioIsWrite());
    }

    @Test
    void kvmRunReadsFailureFields() {
        MemorySegment raw = Arena.ofAuto().allocate(KvmRun.SIZE, 8);
        KvmRun run = new KvmRun(raw);

        raw.set(JAVA_LONG, 32, 0x8000_0021L);
        raw.set(JAVA_INT, 40, 7);
        assertEquals(0x8000_0021L, run.failEntryReason());
        assertEquals(0x8000_0021L, run.hardwareExitReason());
        assertEquals(7, run.failEntryCpu());

        raw.set(JAVA_INT, 32, 3);
        raw.set(JAVA_LONG, 40, 0xffff_ffff_8100_0000L);
        raw.set(JAVA_LONG, 48, 0xffff0ff0L);
        raw.set(JAVA_LONG, 56, 0x400L);
        assertEquals(3, run.debugException());
        assertEquals(0xffff_ffff_8100_0000L, run.debugPc());
        assertEquals(0xffff0ff0L, run.debugDr6());
        assertEquals(0x400L, run.debugDr7());

        raw.set(JAVA_INT, 32, KvmExitReason.KVM_INTERNAL_ERROR_EMULATION);
        raw.set(JAVA_INT, 36, 2);
        raw.set(JAVA_LONG, 40, 0x11);
        raw.set(JAVA_LONG, 48, 0x22);
        assertEquals(1, run.internalSuberror());
        assertEquals(2, run.internalNdata());
        assertEquals(0x11, run.internalData(0));
        assertEquals(0x22, run.internalData(1));
        raw.set(JAVA_INT, 36, 1000);
        assertEquals(16, run.internalNdata(), "ndata is capped at the 16 slots of data[]");

        raw.set(JAVA_INT, 32, KvmExitReason.KVM_SYSTEM_EVENT_RESET);
        raw.set(JAVA_INT, 36, 1);
        raw.set(JAVA_LONG, 40, 0x99);
        assertEquals(2, run.systemEventType());
        assertEquals(1, run.systemEventNdata());
        assertEquals(0x99, run.systemEventData(0));
    }

    @Test
    void kvmRunImmediateExitIsByteOne() {
        MemorySegment raw = Arena.ofAuto().allocate(KvmRun.SIZE, 8);
        KvmRun run = new KvmRun(raw);
        assertFalse(run.immediateExit());
        run.setImmediateExit(true);
        assertEquals(1, raw.get(JAVA_BYTE, 1));
        assertEquals(0, raw.get(JAVA_BYTE, 0));
        assertEquals(0, raw.get(JAVA_BYTE, 2));
        assertTrue(run.immediateExit());
        run.setImmediateExit(false);
        assertEquals(0, raw.get(JAVA_BYTE, 1));
        assertFalse(run.immediateExit());
    }

    @Test
    void kvmRunLittleEndianHelpers() {
        // KVM puts port-I/O data one page into the mapping (data_offset 0x1000).
        MemorySegment raw = Arena.ofAuto().allocate(0x2000, 8);
        KvmRun run = new KvmRun(raw);
        run.writeLe(0x1001, 4, 0x1122_3344L); // unaligned on purpose: data_offset + i * size need not be aligned
        assertEquals((byte) 0x44, raw.get(JAVA_BYTE, 0x1001));
        assertEquals((byte) 0x11, raw.get(JAVA_BYTE, 0x1004));
        assertEquals(0x1122_3344L, run.readLe(0x1001, 4));
        assertEquals(0x3344L, run.readLe(0x1001, 2));
        assertEquals(0x44L, run.readLe(0x1001, 1));
        run.writeLe(0x1010, 8, 0xf0e0_d0c0_b0a0_9080L);
        assertEquals(0xf0e0_d0c0_b0a0_9080L, run.readLe(0x1010, 8));
        assertEquals(0xf0e0_d0c0L, run.readLe(0x1014, 4), "a 4-byte read is zero-extended");
        assertEquals(0xf0e0L, run.readLe(0x1016, 2), "a 2-byte read is zero-extended");
        assertEquals(0xf0L, run.readLe(0x1017, 1), "a 1-byte read is zero-extended");
        run.writeLe(0x1030, 3, 0xddaabbccL);
        assertEquals(0xaabbccL, run.readLe(0x1030, 3));
        assertEquals(0, raw.get(JAVA_BYTE, 0x1033), "a 3-byte write touches 3 bytes");
    }

    @Test
    void kvmRunRejectsASegmentSmallerThanTheStruct() {
        MemorySegment small = Arena.ofAuto().allocate(KvmRun.SIZE - 1);
        assertThrows(IllegalArgumentException.class, () -> new KvmRun(small));
    }

    @Test
    void exitReasonNumbersAndNames() {
        assertEquals(2, KvmExitReason.KVM_EXIT_IO);
        assertEquals(5, KvmExitReason.KVM_EXIT_HLT);
        assertEquals(6, KvmExitReason.KVM_EXIT_MMIO);
        assertEquals(8, KvmExitReason.KVM_EXIT_SHUTDOWN);
        assertEquals(9, KvmExitReason.KVM_EXIT_FAIL_ENTRY);
        assertEquals(10, KvmExitReason.KVM_EXIT_INTR);
        assertEquals(17, KvmExitReason.KVM_EXIT_INTERNAL_ERROR);
        assertEquals(24, KvmExitReason.KVM_EXIT_SYSTEM_EVENT);
        assertEquals(37, KvmExitReason.KVM_EXIT_NOTIFY);

        assertEquals("KVM_EXIT_UNKNOWN", KvmExitReason.name(0));
        assertEquals("KVM_EXIT_IO", KvmExitReason.name(2));
        assertEquals("KVM_EXIT_HLT", KvmExitReason.name(5));
        assertEquals("KVM_EXIT_MMIO", KvmExitReason.name(6));
        assertEquals("KVM_EXIT_SHUTDOWN", KvmExitReason.name(8));
        assertEquals("KVM_EXIT_INTERNAL_ERROR", KvmExitReason.name(17));
        assertEquals("KVM_EXIT_SYSTEM_EVENT", KvmExitReason.name(24));
        assertEquals("KVM_EXIT_99", KvmExitReason.name(99));
        assertEquals("KVM_INTERNAL_ERROR_EMULATION (instruction emulation failed)", KvmExitReason.internalErrorName(1));
        assertEquals("suberror 9", KvmExitReason.internalErrorName(9));
    }

    @Test
    void userspaceMemoryRegionFill() {
        MemorySegment s = Arena.ofAuto().allocate(KvmUserspaceMemoryRegion.LAYOUT);
        s.fill((byte) 0x5a);
        KvmUserspaceMemoryRegion.fill(s, 3, 0x1_0000_0000L, 0x4000_0000L, 0x7f00_0000_0000L);
        assertEquals(3, s.get(JAVA_INT, 0));
        assertEquals(0, s.get(JAVA_INT, 4), "flags cleared");
        assertEquals(0x1_0000_0000L, s.get(JAVA_LONG, 8));
        assertEquals(0x4000_0000L, s.get(JAVA_LONG, 16));
        assertEquals(0x7f00_0000_0000L, s.get(JAVA_LONG, 24));
    }

    @Test
    void cpuid2EntriesAreFortyBytesApart() {
        MemorySegment cpuid = Arena.ofAuto().allocate(KvmCpuid2.sizeFor(2), 8);
        assertEquals(88, cpuid.byteSize());
        KvmCpuid2.setCount(cpuid, 2);
        KvmCpuid2.set(cpuid, 1, KvmCpuid2.EBX, 0x1234);
        assertEquals(2, cpuid.get(JAVA_INT, 0));
        assertEquals(0x1234, cpuid.get(JAVA_INT, 8 + 40 + 16));
        assertEquals(0x1234, KvmCpuid2.get(cpuid, 1, KvmCpuid2.EBX));
        assertEquals(2, KvmCpuid2.count(cpuid));
    }

    @Test
    void segmentRoundTripsThroughKvmSregs() {
        MemorySegment sregs = Arena.ofAuto().allocate(KvmSregs.LAYOUT);
        KvmSregs.Segment seg = new KvmSregs.Segment(0x12345000L, 0xfffff, 0x2b, 0xb, true, 3, false, true, true, true);
        seg.writeTo(sregs, KvmSregs.SS);
        assertEquals(seg, KvmSregs.Segment.readFrom(sregs, KvmSregs.SS));
        assertEquals(0x2b, sregs.get(JAVA_SHORT, KvmSregs.SS + 12));
        assertEquals(0xb, sregs.get(JAVA_BYTE, KvmSregs.SS + 14));
        assertEquals(0, sregs.get(JAVA_BYTE, KvmSregs.SS + 22), "unusable cleared");
        assertEquals(0x12345000L, KvmSregs.segmentBase(sregs, KvmSregs.SS));
        assertEquals(0, KvmSregs.segmentBase(sregs, KvmSregs.CS), "neighbours untouched");

        KvmSregs.setTable(sregs, KvmSregs.GDT, 0x500, 0x2f);
        assertEquals(0x500, sregs.get(JAVA_LONG, 192));
        assertEquals(0x2f, sregs.get(JAVA_SHORT, 200));
    }

    @Test
    void openFailureMessagesSayHowToFixTheHost() {
        String enoent = Kvm.openFailure("/dev/kvm", Errno.ENOENT);
        assertTrue(enoent.startsWith("/dev/kvm does not exist"), enoent);
        assertTrue(enoent.contains("kvm_intel or kvm_amd"), enoent);

        String eacces = Kvm.openFailure("/dev/kvm", Errno.EACCES);
        assertTrue(eacces.startsWith("permission denied opening /dev/kvm"), eacces);
        assertTrue(eacces.contains("'kvm' group"), eacces);
        assertTrue(eacces.contains("usermod -aG kvm"), eacces);
        assertEquals(eacces, Kvm.openFailure("/dev/kvm", Errno.EPERM));

        String enxio = Kvm.openFailure("/dev/kvm", Errno.ENXIO);
        assertEquals("/dev/kvm has no driver behind it: load the kvm_intel or kvm_amd module", enxio);
        assertTrue(Kvm.openFailure("/tmp/other", Errno.ENOENT).startsWith("/tmp/other does not exist"),
                "names the device it was given");
    }
}
