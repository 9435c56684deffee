package io.jkvm.devices;

import io.jkvm.state.SavedState;
import io.jkvm.state.StateReader;
import io.jkvm.state.StateWriter;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The saved state of a {@link CmosRtc}. The clock itself is not saved: the RTC's time is the
 * host clock plus {@code offset}, so a restored RTC reads the time that has passed since the
 * save, as a battery-backed chip in a powered-off PC would, and the updates, alarms and periods
 * missed meanwhile are flagged on the guest's next read of register C.
 *
 * @param ram          the 128 CMOS bytes (0x00-0x0d hold the time registers as last frozen
 *                     or written and the alarm bytes; registers A-D are the fields below)
 * @param index        the selected address (bits 0-6 of the last index-port write)
 * @param nmiDisabled  bit 7 of the last index-port write
 * @param regA         register A without UIP (which is derived from the clock)
 * @param regB         register B; UIE is 0 while SET is 1
 * @param regC         register C: IRQF, PF, AF, UF not yet read by the guest
 * @param offset       RTC time minus host clock time
 * @param checkedUpTo  RTC time up to which PF, AF and UF have been computed
 */
public record CmosRtcState(byte[] ram, int index, boolean nmiDisabled, int regA, int regB, int regC,
                           Duration offset, Instant checkedUpTo) implements SavedState {
    public static final String TAG = "RTC ";
    public static final int VERSION = 1;
    /**
     * The furthest an offset or a checked-up-to time may lie from 1970: the registers reach
     * years 0000-9999 only, so anything beyond some 12,000 years is corrupt (and would overflow
     * {@link Instant} arithmetic on every read).
     */
    static final long MAX_SECONDS = 400_000_000_000L;

    public CmosRtcState {
        if (ram.length != CmosRtc.SIZE) throw new IllegalArgumentException("CMOS holds " + CmosRtc.SIZE + " bytes, not " + ram.length);
        if (index < 0 || index >= CmosRtc.SIZE) throw new IllegalArgumentException(String.format("index 0x%x is not 0x00-0x7f", index));
        if ((regA & ~(CmosRtc.A_DV_MASK | CmosRtc.A_RS_MASK)) != 0) throw new IllegalArgumentException(String.format("register A = 0x%x has UIP or bits outside 0x7f", regA));
        if ((regB & ~0xff) != 0) throw new IllegalArgumentException(String.format("register B = 0x%x is not a byte", regB));
        if ((regB & CmosRtc.B_SET) != 0 && (regB & CmosRtc.B_UIE) != 0) throw new IllegalArgumentException("register B has both SET and UIE");
        if ((regC & ~(CmosRtc.C_IRQF | CmosRtc.C_PF | CmosRtc.C_AF | CmosRtc.C_UF)) != 0) {
            throw new IllegalArgumentException(String.format("register C = 0x%x has bits outside 0xf0", regC));
        }
        if (Math.abs(offset.getSeconds()) > MAX_SECONDS) throw new IllegalArgumentException("clock offset " + offset + " is beyond the RTC's years");
        if (Math.abs(checkedUpTo.getEpochSecond()) > MAX_SECONDS) throw new IllegalArgumentException("checked-up-to time " + checkedUpTo + " is beyond the RTC's years");
        ram = ram.clone();
    }

    @Override
    public byte[] ram() {
        return ram.clone();
    }

    /**
     * Section {@value #TAG} version 1: ram (128 raw bytes), index (u8), nmiDisabled (bool),
     * regA, regB, regC (u8), offset seconds (u64), offset nanoseconds (u32), checkedUpTo epoch
     * seconds (u64), checkedUpTo nanoseconds (u32).
     */
    @Override
    public void writeTo(StateWriter out) {
        out.beginSection(TAG, VERSION)
                .raw(ram).u8(index).bool(nmiDisabled).u8(regA).u8(regB).u8(regC)
                .u64(offset.getSeconds()).u32(offset.getNano())
                .u64(checkedUpTo.getEpochSecond()).u32(checkedUpTo.getNano())
                .endSection();
    }

    public static CmosRtcState readFrom(StateReader in) {
        in.beginSection(TAG, VERSION);
        byte[] ram = in.raw("ram", CmosRtc.SIZE);
        int index = in.u8("index");
        boolean nmi = in.bool("nmiDisabled");
        int a = in.u8("regA"), b = in.u8("regB"), c = in.u8("regC");
        long offsetSeconds = in.u64("offset seconds");
        long offsetNanos = nanos(in, "offset nanoseconds");
        long checkedSeconds = in.u64("checkedUpTo seconds");
        long checkedNanos = nanos(in, "checkedUpTo nanoseconds");
        CmosRtcState state = in.build(() -> new CmosRtcState(ram, index, nmi, a, b, c,
                Duration.ofSeconds(offsetSeconds, offsetNanos), Instant.ofEpochSecond(checkedSeconds, checkedNanos)));
        in.endSection();
        return state;
    }

    private static long nanos(StateReader in, String field) {
        long n = in.u32(field) & 0xffff_ffffL;
        if (n >= 1_000_000_000L) throw in.corrupt(field + " = " + n + " is not below 10^9");
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CmosRtcState s && Arrays.equals(ram, s.ram) && index == s.index && nmiDisabled == s.nmiDisabled
                && regA == s.regA && regB == s.regB && regC == s.regC && offset.equals(s.offset) && checkedUpTo.equals(s.checkedUpTo);
    }

    @Override
    public int hashCode() {
        int h = Arrays.hashCode(ram);
        for (int v : new int[] {index, Boolean.hashCode(nmiDisabled), regA, regB, regC, offset.hashCode(), checkedUpTo.hashCode()}) {
            h = 31 * h + v;
        }
        return h;
    }

    @Override
    public String toString() {
        return String.format("CmosRtcState[index=%02x, nmiDisabled=%b, A=%02x, B=%02x, C=%02x, offset=%s, checkedUpTo=%s, ram=%s]",
                index, nmiDisabled, regA, regB, regC, offset, checkedUpTo, HexFormat.of().formatHex(ram));
    }
}
