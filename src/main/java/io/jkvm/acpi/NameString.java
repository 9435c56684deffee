package io.jkvm.acpi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * AML name encoding (ACPI 6.5 20.2.2): a path such as {@code \_SB.COM1} or {@code _S5}.
 * Each NameSeg is four characters, a leading {@code A-Z} or {@code _} then {@code A-Z0-9_},
 * padded with {@code _} (so {@code _S5} is {@code _S5_}). A path may start with the root
 * {@code \} or parent prefixes {@code ^}; two segments take DualNamePrefix (0x2e), three or
 * more MultiNamePrefix (0x2f) and a count.
 */
public final class NameString {
    private NameString() {}

    static final int ROOT_CHAR = 0x5c;
    static final int PARENT_PREFIX_CHAR = 0x5e;
    static final int DUAL_NAME_PREFIX = 0x2e;
    static final int MULTI_NAME_PREFIX = 0x2f;
    static final int NULL_NAME = 0x00;

    public static byte[] encode(String path) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        if (path.startsWith("\\")) {
            out.write(ROOT_CHAR);
            i = 1;
        } else {
            while (i < path.length() && path.charAt(i) == '^') {
                out.write(PARENT_PREFIX_CHAR);
                i++;
            }
        }
        String rest = path.substring(i);
        if (rest.isEmpty()) {
            out.write(NULL_NAME);
            return out.toByteArray();
        }
        String[] segs = rest.split("\\.", -1);
        if (segs.length == 2) out.write(DUAL_NAME_PREFIX);
        if (segs.length > 2) {
            if (segs.length > 255) throw new IllegalArgumentException("too many name segments: " + path);
            out.write(MULTI_NAME_PREFIX);
            out.write(segs.length);
        }
        for (String s : segs) out.writeBytes(seg(s, path));
        return out.toByteArray();
    }

    /** One four-character NameSeg, {@code _}-padded. */
    static byte[] seg(String s, String path) {
        if (s.isEmpty() || s.length() > 4) throw new IllegalArgumentException("bad name segment \"" + s + "\" in " + path);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
            if (!ok) throw new IllegalArgumentException("bad character '" + c + "' in name segment \"" + s + "\" of " + path);
        }
        return (s + "____".substring(s.length())).getBytes(StandardCharsets.US_ASCII);
    }
}
