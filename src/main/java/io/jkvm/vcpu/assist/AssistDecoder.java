package io.jkvm.vcpu.assist;

import io.jkvm.vcpu.assist.MemoryOperand.Segment;

import java.util.Objects;
import java.util.Optional;

/**
 * Recognises the instructions jkvm completes itself when KVM's emulator fails on them, from the
 * bytes at RIP (Intel SDM vol. 2, chapter 2, "Instruction Format"):
 * <pre>
 *   CC             int3       -> InjectBreakpoint
 *   9B             fwait      -> Skip
 *   0F 01 CA       clac       -> SetAc(false)
 *   0F 01 CB       stac       -> SetAc(true)
 *   0F 01 E8       serialize  -> Skip
 *   NP 0F AE /2    ldmxcsr m32 -> LoadMxcsr   (mod != 11)
 *   NP 0F AE /3    stmxcsr m32 -> StoreMxcsr  (mod != 11)
 * </pre>
 * Prefixes: segment overrides (2E 36 3E 26 64 65; several different ones are declined), the
 * address-size prefix 67 and, in 64-bit mode, REX (40-4F, counted only directly before the
 * opcode, as the CPU does) are accepted, in any order; 66, F2 and F3 (which select other
 * instructions in these opcode spaces, e.g. F3 0F 01 E8 is setssbsy) and F0 (lock: #UD) are
 * declined, as are VEX (vldmxcsr), a register operand (mod 11) and anything longer than 15 bytes.
 *
 * <p>32-bit protected mode ({@code longMode == false}, a 32-bit code segment) decodes the same
 * instructions with 32-bit ModRM addressing and no REX; the 0x67 prefix there (16-bit addressing)
 * is declined for ldmxcsr/stmxcsr. 16-bit code and real mode are not supported.
 *
 * <p>Pure: never throws on any bytes and never reads at or past {@code available}.
 */
public final class AssistDecoder {
    /** The architectural limit on an instruction's length (SDM vol. 2, section 2.3.11). */
    public static final int MAX_INSTRUCTION_LENGTH = 15;

    private AssistDecoder() {}

    /**
     * Decodes the instruction at the start of {@code bytes}.
     *
     * @param bytes     the bytes at RIP
     * @param available how many of them are valid (fewer when the fetch crossed into an unmapped
     *                  page); more than {@code bytes.length} counts as {@code bytes.length}
     * @param longMode  true for 64-bit code (EFER.LMA and CS.L), false for 32-bit protected mode
     * @return the assist, or empty when the instruction is not one of ours, is malformed, or
     *         needs more than {@code available} bytes
     */
    public static Optional<Assist> decode(byte[] bytes, int available, boolean longMode) {
        Objects.requireNonNull(bytes, "bytes");
        int limit = Math.min(Math.min(available, bytes.length), MAX_INSTRUCTION_LENGTH);
        return Optional.ofNullable(new Cursor(bytes, limit).decode(longMode));
    }

    /** One decode: a read position that never passes the limit. */
    private static final class Cursor {
        private static final int END = -1;

        private final byte[] bytes;
        private final int limit;
        private int position;

        Cursor(byte[] bytes, int limit) {
            this.bytes = bytes;
            this.limit = limit;
        }

        /** The next byte (0-255), or END when it is not available. */
        private int next() {
            if (position >= limit) return END;
            return bytes[position++] & 0xFF;
        }

        /** A little-endian displacement of {@code size} (0, 1 or 4) available bytes, sign-extended. */
        private long displacement(int size) {
            long value = 0;
            for (int i = 0; i < size; i++) value |= (long) (bytes[position + i] & 0xFF) << (8 * i);
            position += size;
            return size == 1 ? (byte) value : (int) value;
        }

