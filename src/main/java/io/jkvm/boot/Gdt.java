package io.jkvm.boot;

import io.jkvm.kvm.KvmSregs;

/**
 * jkvm's GDT (Intel SDM vol. 3A, 3.4.5 "Segment Descriptors"), at {@link Layout#GDT_ADDR}:
 * <pre>
 * 0x00 null
 * 0x08 flat 32-bit code, DPL 0       0x00cf9a000000ffff
 * 0x10 flat data, DPL 0              0x00cf92000000ffff
 * 0x18 64-bit code, DPL 0            0x00af9a000000ffff
 * 0x20 flat data, DPL 3              0x00cff2000000ffff  (user SS = 0x23)
 * 0x28 64-bit code, DPL 3            0x00affa000000ffff  (user CS = 0x2b)
 * </pre>
 * The same entries are written into guest memory and, unpacked, into the vCPU's segment
 * registers, so the hidden parts of the registers match what a reload would give.
 */
public final class Gdt {
    public static final int CODE32 = 0x08;
    public static final int DATA = 0x10;
    public static final int CODE64 = 0x18;
    public static final int USER_DATA = 0x20;
    public static final int USER_CODE64 = 0x28;

    public static final long[] ENTRIES = {
        0,
        descriptor(0, 0xfffff, 0xa, 0, true, false, true),   // code32: execute/read
        descriptor(0, 0xfffff, 0x2, 0, true, false, true),   // data: read/write
        descriptor(0, 0xfffff, 0xa, 0, false, true, true),   // code64
        descriptor(0, 0xfffff, 0x2, 3, true, false, true),   // user data
        descriptor(0, 0xfffff, 0xa, 3, false, true, true),   // user code64
    };

    public static final int LIMIT = ENTRIES.length * 8 - 1;

    private Gdt() {}

    /** A code or data segment descriptor (S = 1, present). {@code limit} is 20 bits. */
    static long descriptor(long base, int limit, int type, int dpl, boolean db, boolean l, boolean g) {
        long d = limit & 0xffffL;
        d |= (base & 0xffffffL) << 16;
        d |= (long) (type & 0xf) << 40;
        d |= 1L << 44;                       // S: code or data
        d |= (long) (dpl & 3) << 45;
        d |= 1L << 47;                       // P
        d |= (long) ((limit >>> 16) & 0xf) << 48;
        d |= (l ? 1L : 0) << 53;
        d |= (db ? 1L : 0) << 54;
        d |= (g ? 1L : 0) << 55;
        d |= ((base >>> 24) & 0xffL) << 56;
        return d;
    }

    /**
     * The segment-register contents that loading {@code selector} gives (SDM 3.4.3), with the
     * accessed bit set as the CPU would set it.
     */
    public static KvmSregs.Segment segment(int selector) {
        long d = ENTRIES[selector >> 3];
        long base = ((d >>> 16) & 0xffffff) | (((d >>> 56) & 0xff) << 24);
        int rawLimit = (int) ((d & 0xffff) | (((d >>> 48) & 0xf) << 16));
        boolean g = ((d >>> 55) & 1) != 0;
        int limit = g ? (rawLimit << 12) | 0xfff : rawLimit;
        int type = (int) ((d >>> 40) & 0xf) | 1;
        int dpl = (int) ((d >>> 45) & 3);
        return new KvmSregs.Segment(base, limit, selector | dpl, type, true, dpl,
                ((d >>> 54) & 1) != 0, true, ((d >>> 53) & 1) != 0, g);
    }
}
