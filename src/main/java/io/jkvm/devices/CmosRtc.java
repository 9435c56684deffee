package io.jkvm.devices;

import io.jkvm.boot.PcPorts;
import io.jkvm.bus.BusDevice;
import io.jkvm.irq.InterruptLine;
import io.jkvm.state.Resettable;
import io.jkvm.state.Stateful;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;

/**
 * The PC's real-time clock and CMOS RAM, a Motorola MC146818A behind an index port (0x70) and a
 * data port (0x71); attach it as {@link #PORT_COUNT} ports at {@link PcPorts#RTC}.
 *
 * <p>Address map (MC146818A datasheet, figure 4; 0x32 is the IBM PC AT century byte, which the
 * ACPI FADT CENTURY field names):
 * <pre>
 * 0x00 seconds   0x01 seconds alarm   0x02 minutes   0x03 minutes alarm
 * 0x04 hours     0x05 hours alarm     0x06 day of week (Sunday = 1)
 * 0x07 day of month   0x08 month   0x09 year (00-99)
 * 0x0a A: UIP(7, read-only) DV2-0(6-4) RS3-0(3-0)          reset 0x26: 32.768 kHz, 1024 Hz
 * 0x0b B: SET(7) PIE(6) AIE(5) UIE(4) SQWE(3) DM(2) 24/12(1) DSE(0)   reset 0x02: 24-hour BCD
 * 0x0c C: IRQF(7) PF(6) AF(5) UF(4), read-only, cleared by reading
 * 0x0d D: VRT(7) = 1, valid RAM and time, read-only
 * 0x0e-0x7f  RAM; 0x32 century; memory sizes at 0x15-0x18, 0x30-0x31, 0x34-0x35, 0x5b-0x5d
 * </pre>
 * Bit 7 of a write to the index port is the PC's NMI-disable bit (IBM PC AT Technical Reference,
 * "CMOS RAM"): it is kept ({@link #nmiDisabled()}) and masked off the index; jkvm raises no NMI
 * it would gate. The index port reads 0xff (it is write-only).
 *
 * <p>The time is not counted here: it is the injected {@link Clock} (host UTC by default) plus an
 * offset, read whenever the guest reads a time register and encoded then per register B (BCD or
 * binary, 12-hour with bit 7 = PM or 24-hour). A guest that sets the time (Linux
 * {@code mc146818_set_time} in drivers/rtc/rtc-mc146818-lib.c: SET=1, write the registers,
 * SET=0) freezes the registers while SET=1 and, when it clears SET, moves the offset so that the
 * clock continues from the written time. A write to a time register with SET=0 takes effect at
 * once (as in QEMU's hw/rtc/mc146818rtc.c). The day of week is derived from the date: a written
 * weekday is not kept.
 *
 * <p>UIP (register A bit 7) is 1 during the last {@link #UIP_NANOS} ns (t<sub>BUC</sub> = 244 µs)
 * of each second of RTC time, 0 otherwise and while SET=1: a reader that sees UIP=0 has at least
 * 244 µs before the registers change, which is what Linux's {@code mc146818_avoid_UIP} relies on.
 * The divider (DV bits) is stored but never stops the clock.
 *
 * <p>Interrupts (IRQ 8, level): the PF, AF and UF flags of register C are computed lazily from the
 * clock when the guest reads register C and when the VM calls {@link #tick()}; the line rises when
 * a flag is set whose enable bit in register B is set (IRQF), and falls when register C is read.
 * No thread runs inside: a VM that wants interrupts without the guest polling calls {@link #tick()}
 * at {@link #nextEvent()}.
 */
public final class CmosRtc implements BusDevice, Resettable, Stateful<CmosRtcState> {
    public static final int PORT_COUNT = 2;
    /** Bytes of CMOS, registers included. */
    public static final int SIZE = 128;

    static final int SECONDS = 0x00;
    static final int SECONDS_ALARM = 0x01;
    static final int MINUTES = 0x02;
    static final int MINUTES_ALARM = 0x03;
    static final int HOURS = 0x04;
    static final int HOURS_ALARM = 0x05;
    static final int DAY_OF_WEEK = 0x06;
    static final int DAY_OF_MONTH = 0x07;
    static final int MONTH = 0x08;
    static final int YEAR = 0x09;
    static final int REG_A = 0x0a;
    static final int REG_B = 0x0b;
    static final int REG_C = 0x0c;
    static final int REG_D = 0x0d;
    static final int CENTURY = 0x32;

