package io.jkvm.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct kvm_sregs} (arch/x86/include/uapi/asm/kvm.h), 312 bytes: segment registers,
 * descriptor tables, control registers, EFER, APIC base and the pending-interrupt bitmap.
 *
 * <pre>
 *   0 cs ds es fs gs ss tr ldt   8 x struct kvm_segment (24 bytes each)
 * 192 gdt idt                    2 x struct kvm_dtable  (16 bytes each)
 * 224 cr0 cr2 cr3 cr4 cr8 efer apic_base   7 x u64
 * 280 interrupt_bitmap[4]        u64
 * </pre>
 */
public final class KvmSregs {
    /** struct kvm_segment: base, limit, selector, then one byte per attribute. */
    public static final StructLayout SEGMENT = MemoryLayout.structLayout(
            JAVA_LONG.withName("base"), JAVA_INT.withName("limit"), JAVA_SHORT.withName("selector"),
            JAVA_BYTE.withName("type"), JAVA_BYTE.withName("present"), JAVA_BYTE.withName("dpl"),
            JAVA_BYTE.withName("db"), JAVA_BYTE.withName("s"), JAVA_BYTE.withName("l"),
            JAVA_BYTE.withName("g"), JAVA_BYTE.withName("avl"), JAVA_BYTE.withName("unusable"),
            JAVA_BYTE.withName("padding")).withName("kvm_segment");
    /** struct kvm_dtable: base, limit, 3 x u16 padding. */
    public static final StructLayout DTABLE = MemoryLayout.structLayout(
            JAVA_LONG.withName("base"), JAVA_SHORT.withName("limit"),
            MemoryLayout.paddingLayout(6)).withName("kvm_dtable");

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            SEGMENT.withName("cs"), SEGMENT.withName("ds"), SEGMENT.withName("es"), SEGMENT.withName("fs"),
            SEGMENT.withName("gs"), SEGMENT.withName("ss"), SEGMENT.withName("tr"), SEGMENT.withName("ldt"),
            DTABLE.withName("gdt"), DTABLE.withName("idt"),
            JAVA_LONG.withName("cr0"), JAVA_LONG.withName("cr2"), JAVA_LONG.withName("cr3"),
            JAVA_LONG.withName("cr4"), JAVA_LONG.withName("cr8"), JAVA_LONG.withName("efer"),
            JAVA_LONG.withName("apic_base"),
            MemoryLayout.sequenceLayout(4, JAVA_LONG).withName("interrupt_bitmap")).withName("kvm_sregs");
    public static final long SIZE = LAYOUT.byteSize();

    public static final long CS = offset("cs");
    public static final long DS = offset("ds");
    public static final long ES = offset("es");
    public static final long FS = offset("fs");
    public static final long GS = offset("gs");
    public static final long SS = offset("ss");
    public static final long TR = offset("tr");
    public static final long LDT = offset("ldt");
    public static final long GDT = offset("gdt");
    public static final long IDT = offset("idt");
    public static final long CR0 = offset("cr0");
    public static final long CR2 = offset("cr2");
    public static final long CR3 = offset("cr3");
    public static final long CR4 = offset("cr4");
    public static final long EFER = offset("efer");
    public static final long APIC_BASE = offset("apic_base");

    static final long SEG_BASE = SEGMENT.byteOffset(groupElement("base"));
    static final long SEG_LIMIT = SEGMENT.byteOffset(groupElement("limit"));
    static final long SEG_SELECTOR = SEGMENT.byteOffset(groupElement("selector"));
    static final long SEG_TYPE = SEGMENT.byteOffset(groupElement("type"));
    static final long SEG_PRESENT = SEGMENT.byteOffset(groupElement("present"));
    static final long SEG_DPL = SEGMENT.byteOffset(groupElement("dpl"));
    static final long SEG_DB = SEGMENT.byteOffset(groupElement("db"));
    static final long SEG_S = SEGMENT.byteOffset(groupElement("s"));
    static final long SEG_L = SEGMENT.byteOffset(groupElement("l"));
    static final long SEG_G = SEGMENT.byteOffset(groupElement("g"));
    static final long SEG_AVL = SEGMENT.byteOffset(groupElement("avl"));
    static final long SEG_UNUSABLE = SEGMENT.byteOffset(groupElement("unusable"));
    static final long DT_BASE = DTABLE.byteOffset(groupElement("base"));
    static final long DT_LIMIT = DTABLE.byteOffset(groupElement("limit"));

    private KvmSregs() {}

    private static long offset(String name) {
        return LAYOUT.byteOffset(groupElement(name));
    }

    /** A segment register's contents, as KVM represents it (attributes unpacked). */
    public record Segment(long base, int limit, int selector, int type, boolean present, int dpl,
                          boolean db, boolean s, boolean l, boolean g) {
        public void writeTo(MemorySegment sregs, long at) {
            sregs.set(JAVA_LONG, at + SEG_BASE, base);
            sregs.set(JAVA_INT, at + SEG_LIMIT, limit);
            sregs.set(JAVA_SHORT, at + SEG_SELECTOR, (short) selector);
            sregs.set(JAVA_BYTE, at + SEG_TYPE, (byte) type);
            sregs.set(JAVA_BYTE, at + SEG_PRESENT, (byte) (present ? 1 : 0));
            sregs.set(JAVA_BYTE, at + SEG_DPL, (byte) dpl);
            sregs.set(JAVA_BYTE, at + SEG_DB, (byte) (db ? 1 : 0));
            sregs.set(JAVA_BYTE, at + SEG_S, (byte) (s ? 1 : 0));
            sregs.set(JAVA_BYTE, at + SEG_L, (byte) (l ? 1 : 0));
            sregs.set(JAVA_BYTE, at + SEG_G, (byte) (g ? 1 : 0));
            sregs.set(JAVA_BYTE, at + SEG_AVL, (byte) 0);
            sregs.set(JAVA_BYTE, at + SEG_UNUSABLE, (byte) 0);
        }

        public static Segment readFrom(MemorySegment sregs, long at) {
            return new Segment(sregs.get(JAVA_LONG, at + SEG_BASE), sregs.get(JAVA_INT, at + SEG_LIMIT),
                    Short.toUnsignedInt(sregs.get(JAVA_SHORT, at + SEG_SELECTOR)),
                    sregs.get(JAVA_BYTE, at + SEG_TYPE), sregs.get(JAVA_BYTE, at + SEG_PRESENT) != 0,
                    sregs.get(JAVA_BYTE, at + SEG_DPL), sregs.get(JAVA_BYTE, at + SEG_DB) != 0,
                    sregs.get(JAVA_BYTE, at + SEG_S) != 0, sregs.get(JAVA_BYTE, at + SEG_L) != 0,
                    sregs.get(JAVA_BYTE, at + SEG_G) != 0);
        }
    }

    public static long get(MemorySegment sregs, long offset) { return sregs.get(JAVA_LONG, offset); }

    public static void set(MemorySegment sregs, long offset, long value) { sregs.set(JAVA_LONG, offset, value); }

    public static long segmentBase(MemorySegment sregs, long segment) {
        return sregs.get(JAVA_LONG, segment + SEG_BASE);
    }

    public static void setTable(MemorySegment sregs, long table, long base, int limit) {
        sregs.set(JAVA_LONG, table + DT_BASE, base);
        sregs.set(JAVA_SHORT, table + DT_LIMIT, (short) limit);
    }

    public static String dump(MemorySegment sregs) {
        StringBuilder sb = new StringBuilder();
        String[] names = {"cs", "ds", "es", "fs", "gs", "ss", "tr", "ldt"};
        long[] at = {CS, DS, ES, FS, GS, SS, TR, LDT};
        for (int i = 0; i < names.length; i++) {
            Segment s = Segment.readFrom(sregs, at[i]);
            sb.append(String.format("%-3s sel=%04x base=%016x limit=%08x type=%x dpl=%d%s%s%s%n", names[i],
                    s.selector(), s.base(), s.limit(), s.type(), s.dpl(), s.present() ? " P" : "",
                    s.l() ? " L" : "", s.db() ? " DB" : ""));
        }
        sb.append(String.format("gdt base=%016x limit=%04x  idt base=%016x limit=%04x%n",
                sregs.get(JAVA_LONG, GDT + DT_BASE), Short.toUnsignedInt(sregs.get(JAVA_SHORT, GDT + DT_LIMIT)),
                sregs.get(JAVA_LONG, IDT + DT_BASE), Short.toUnsignedInt(sregs.get(JAVA_SHORT, IDT + DT_LIMIT))));
        sb.append(String.format("cr0=%016x cr2=%016x cr3=%016x cr4=%016x efer=%016x%n",
                get(sregs, CR0), get(sregs, CR2), get(sregs, CR3), get(sregs, CR4), get(sregs, EFER)));
        return sb.toString();
    }
}
