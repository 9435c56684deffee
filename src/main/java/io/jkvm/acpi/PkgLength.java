package io.jkvm.acpi;

/**
 * AML package length encoding (ACPI 6.5 20.2.4). The encoded value counts the PkgLength bytes
 * themselves plus what follows up to the end of the package; it takes 1 to 4 bytes:
 *
 * <pre>
 * 1 byte  (length &lt;= 63):        bits 7-6 = 0, bits 5-0 = length
 * 2-4 bytes (length &lt; 2^28):     byte 0 bits 7-6 = number of following bytes (1-3),
 *                                  bits 5-4 = 0, bits 3-0 = least significant nibble;
 *                                  each following byte holds the next 8 bits
 * </pre>
 */
public final class PkgLength {
    private PkgLength() {}

    static final int MAX_ONE_BYTE = 0x3f;
    static final int MAX = 0x0fff_ffff;

    /** The PkgLength for a package whose contents after the PkgLength are {@code bodyLength} bytes. */
    public static byte[] of(int bodyLength) {
        if (bodyLength < 0) throw new IllegalArgumentException("negative package length: " + bodyLength);
        if (bodyLength + 1 <= MAX_ONE_BYTE) return new byte[] {(byte) (bodyLength + 1)};
        for (int extra = 1; extra <= 3; extra++) {
            int total = bodyLength + 1 + extra;
            if (total < 1 << (4 + 8 * extra)) {
                byte[] out = new byte[1 + extra];
                out[0] = (byte) ((extra << 6) | (total & 0xf));
                for (int i = 1; i <= extra; i++) out[i] = (byte) (total >>> (4 + 8 * (i - 1)));
                return out;
            }
        }
        throw new IllegalArgumentException("package too long for AML (max " + MAX + " bytes): " + bodyLength);
    }

    /** {@code body} preceded by its PkgLength. */
    public static byte[] wrap(byte[] body) {
        return Aml.concat(of(body.length), body);
    }
}
