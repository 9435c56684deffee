package io.jkvm.state;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes saved state in jkvm's state encoding: explicit, little-endian, versioned per section.
 * <pre>
 * section  := tag (4 ASCII bytes, e.g. "UART")  version (u16, from 1)  length (u32)  body
 * body     := the record's fields in a fixed order, {@code length} bytes; may hold sections
 * u8, u16, u32, u64  little-endian, unsigned as written (a u32 or u64 is a Java int or long)
 * bool     := u8, 0 or 1
 * bytes    := length (u32), then that many bytes
 * </pre>
 * There are no field names or types in the stream: a record's {@code writeTo} and
 * {@code readFrom} list the same fields in the same order, and a change to them is a new
 * version. The same state always encodes to the same bytes, so "save, restore, save" can be
 * checked byte for byte. In the spirit of Firecracker's versionize (src/vmm/src/snapshot/),
 * without its derive machinery: each device writes its own fields by hand.
 *
 * <p>Not thread-safe; one writer per save.
 */
public final class StateWriter {
    static final int TAG_LENGTH = 4;
    static final int HEADER_LENGTH = TAG_LENGTH + 2 + 4;
    static final int MAX_DEPTH = 8;

    private byte[] buf = new byte[256];
    private int size;
    /** Where the length field of each open section is. */
    private final int[] open = new int[MAX_DEPTH];
    private int depth;

    /**
     * Opens a section; its fields follow, then {@link #endSection()}.
     *
     * @param tag     four printable ASCII characters naming the record, e.g. {@code "UART"}
     * @param version the record's encoding version, 1 to 65535
     */
    public StateWriter beginSection(String tag, int version) {
        byte[] t = checkTag(tag);
        if (version < 1 || version > 0xffff) throw new IllegalArgumentException("section " + tag + " version " + version + " is not 1-65535");
        if (depth == MAX_DEPTH) throw new IllegalStateException("sections nested deeper than " + MAX_DEPTH);
        raw(t);
        u16(version);
        open[depth++] = size;
        u32(0); // the body's length, filled in by endSection
        return this;
    }

    /** Closes the innermost open section, recording its length. */
    public StateWriter endSection() {
        if (depth == 0) throw new IllegalStateException("no open section");
        int at = open[--depth];
        int length = size - (at + 4);
        for (int i = 0; i < 4; i++) buf[at + i] = (byte) (length >>> (8 * i));
        return this;
    }

    public StateWriter u8(int value) {
        if ((value & ~0xff) != 0) throw new IllegalArgumentException("u8 value " + value);
        ensure(1);
        buf[size++] = (byte) value;
        return this;
    }

    public StateWriter u16(int value) {
        if ((value & ~0xffff) != 0) throw new IllegalArgumentException("u16 value " + value);
        return little(value, 2);
    }

    public StateWriter u32(int value) {
        return little(value, 4);
    }

    public StateWriter u64(long value) {
        return little(value, 8);
    }

    public StateWriter bool(boolean value) {
        return u8(value ? 1 : 0);
    }

    /** A length-prefixed byte string. */
    public StateWriter bytes(byte[] value) {
        u32(value.length);
        return raw(value);
    }

    /** Bytes whose length the record fixes (a register file, a kernel struct): no length prefix. */
    public StateWriter raw(byte[] value) {
        ensure(value.length);
        System.arraycopy(value, 0, buf, size, value.length);
        size += value.length;
        return this;
    }

    /** The encoded state; every section must be closed. */
    public byte[] toByteArray() {
        if (depth != 0) throw new IllegalStateException(depth + " section(s) still open");
        return Arrays.copyOf(buf, size);
    }

    private StateWriter little(long value, int n) {
        ensure(n);
        for (int i = 0; i < n; i++) buf[size++] = (byte) (value >>> (8 * i));
        return this;
    }

    private void ensure(int n) {
        if (buf.length - size < n) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + n));
    }

    static byte[] checkTag(String tag) {
        if (tag.length() != TAG_LENGTH || !tag.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("section tag '" + tag + "' is not 4 printable ASCII characters");
        }
        return tag.getBytes(StandardCharsets.US_ASCII);
    }
}