    static final int NMI_DISABLE = 0x80;

    static final int A_UIP = 0x80;
    static final int A_DV_MASK = 0x70;
    /** DV = 010: 32.768 kHz time base, the only divider a PC uses. */
    static final int A_DV_32KHZ = 0x20;
    static final int A_RS_MASK = 0x0f;
    static final int A_RESET = 0x26;

    static final int B_SET = 0x80;
    static final int B_PIE = 0x40;
    static final int B_AIE = 0x20;
    static final int B_UIE = 0x10;
    static final int B_SQWE = 0x08;
    static final int B_DM_BINARY = 0x04;
    static final int B_24H = 0x02;
    static final int B_RESET = B_24H;

    static final int C_IRQF = 0x80;
    static final int C_PF = 0x40;
    static final int C_AF = 0x20;
    static final int C_UF = 0x10;

    static final int D_VRT = 0x80;

    /** An alarm byte with both top bits set matches every value ("don't care", datasheet). */
    static final int ALARM_DONT_CARE = 0xc0;

    /** t<sub>BUC</sub>: UIP rises this long before each update (MC146818A, 32.768 kHz base). */
    public static final long UIP_NANOS = 244_000;

    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long SECONDS_PER_DAY = 86_400;

    private final Clock clock;
    private final InterruptLine irq;
    private final int[] ram = new int[SIZE];
    private int index;
    private boolean nmiDisabled;
    private int regA = A_RESET;
    private int regB = B_RESET;
    private int flags;
    private boolean irqLevel;
    /** RTC time minus clock time. */
    private Duration offset = Duration.ZERO;
    /** RTC time up to which PF, AF and UF have been computed. */
    private Instant checkedUpTo;

    /** An RTC on host time (UTC), with its interrupt line connected to nothing. */
    public CmosRtc() {
        this(Clock.systemUTC(), InterruptLine.NONE);
    }

    /** An RTC reading {@code clock}, raising {@code irq8} for periodic, alarm and update interrupts. */
    public CmosRtc(Clock clock, InterruptLine irq8) {
        this.clock = clock;
        this.irq = irq8;
        this.checkedUpTo = clock.instant();
    }

    /**
     * Stores the RAM sizes in the CMOS bytes a PC BIOS reads, as QEMU's {@code pc_cmos_init}
     * (hw/i386/pc.c) does for SeaBIOS: 0x15-0x16 base memory in KiB (at most 640); 0x17-0x18 and
     * 0x30-0x31 memory above 1 MiB in KiB (at most 65535); 0x34-0x35 memory between 16 MiB and
     * 4 GiB in 64 KiB units (at most 65535); 0x5b-0x5d memory above 4 GiB in 64 KiB units. Each
     * value is little-endian.
     *
     * @param belowFourGiB bytes of RAM from address 0 up to the PCI hole
     * @param aboveFourGiB bytes of RAM from 4 GiB up
     */
    public synchronized void setMemorySize(long belowFourGiB, long aboveFourGiB) {
        if (belowFourGiB < 0 || aboveFourGiB < 0) throw new IllegalArgumentException("negative memory size");
        final long kib = 1024;
        final long mib = 1024 * kib;
        long base = Math.min(belowFourGiB / kib, 640);
        long extended = belowFourGiB > mib ? Math.min((belowFourGiB - mib) / kib, 0xffff) : 0;
        long above16m = belowFourGiB > 16 * mib ? Math.min((belowFourGiB - 16 * mib) / (64 * kib), 0xffff) : 0;
        long above4g = Math.min(aboveFourGiB / (64 * kib), 0xff_ffff);
        putLittleEndian(0x15, base, 2);
        putLittleEndian(0x17, extended, 2);
        putLittleEndian(0x30, extended, 2);
        putLittleEndian(0x34, above16m, 2);
        putLittleEndian(0x5b, above4g, 3);
    }

    private void putLittleEndian(int at, long value, int bytes) {
        for (int i = 0; i < bytes; i++) ram[at + i] = (int) (value >>> (8 * i)) & 0xff;
    }

