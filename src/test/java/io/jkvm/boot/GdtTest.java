package io.jkvm.boot;

import io.jkvm.kvm.KvmSregs;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class GdtTest {

    @Test
    void descriptorsAreTheTextbookFlatSegments() {
        assertArrayEquals(new long[] {
            0L,
            0x00cf9a000000ffffL,  // 0x08 code32
            0x00cf92000000ffffL,  // 0x10 data
            0x00af9a000000ffffL,  // 0x18 code64
            0x00cff2000000ffffL,  // 0x20 user data
            0x00affa000000ffffL,  // 0x28 user code64
        }, Gdt.ENTRIES);
        assertEquals(0x2f, Gdt.LIMIT);
    }

    @Test
    void descriptorPacksBaseAndLimit() {
        // base 0x12345678, limit 0xabcde, data, DPL 0, byte granular
        assertEquals(0x120a_9234_5678_bcdeL, Gdt.descriptor(0x1234_5678L, 0xabcde, 0x2, 0, false, false, false));
    }

    @Test
    void code64SegmentAsLoaded() {
        KvmSregs.Segment cs = Gdt.segment(Gdt.CODE64);
        assertEquals(new KvmSregs.Segment(0, 0xffff_ffff, 0x18, 0xb, true, 0, false, true, true, true), cs);
    }

    @Test
    void code32AndDataSegmentsAsLoaded() {
        assertEquals(new KvmSregs.Segment(0, 0xffff_ffff, 0x08, 0xb, true, 0, true, true, false, true),
                Gdt.segment(Gdt.CODE32));
        assertEquals(new KvmSregs.Segment(0, 0xffff_ffff, 0x10, 0x3, true, 0, true, true, false, true),
                Gdt.segment(Gdt.DATA));
    }

    @Test
    void userSelectorsCarryRpl3() {
        KvmSregs.Segment ss = Gdt.segment(Gdt.USER_DATA);
        KvmSregs.Segment cs = Gdt.segment(Gdt.USER_CODE64);
        assertEquals(0x23, ss.selector());
        assertEquals(3, ss.dpl());
        assertEquals(0x2b, cs.selector());
        assertEquals(3, cs.dpl());
        assertEquals(true, cs.l());
        assertEquals(0xb, cs.type());
    }
}
