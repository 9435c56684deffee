package io.jkvm.acpi;

/**
 * The one place jkvm computes an ACPI checksum: a byte chosen so that all the bytes it covers
 * add up to zero, modulo 256. Used by every table header (ACPI 6.5 5.2.6, the byte at offset 9
 * over the whole table), by the RSDP's two checksums (5.2.5.3: the first 20 bytes, then all
 * 36) and by the End Tag of a resource template (6.4.2.9).
 */
public final class Checksum {
    private Checksum() {}

    /** The sum of {@code bytes[from, to)}, modulo 256. */
    public static int sum(byte[] bytes, int from, int to) {
        int sum = 0;
        for (int i = from; i < to; i++) sum += bytes[i];
        return sum & 0xff;
    }

    /** Sets {@code bytes[at]}, which lies in {@code [from, to)}, so that {@code bytes[from, to)} sums to zero. */
    public static void set(byte[] bytes, int at, int from, int to) {
        if (at < from || at >= to) throw new IllegalArgumentException("checksum byte " + at + " is outside [" + from + ", " + to + ")");
        bytes[at] = 0;
        bytes[at] = (byte) -sum(bytes, from, to);
    }
}
