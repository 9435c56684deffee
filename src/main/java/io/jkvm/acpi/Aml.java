package io.jkvm.acpi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The AML terms jkvm's DSDT is made of (ACPI 6.5 chapter 20), each returned as its bytes:
 * integers and strings (20.2.3), Name and Scope (20.2.5.1), Device (20.2.5.2), Buffer and
 * Package (20.2.5.4). Names are encoded by {@link NameString}, lengths by {@link PkgLength},
 * resource buffers by {@link ResourceTemplate}.
 */
public final class Aml {
    private Aml() {}

    // AML byte values (20.3).
    static final int ZERO_OP = 0x00;
    static final int ONE_OP = 0x01;
    static final int NAME_OP = 0x08;
    static final int BYTE_PREFIX = 0x0a;
    static final int WORD_PREFIX = 0x0b;
    static final int DWORD_PREFIX = 0x0c;
    static final int STRING_PREFIX = 0x0d;
    static final int QWORD_PREFIX = 0x0e;
    static final int SCOPE_OP = 0x10;
    static final int BUFFER_OP = 0x11;
    static final int PACKAGE_OP = 0x12;
    static final int EXT_OP_PREFIX = 0x5b;
    static final int DEVICE_OP = 0x82; // after ExtOpPrefix

    /** The shortest encoding of an unsigned integer: ZeroOp, OneOp or a Byte/Word/DWord/QWord constant. */
    public static byte[] integer(long value) {
        if (value == 0) return new byte[] {ZERO_OP};
        if (value == 1) return new byte[] {ONE_OP};
        if ((value & ~0xffL) == 0) return new byte[] {BYTE_PREFIX, (byte) value};
        if ((value & ~0xffffL) == 0) return concat(new byte[] {WORD_PREFIX}, le(value, 2));
        if ((value & ~0xffff_ffffL) == 0) return concat(new byte[] {DWORD_PREFIX}, le(value, 4));
        return concat(new byte[] {QWORD_PREFIX}, le(value, 8));
    }

    /** A String constant: ASCII characters 0x01-0x7f, NUL-terminated. */
    public static byte[] string(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0 || c > 0x7f) throw new IllegalArgumentException("AML strings are ASCII without NUL: " + s);
        }
        return concat(new byte[] {STRING_PREFIX}, s.getBytes(StandardCharsets.US_ASCII), new byte[] {0});
    }

    /**
     * A compressed EISA ID, as the ASL EISAID() macro makes it: three letters of five bits
     * (letter - 0x40) and four hex digits, stored big-endian in a DWord constant.
     * {@code PNP0501} becomes 0x0105D041.
     */
    public static byte[] eisaId(String id) {
        if (!id.matches("[A-Z]{3}[0-9A-F]{4}")) throw new IllegalArgumentException("not an EISA ID: " + id);
        int v = ((id.charAt(0) - 0x40) << 26) | ((id.charAt(1) - 0x40) << 21) | ((id.charAt(2) - 0x40) << 16)
                | Integer.parseInt(id.substring(3), 16);
        return concat(new byte[] {DWORD_PREFIX}, le(Integer.reverseBytes(v) & 0xffff_ffffL, 4));
    }

    /** DefName: {@code Name (name, object)}. */
    public static byte[] name(String name, byte[] object) {
        return concat(new byte[] {NAME_OP}, NameString.encode(name), object);
    }

    /** DefScope: {@code Scope (name) { terms }}. */
    public static byte[] scope(String name, byte[]... terms) {
        return concat(new byte[] {SCOPE_OP}, PkgLength.wrap(concat(NameString.encode(name), concat(terms))));
    }

    /** DefDevice: {@code Device (name) { terms }}. */
    public static byte[] device(String name, byte[]... terms) {
        return concat(new byte[] {EXT_OP_PREFIX, (byte) DEVICE_OP}, PkgLength.wrap(concat(NameString.encode(name), concat(terms))));
    }

    /** DefPackage: {@code Package () { elements }}, at most 255 elements. */
    public static byte[] pkg(byte[]... elements) {
        if (elements.length > 255) throw new IllegalArgumentException("a Package holds at most 255 elements (VarPackage for more)");
        return concat(new byte[] {PACKAGE_OP}, PkgLength.wrap(concat(new byte[] {(byte) elements.length}, concat(elements))));
    }

    /** DefBuffer: {@code Buffer () { bytes }}, the size given as an integer term. */
    public static byte[] buffer(byte[] bytes) {
        return concat(new byte[] {BUFFER_OP}, PkgLength.wrap(concat(integer(bytes.length), bytes)));
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    /** The low {@code n} bytes of {@code value}, little-endian. */
    static byte[] le(long value, int n) {
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) out[i] = (byte) (value >>> (8 * i));
        return out;
    }
}