        Assist decode(boolean longMode) {
            // Legacy prefixes, any order (SDM vol. 2, section 2.1.1), then REX (section 2.2.1).
            Segment segment = null;
            boolean addressSizePrefix = false;
            int rex = 0;
            int b;
            while (true) {
                b = next();
                if (b == END) return null;
                Segment override = segmentOverride(b);
                if (override != null) {
                    if (segment != null && segment != override) return null;
                    segment = override;
                } else if (b == 0x67) {
                    addressSizePrefix = true;
                } else if (b == 0x66 || b == 0xF2 || b == 0xF3 || b == 0xF0) {
                    return null;
                } else if (longMode && (b & 0xF0) == 0x40) {
                    rex = b;            // only the last REX counts ...
                    continue;
                } else {
                    break;              // the opcode
                }
                rex = 0;                // ... and only directly before the opcode
            }

            switch (b) {
                case 0xCC:
                    return new Assist.InjectBreakpoint(position);
                case 0x9B:
                    return new Assist.Skip(position, "fwait");
                case 0x0F:
                    break;
                default:
                    return null;
            }
            int opcode2 = next();
            if (opcode2 == 0x01) {
                switch (next()) {
                    case 0xCA: return new Assist.SetAc(position, false);
                    case 0xCB: return new Assist.SetAc(position, true);
                    case 0xE8: return new Assist.Skip(position, "serialize");
                    default: return null;
                }
            }
            if (opcode2 != 0xAE) return null;

            int modrm = next();
            if (modrm == END) return null;
            int mod = modrm >>> 6;
            int reg = (modrm >>> 3) & 7;   // an opcode extension: REX.R is ignored
            if (mod == 3 || (reg != 2 && reg != 3)) return null;
            if (!longMode && addressSizePrefix) return null;    // 16-bit addressing: not supported
            MemoryOperand operand = memoryOperand(modrm, rex, segment, addressSizePrefix, longMode);
            if (operand == null) return null;
            return reg == 2 ? new Assist.LoadMxcsr(position, operand) : new Assist.StoreMxcsr(position, operand);
        }

        /**
         * The memory operand of a ModRM byte with mod != 11, 32- or 64-bit addressing
         * (SDM vol. 2, section 2.1.5, tables 2-2 and 2-3; REX.B and REX.X, section 2.2.1.2).
         */
        private MemoryOperand memoryOperand(int modrm, int rex, Segment override, boolean addressSizePrefix,
                                            boolean longMode) {
            int mod = modrm >>> 6;
            int rm = modrm & 7;
            int rexB = (rex & 1) << 3;
            int rexX = (rex & 2) << 2;
            Gpr base = null;
            Gpr index = null;
            int scale = 1;
            boolean ripRelative = false;
            int displacementSize = mod == 1 ? 1 : mod == 2 ? 4 : 0;

            if (rm == 4) {                                   // a SIB byte follows
                int sib = next();
                if (sib == END) return null;
                int indexEncoding = ((sib >>> 3) & 7) | rexX;
                int baseEncoding = sib & 7;
                if (indexEncoding != 4) {                    // 100 is "no index"; with REX.X it is r12
                    index = Gpr.fromEncoding(indexEncoding);
                    scale = 1 << (sib >>> 6);
                }
                if (baseEncoding == 5 && mod == 0) {
                    displacementSize = 4;                    // no base, disp32 (whatever REX.B says)
                } else {
                    base = Gpr.fromEncoding(baseEncoding | rexB);
                }
            } else if (rm == 5 && mod == 0) {
                displacementSize = 4;                        // disp32: RIP-relative in 64-bit mode
                ripRelative = longMode;
            } else {
                base = Gpr.fromEncoding(rm | rexB);
            }

            if (limit - position < displacementSize) return null;
            long displacement = displacement(displacementSize);
            Segment segment = override != null ? override
                    : (base == Gpr.RSP || base == Gpr.RBP) ? Segment.SS : Segment.DS;
            int addressSize = longMode && !addressSizePrefix ? 64 : 32;
            return new MemoryOperand(base, index, scale, displacement, ripRelative, segment, addressSize, longMode);
        }

        private static Segment segmentOverride(int b) {
            return switch (b) {
                case 0x26 -> Segment.ES;
                case 0x2E -> Segment.CS;
                case 0x36 -> Segment.SS;
                case 0x3E -> Segment.DS;
                case 0x64 -> Segment.FS;
                case 0x65 -> Segment.GS;
                default -> null;
            };
        }
    }
}
