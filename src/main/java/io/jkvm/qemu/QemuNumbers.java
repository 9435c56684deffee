package io.jkvm.qemu;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/**
 * QEMU's number syntaxes. Both throw {@link NumberFormatException} for text that is not a number
 * (QEMU's EINVAL) and {@link ArithmeticException} for one that does not fit (ERANGE; here anything
 * from 2^63 up, as sizes and counts are Java longs).
 */
final class QemuNumbers {
    private QemuNumbers() {}

    static final long KIB = 1L << 10;
    static final long MIB = 1L << 20;

    /**
     * util/cutils.c qemu_strtosz: decimal with an optional fraction ({@code 1.5G}) or 0x-hex, then an
     * optional suffix B, K, M, G, T, P, E (any case, powers of 1024); without one the value is
     * multiplied by {@code defaultUnit}. A fraction needs a unit above bytes and is rounded to the
     * nearest byte. Not accepted (as in QEMU 8.0 on; 7.2 only warned): hex with a suffix.
     */
    static long size(String text, long defaultUnit) {
        int n = text.length();
        if (n == 0 || !isDigit(text.charAt(0))) throw new NumberFormatException(text);
        int i;
        BigInteger whole;
        BigDecimal fraction = BigDecimal.ZERO;
        boolean hex = false;
        if (n >= 2 && text.charAt(0) == '0' && (text.charAt(1) == 'x' || text.charAt(1) == 'X')) {
            i = 2;
            while (i < n && digit(text.charAt(i), 16) >= 0) i++;
            if (i == 2) throw new NumberFormatException(text);
            whole = new BigInteger(text.substring(2, i), 16);
            if (i < n && text.charAt(i) == '.') throw new NumberFormatException(text);
            hex = true;
        } else {
            i = 0;
            while (i < n && isDigit(text.charAt(i))) i++;
            whole = new BigInteger(text.substring(0, i));
            if (i < n && text.charAt(i) == '.') {
                int from = ++i;
                while (i < n && isDigit(text.charAt(i))) i++;
                if (i > from) fraction = new BigDecimal("0." + text.substring(from, i));
            }
        }
        long unit = defaultUnit;
        if (i < n) {
            long suffix = suffix(text.charAt(i));
            if (suffix > 0) {
                if (hex) throw new NumberFormatException(text);
                unit = suffix;
                i++;
            }
        }
        if (i != n) throw new NumberFormatException(text);
        if (unit == 1 && fraction.signum() != 0) throw new NumberFormatException(text);
        BigDecimal u = BigDecimal.valueOf(unit);
        BigInteger value = new BigDecimal(whole).multiply(u).add(fraction.multiply(u))
                .setScale(0, RoundingMode.HALF_UP).toBigIntegerExact();
        if (value.bitLength() > 63) throw new ArithmeticException(text);
        return value.longValueExact();
    }

    private static long suffix(char c) {
        return switch (Character.toUpperCase(c)) {
            case 'B' -> 1;
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            case 'T' -> 1L << 40;
            case 'P' -> 1L << 50;
            case 'E' -> 1L << 60;
            default -> -1;
        };
    }

    /**
     * An unsigned integer as C's strtoull with base 0 reads it (QEMU's integer properties and
     * -smp values): {@code 0x} hex, a leading {@code 0} octal, otherwise decimal; no sign.
     */
    static long unsigned(String text) {
        int n = text.length();
        if (n == 0 || !isDigit(text.charAt(0))) throw new NumberFormatException(text);
        String digits;
        int radix;
        if (n >= 2 && text.charAt(0) == '0' && (text.charAt(1) == 'x' || text.charAt(1) == 'X')) {
            digits = text.substring(2);
            radix = 16;
        } else if (n >= 2 && text.charAt(0) == '0') {
            digits = text.substring(1);
            radix = 8;
        } else {
            digits = text;
            radix = 10;
        }
        if (digits.isEmpty()) throw new NumberFormatException(text);
        for (int i = 0; i < digits.length(); i++) {
            if (digit(digits.charAt(i), radix) < 0) throw new NumberFormatException(text);
        }
        BigInteger v = new BigInteger(digits, radix);
        if (v.bitLength() > 63) throw new ArithmeticException(text);
        return v.longValueExact();
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** An ASCII digit's value in {@code radix}, or -1 (Character.digit also takes other scripts' digits). */
    private static int digit(char c, int radix) {
        int v;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'z') v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'Z') v = c - 'A' + 10;
        else return -1;
        return v < radix ? v : -1;
    }
}
