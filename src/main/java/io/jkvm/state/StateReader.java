package io.jkvm.state;

import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Reads what a {@link StateWriter} wrote, for a record's {@code readFrom}. The input comes from
 * a file a user hands jkvm, so nothing in it is trusted: every read is checked against the end
 * of the innermost section, a byte string is allocated only after its length has been checked
 * against the bytes actually present and the record's own maximum, and every failure is a
 * {@link StateFormatException} naming the section and the byte offset, never an
 * out-of-bounds index or a huge allocation.
 *
 * <pre>{@code
 * int version = in.beginSection("UART", 1);   // refuses another tag, or a version above 1
 * int dll = in.u8("dll");
 * ...
 * in.endSection();                             // refuses bytes left over in the section
 * }</pre>
 * Not thread-safe; one reader per restore. The input array is not copied: do not change it.
 */
public final class StateReader {
    private final byte[] in;
    private int position;
    private final int[] limits = new int[StateWriter.MAX_DEPTH];
    private final String[] tags = new String[StateWriter.MAX_DEPTH];
    private int depth;

    public StateReader(byte[] in) {
        this.in = in;
    }

    /**
     * Opens the next section, which must be {@code tag} with a version from 1 to
     * {@code maxVersion} and a length within the enclosing section.
     *
     * @return the section's version, for a reader of several versions
     */
    public int beginSection(String tag, int maxVersion) {
        StateWriter.checkTag(tag);
        if (depth == StateWriter.MAX_DEPTH) throw corrupt("sections nested deeper than " + StateWriter.MAX_DEPTH);
        need(StateWriter.HEADER_LENGTH, "the header of section " + tag);
        String found = new String(in, position, StateWriter.TAG_LENGTH, StandardCharsets.ISO_8859_1);
        if (!found.equals(tag)) {
            throw corrupt("expected section '" + tag + "', found '" + printable(found) + "'");
        }
        position += StateWriter.TAG_LENGTH;
        int version = little(2);
        long length = little(4) & 0xffff_ffffL;
        if (version < 1 || version > maxVersion) {
            throw corrupt("section '" + tag + "' has version " + version + "; this jkvm reads versions 1 to " + maxVersion);
        }
        if (length > limit() - position) {
            throw corrupt("section '" + tag + "' claims " + length + " bytes but only " + (limit() - position) + " follow");
        }
        tags[depth] = tag;
        limits[depth++] = position + (int) length;
        return version;
    }

    /** Closes the innermost section; it must have been read to its end. */
    public void endSection() {
        if (depth == 0) throw new IllegalStateException("no open section");
        int left = limit() - position;
        if (left != 0) throw corrupt(left + " unread byte(s) at the end of the section");
        depth--;
    }

    /** Checks that the whole input has been read (after the last top-level section). */
    public void end() {
        if (depth != 0) throw new IllegalStateException(depth + " section(s) still open");
        if (position != in.length) throw corrupt((in.length - position) + " byte(s) after the last section");
    }

    /** Whether bytes are left before the end of the innermost section (or of the input). */
    public boolean hasMore() {
        return position < limit();
    }

    public int u8(String field) {
        need(1, field);
        return in[position++] & 0xff;
    }

    public int u16(String field) {
        need(2, field);
        return little(2);
    }

    public int u32(String field) {
        need(4, field);
        return little(4);
    }

    public long u64(String field) {
        need(8, field);
        long lo = little(4) & 0xffff_ffffL;
        long hi = little(4) & 0xffff_ffffL;
        return hi << 32 | lo;
    }

    public boolean bool(String field) {
        int v = u8(field);
        if (v > 1) throw corrupt(field + " = " + v + " is not a boolean (0 or 1)", -1);
        return v == 1;
    }

    /** A length-prefixed byte string of at most {@code maxLength} bytes. */
    public byte[] bytes(String field, int maxLength) {
        long length = u32(field + " length") & 0xffff_ffffL;
        if (length > maxLength) throw corrupt(field + " has " + length + " bytes, more than the " + maxLength + " allowed", -4);
        return raw(field, (int) length);
    }

    /** Exactly {@code length} bytes, with no length prefix. */
    public byte[] raw(String field, int length) {
        need(length, field);
        byte[] b = new byte[length];
        System.arraycopy(in, position, b, 0, length);
        position += length;
        return b;
    }

    /**
     * Builds the record from the fields read: a value the record's constructor refuses
     * ({@link IllegalArgumentException}, or the {@link java.time.DateTimeException} family)
     * becomes a {@link StateFormatException} naming the section.
     */
    public <T> T build(Supplier<T> record) {
        try {
            return record.get();
        } catch (IllegalArgumentException | java.time.DateTimeException | ArithmeticException e) {
            throw new StateFormatException(where() + ": " + e.getMessage(), e);
        }
    }

    /** A {@link StateFormatException} about the current position, for a record's own checks. */
    public StateFormatException corrupt(String what) {
        return corrupt(what, 0);
    }

    private StateFormatException corrupt(String what, int back) {
        return new StateFormatException(where(position + back) + ": " + what);
    }

    private String where() {
        return where(position);
    }

    private String where(int at) {
        String section = depth == 0 ? "saved state" : "saved state section '" + tags[depth - 1] + "'";
        return section + " at byte " + at;
    }

    private int limit() {
        return depth == 0 ? in.length : limits[depth - 1];
    }

    private void need(int n, String what) {
        if (n < 0 || n > limit() - position) {
            String end = depth == 0 ? "the input" : "the section";
            throw corrupt("truncated: " + what + " needs " + n + " byte(s), " + (limit() - position) + " left in " + end);
        }
    }

    private int little(int n) {
        int v = 0;
        for (int i = 0; i < n; i++) v |= (in[position++] & 0xff) << (8 * i);
        return v;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) b.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c));
        return b.toString();
    }
}