    /**
     * A stored CMOS RAM byte (0x0e-0x7f), for the VM and tests. The century byte 0x32 holds the
     * value last frozen by SET; the guest reads it from the clock.
     */
    public synchronized int ram(int at) {
        checkRamIndex(at);
        return ram[at];
    }

    /** Stores a CMOS RAM byte (0x0e-0x7f), for the VM's configuration bytes. */
    public synchronized void setRam(int at, int value) {
        checkRamIndex(at);
        ram[at] = value & 0xff;
    }

    private static void checkRamIndex(int at) {
        if (at < 0x0e || at >= SIZE) throw new IllegalArgumentException(String.format("CMOS RAM index 0x%x", at));
    }

    /** Bit 7 of the last index write: the guest asked for NMIs to be masked. */
    public synchronized boolean nmiDisabled() {
        return nmiDisabled;
    }

    /**
     * The RESET input (MC146818A datasheet, pin description "RESET"): clears PIE, AIE, UIE and
     * SQWE in register B and IRQF, PF, AF and UF in register C, and releases IRQ. The clock,
     * the calendar, the alarm and the RAM are untouched: they are what the battery keeps across
     * a machine reset.
     */
    @Override
    public synchronized void reset() {
        regB &= ~(B_PIE | B_AIE | B_UIE | B_SQWE);
        flags = 0;
        setIrq(false);
    }

    @Override
    public synchronized CmosRtcState state() {
        byte[] bytes = new byte[SIZE];
        for (int i = 0; i < SIZE; i++) bytes[i] = (byte) ram[i];
        return new CmosRtcState(bytes, index, nmiDisabled, regA, regB, flags, offset, checkedUpTo);
    }

    /** Loads {@code state}; IRQ 8 is driven to the level register C's IRQF implies. */
    @Override
    public synchronized void restore(CmosRtcState state) {
        byte[] bytes = state.ram();
        for (int i = 0; i < SIZE; i++) ram[i] = bytes[i] & 0xff;
        index = state.index();
        nmiDisabled = state.nmiDisabled();
        regA = state.regA();
        regB = state.regB();
        flags = state.regC();
        offset = state.offset();
        checkedUpTo = state.checkedUpTo();
        irqLevel = (flags & C_IRQF) != 0;
        irq.set(irqLevel);
    }

    /** Computes the interrupt flags up to now, raising IRQ 8 if an enabled one is set. */
    public synchronized void tick() {
        evaluate();
    }

    /**
     * When the next enabled interrupt (periodic if PIE, alarm if AIE, update-ended if UIE) will
     * be due, on the injected clock; {@code null} if none is enabled. The VM calls {@link #tick()}
     * then. Periodic interrupts run at up to 8192 Hz: a VM may choose to tick less often, and the
     * guest then sees one PF per tick, as with missed interrupts on hardware.
     */
    public synchronized Instant nextEvent() {
        Instant now = rtcNow();
        Instant next = null;
        int rate = periodsPerSecond();
        if ((regB & B_PIE) != 0 && rate != 0) {
            next = periodStart(periodIndex(now, rate) + 1, rate);
        }
        if ((regB & B_SET) == 0) {
            if ((regB & B_UIE) != 0) next = earlier(next, Instant.ofEpochSecond(now.getEpochSecond() + 1));
            if ((regB & B_AIE) != 0) {
                long s = firstAlarmSecond(now.getEpochSecond() + 1, now.getEpochSecond() + SECONDS_PER_DAY);
                if (s != Long.MIN_VALUE) next = earlier(next, Instant.ofEpochSecond(s));
            }
        }
        return next == null ? null : next.minus(offset);
    }

    private static Instant earlier(Instant a, Instant b) {
        return a == null || b.isBefore(a) ? b : a;
    }

    @Override
    public synchronized long read(long offset, int size) {
        long value = 0;
        for (int i = 0; i < size; i++) {
            int b = offset + i == 1 ? readData() : 0xff; // the index port is write-only
            value |= (long) b << (8 * i);
        }
        return value;
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        // A wide access is split into byte cycles, lowest address first, as on the ISA bus.
        for (int i = 0; i < size; i++) {
            int b = (int) (value >>> (8 * i)) & 0xff;
            if (offset + i == 0) {
                nmiDisabled = (b & NMI_DISABLE) != 0;
                index = b & ~NMI_DISABLE;
            } else if (offset + i == 1) {
                writeData(b);
            }
        }
    }

