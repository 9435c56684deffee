package io.jkvm;



import java.time.Duration;
import java.util.Locale;

/** Parsing and printing of sizes (64M, 1G), numbers (0x1000, 4096) and durations (500ms, 10s, 2m). */
public final class Sizes {
    private Sizes() {}

    /** "64M", "1G", "4096", "512K", "0x100000": bytes; K/M/G/T are powers of 1024. */
    public static long parseSize(String text) {
        String s = text.trim();
        if (s.isEmpty()) throw new JkvmException("empty size: give e.g. 64M");
        long unit = 1;
        char last = Character.toUpperCase(s.charAt(s.length() - 1));
        if (s.length() > 1 && (last == 'B') && !s.toLowerCase(Locale.ROOT).startsWith("0x")) {
            s = s.substring(0, s.length() - 1);
            last = Character.toUpperCase(s.charAt(s.length() - 1));
        }
        switch (last) {
            case 'K' -> unit = 1L << 10;
            case 'M' -> unit = 1L << 20;
            case 'G' -> unit = 1L << 30;
            case 'T' -> unit = 1L << 40;
            default -> { }
        }
        if (unit != 1) s = s.substring(0, s.length() - 1);
        long n;
        try {
            n = parseNumber(s);
        } catch (JkvmException e) {
            throw new JkvmException("cannot read size '" + text + "': give a number with an optional K, M or G suffix, e.g. 64M");
        }
        if (n < 0 || (unit != 1 && n > Long.MAX_VALUE / unit)) throw new JkvmException("size '" + text + "' is out of range");
        return n * unit;
    }

    /** Decimal, 0x-hex, or 0b-binary; an unsigned 64-bit value. */
    public static long parseNumber(String text) {
        String s = text.trim().replace("_", "");
        try {
            String lower = s.toLowerCase(Locale.ROOT);
            if (lower.startsWith("0x")) return Long.parseUnsignedLong(s.substring(2), 16);
            if (lower.startsWith("0b")) return Long.parseUnsignedLong(s.substring(2), 2);
            if (lower.startsWith("-")) return Long.parseLong(s);
            return Long.parseUnsignedLong(s);
        } catch (NumberFormatException e) {
            throw new JkvmException("cannot read number '" + text + "': give decimal or 0x-prefixed hex");
        }
    }

    /** "500ms", "10s", "1.5m", "1h", or a bare number of seconds; positive. */
    public static Duration parseDuration(String text) {
        Duration d = parseAnyDuration(text);
        if (d.isNegative() || d.isZero()) throw new JkvmException("duration '" + text + "' must be positive, e.g. 500ms or 10s");
        return d;
    }

    private static Duration parseAnyDuration(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (s.endsWith("ms")) return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            if (s.endsWith("s")) return Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
            if (s.endsWith("m")) return Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 60_000));
            if (s.endsWith("h")) return Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 3_600_000));
            return Duration.ofMillis(Math.round(Double.parseDouble(s) * 1000));
        } catch (NumberFormatException e) {
            throw new JkvmException("cannot read duration '" + text + "': give e.g. 500ms, 10s or 2m");
        }
    }

    public static String format(long bytes) {
        if (bytes == Long.MAX_VALUE) return "unknown";
        if (bytes >= (1L << 30) && bytes % (1L << 30) == 0) return (bytes >> 30) + " GiB";
        if (bytes >= (1L << 30)) return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
        if (bytes >= (1L << 20)) return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
        return bytes + " bytes";
    }
}