    private int readData() {
        return switch (index) {
            case REG_A -> regA | (updateInProgress() ? A_UIP : 0);
            case REG_B -> regB;
            case REG_C -> {
                evaluate();
                int c = flags;
                flags = 0;
                setIrq(false);
                yield c;
            }
            case REG_D -> D_VRT;
            default -> isTimeRegister(index) && (regB & B_SET) == 0 ? encodeTime(index, rtcDateTime()) : ram[index];
        };
    }

    private void writeData(int value) {
        switch (index) {
            case REG_A -> {
                evaluate(); // periods so far count at the old rate
                regA = value & ~A_UIP;
            }
            case REG_B -> {
                evaluate();
                boolean wasSet = (regB & B_SET) != 0;
                boolean set = (value & B_SET) != 0;
                // Setting SET clears UIE (MC146818A datasheet, register B; QEMU does the same).
                regB = set ? value & ~B_UIE : value;
                if (set && !wasSet) freeze();
                if (!set && wasSet) commit();
                updateIrq();
            }
            case REG_C, REG_D -> { } // read-only
            default -> {
                if (isTimeRegister(index) && (regB & B_SET) == 0) {
                    freeze();
                    ram[index] = value;
                    commit();
                } else {
                    ram[index] = value;
                }
            }
        }
    }

    private static final int[] TIME_REGISTERS = {SECONDS, MINUTES, HOURS, DAY_OF_WEEK, DAY_OF_MONTH, MONTH, YEAR, CENTURY};

    static boolean isTimeRegister(int index) {
        return switch (index) {
            case SECONDS, MINUTES, HOURS, DAY_OF_WEEK, DAY_OF_MONTH, MONTH, YEAR, CENTURY -> true;
            default -> false;
        };
    }

    private Instant rtcNow() {
        return clock.instant().plus(offset);
    }

    private LocalDateTime rtcDateTime() {
        return LocalDateTime.ofInstant(rtcNow(), ZoneOffset.UTC);
    }

    private boolean updateInProgress() {
        return (regB & B_SET) == 0 && rtcNow().getNano() >= NANOS_PER_SECOND - UIP_NANOS;
    }

    /** Copies the running time into the time registers, where the guest edits it while SET=1. */
    private void freeze() {
        LocalDateTime now = rtcDateTime();
        for (int r : TIME_REGISTERS) {
            ram[r] = encodeTime(r, now);
        }
    }

    /** Restarts the clock from the time registers: the offset makes the RTC read them now. */
    private void commit() {
        Instant now = clock.instant();
        Instant set = decodeTime().toInstant(ZoneOffset.UTC);
        offset = Duration.between(now, set);
        checkedUpTo = set; // a new time is no update, alarm or period of the old one
    }

    private int encodeTime(int register, LocalDateTime t) {
        return switch (register) {
            case SECONDS -> encode(t.getSecond());
            case MINUTES -> encode(t.getMinute());
            case HOURS -> encodeHour(t.getHour());
            case DAY_OF_WEEK -> encode(t.getDayOfWeek().getValue() % 7 + 1); // Sunday = 1
            case DAY_OF_MONTH -> encode(t.getDayOfMonth());
            case MONTH -> encode(t.getMonthValue());
            case YEAR -> encode(Math.floorMod(t.getYear(), 100));
            case CENTURY -> encode(Math.floorMod(t.getYear() / 100, 100));
            default -> throw new IllegalArgumentException("not a time register: " + register);
        };
    }

    /** The time registers as a date, each field clamped into its range so a guest's garbage never throws. */
    private LocalDateTime decodeTime() {
        int year = clamp(decode(ram[CENTURY]), 0, 99) * 100 + clamp(decode(ram[YEAR]), 0, 99);
        int month = clamp(decode(ram[MONTH]), 1, 12);
        int lastDay = YearMonth.of(year, month).lengthOfMonth();
        return LocalDateTime.of(year, month, clamp(decode(ram[DAY_OF_MONTH]), 1, lastDay),
                clamp(decodeHour(ram[HOURS]), 0, 23), clamp(decode(ram[MINUTES]), 0, 59),
                clamp(decode(ram[SECONDS]), 0, 59));
    }

    private static int clamp(int v, int min, int max) {
        return Math.max(min, Math.min(max, v));
    }

    private int encode(int binary) {
        return (regB & B_DM_BINARY) != 0 ? binary : (binary / 10) << 4 | binary % 10;
    }

    private int decode(int value) {
        return (regB & B_DM_BINARY) != 0 ? value : (value >> 4 & 0x0f) * 10 + (value & 0x0f);
    }

    /** 12-hour mode: 1-12 with bit 7 = PM, so midnight is 12 AM and noon 12 PM (datasheet, table 3). */
    private int encodeHour(int hour) {
        if ((regB & B_24H) != 0) return encode(hour);
        int h12 = hour % 12 == 0 ? 12 : hour % 12;
        return encode(h12) | (hour >= 12 ? 0x80 : 0);
    }

    private int decodeHour(int value) {
        if ((regB & B_24H) != 0) return decode(value);
        int h = decode(value & 0x7f) % 12;
        return (value & 0x80) != 0 ? h + 12 : h;
    }

    // ---- interrupt flags ----

    /** Periodic interrupts per second for RS in register A (datasheet, table 5), 0 if off. */
    private int periodsPerSecond() {
        int rs = regA & A_RS_MASK;
        if (rs == 0 || (regA & A_DV_MASK) != A_DV_32KHZ) return 0;
        if (rs < 3) rs += 7; // RS 1 and 2 repeat rates 8 and 9 (256 and 128 Hz) at 32.768 kHz
        return 32768 >> (rs - 1);
    }

    private static long periodIndex(Instant t, int perSecond) {
        return t.getEpochSecond() * perSecond + t.getNano() * (long) perSecond / NANOS_PER_SECOND;
    }

    private static Instant periodStart(long index, int perSecond) {
        long second = Math.floorDiv(index, perSecond);
        long nanos = Math.ceilDiv(Math.floorMod(index, perSecond) * NANOS_PER_SECOND, perSecond);
        return Instant.ofEpochSecond(second, nanos);
    }

    /** Sets PF, UF and AF for what happened since the last evaluation (datasheet, "Interrupts"). */
    private void evaluate() {
        Instant now = rtcNow();
        if (!now.isAfter(checkedUpTo)) {
            checkedUpTo = now; // a clock that went back restarts from here
            return;
        }
        int rate = periodsPerSecond();
        if (rate != 0 && periodIndex(now, rate) != periodIndex(checkedUpTo, rate)) flags |= C_PF;
        long from = checkedUpTo.getEpochSecond();
        long to = now.getEpochSecond();
        if ((regB & B_SET) == 0 && to != from) {
            flags |= C_UF;
            // A day of updates tries every alarm pattern.
            if (firstAlarmSecond(from + 1, Math.min(to, from + SECONDS_PER_DAY)) != Long.MIN_VALUE) flags |= C_AF;
        }
        checkedUpTo = now;
        updateIrq();
    }

    /** The first update (epoch second, UTC) in [from, to] that matches the alarm, or Long.MIN_VALUE. */
    private long firstAlarmSecond(long from, long to) {
        int s = alarmValue(SECONDS_ALARM, 59);
        int m = alarmValue(MINUTES_ALARM, 59);
        int h = alarmValue(HOURS_ALARM, 23);
        if (s == -2 || m == -2 || h == -2) return Long.MIN_VALUE; // an impossible alarm never fires
        for (long t = from; t <= to; t++) {
            long sod = Math.floorMod(t, SECONDS_PER_DAY);
            if ((s < 0 || sod % 60 == s) && (m < 0 || sod / 60 % 60 == m) && (h < 0 || sod / 3600 == h)) return t;
        }
        return Long.MIN_VALUE;
    }

    /** An alarm byte decoded: -1 for don't care, -2 if out of range. */
    private int alarmValue(int register, int max) {
        int raw = ram[register];
        if ((raw & ALARM_DONT_CARE) == ALARM_DONT_CARE) return -1;
        int v = register == HOURS_ALARM ? decodeHour(raw) : decode(raw);
        return v >= 0 && v <= max ? v : -2;
    }

    private void updateIrq() {
        if ((flags & regB & (C_PF | C_AF | C_UF)) != 0) flags |= C_IRQF; // flag bits line up with enables
        setIrq((flags & C_IRQF) != 0);
    }

    private void setIrq(boolean high) {
        if (high != irqLevel) {
            irqLevel = high;
            irq.set(high);
        }
    }
}
