package io.jkvm.qemu;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * QEMU's two {@code key=value,key=value} syntaxes, where {@code ,,} is a literal comma:
 * <ul>
 *   <li>{@link #opts} is QemuOpts (util/qemu-option.c), used by {@code -m}, {@code -device},
 *       {@code -fw_cfg}, {@code -name}, {@code -accel}, {@code -global}: a first element without
 *       {@code =} is the implied key's value (commas escaped as {@code ,,}); a later one is a
 *       flag, {@code foo} meaning {@code foo=on} and {@code nofoo} meaning {@code foo=off}.</li>
 *   <li>{@link #keyval} is util/keyval.c, used by {@code -machine} and {@code -smp}: the implied
 *       value is the first element up to the first {@code ,} or {@code =} (no escapes); a later
 *       element without {@code =} is an error; an element {@code help} or {@code ?} asks for help.</li>
 * </ul>
 * Errors are {@link IllegalArgumentException}s with QEMU's wording, which the parser prefixes
 * with the option.
 */
final class QemuSuboptions {
    private QemuSuboptions() {}

    /** One element, in the order given; {@code implied} when the key was not written. */
    record Pair(String key, String value, boolean implied) {}

    /** The elements of one argument and whether one of them asked for help. */
    record Parsed(List<Pair> pairs, boolean help) {
        Parsed {
            pairs = List.copyOf(pairs);
        }

        /** The last value given for {@code key} (QEMU's qemu_opt_get), or null. */
        String get(String key) {
            for (int i = pairs.size() - 1; i >= 0; i--) {
                if (pairs.get(i).key().equals(key)) return pairs.get(i).value();
            }
            return null;
        }

        /** Keys in first-seen order, each with its last value. */
        Map<String, String> map() {
            Map<String, String> m = new LinkedHashMap<>();
            for (Pair p : pairs) m.put(p.key(), p.value());
            return m;
        }
    }

    static boolean isHelp(String s) {
        return s.equals("help") || s.equals("?");
    }

    /**
     * QEMU's get_opt_value: the value starting at {@code from} up to the first comma that is not
     * doubled, with {@code ,,} turned into {@code ,}; appends it to {@code out} and returns the index
     * of the terminating comma, or {@code s.length()}.
     */
    static int readValue(String s, int from, StringBuilder out) {
        int i = from;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == ',') {
                if (i + 1 < s.length() && s.charAt(i + 1) == ',') {
                    out.append(',');
                    i += 2;
                    continue;
                }
                return i;
            }
            out.append(c);
            i++;
        }
        return i;
    }

    /**
     * A comma-separated list with {@code ,,} escaping a comma, split as qemu-system-x86_64 7.2 splits
     * a multiboot {@code -initrd} (checked against the binary): elements are taken while text is
     * left, so {@code ""} has none and a trailing comma adds none, but a leading comma gives an
     * empty first element ({@code ","} is {@code [""]}, which QEMU then fails to open).
     */
    static List<String> splitList(String s) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            StringBuilder sb = new StringBuilder();
            int end = readValue(s, i, sb);
            out.add(sb.toString());
            i = end + 1;
        }
        return out;
    }

    /** Length of the run at {@code from} without any of {@code stops} (C strcspn). */
    private static int span(String s, int from, String stops) {
        int i = from;
        while (i < s.length() && stops.indexOf(s.charAt(i)) < 0) i++;
        return i - from;
    }

    /** QemuOpts' parse of {@code params}; {@code impliedKey} may be null (no implied first key). */
    static Parsed opts(String params, String impliedKey) {
        List<Pair> pairs = new ArrayList<>();
        boolean help = false;
        String first = impliedKey;
        int p = 0;
        while (p < params.length()) {
            int len = span(params, p, "=,");
            boolean hasValue = p + len < params.length() && params.charAt(p + len) == '=';
            if (!hasValue && first != null) {
                StringBuilder sb = new StringBuilder();
                p = readValue(params, p, sb);
                pairs.add(new Pair(first, sb.toString(), true));
            } else if (!hasValue) {
                String name = params.substring(p, p + len);
                p += len;
                if (name.startsWith("no")) {
                    pairs.add(new Pair(name.substring(2), "off", false));
                } else {
                    pairs.add(new Pair(name, "on", false));
                    if (isHelp(name)) help = true;
                }
            } else {
                String name = params.substring(p, p + len);
                StringBuilder sb = new StringBuilder();
                p = readValue(params, p + len + 1, sb);
                pairs.add(new Pair(name, sb.toString(), false));
            }
            if (p < params.length()) p++;  // the comma
            first = null;
        }
        return new Parsed(pairs, help);
    }

    /** keyval's parse of {@code params}; {@code impliedKey} may be null. */
    static Parsed keyval(String params, String impliedKey) {
        List<Pair> pairs = new ArrayList<>();
        boolean help = false;
        String implied = impliedKey;
        int s = 0;
        while (s < params.length()) {
            int len = span(params, s, "=,");
            int keyEnd = s + len;
            boolean hasValue = keyEnd < params.length() && params.charAt(keyEnd) == '=';
            if (len > 0 && !hasValue && (isHelp(params.substring(s, keyEnd)) || implied != null)) {
                String word = params.substring(s, keyEnd);
                if (isHelp(word)) {
                    help = true;
                } else {
                    pairs.add(new Pair(implied, word, true));
                }
                s = keyEnd < params.length() ? keyEnd + 1 : keyEnd;
                implied = null;
                continue;
            }
            String key = params.substring(s, keyEnd);
            if (!validKey(key)) throw new IllegalArgumentException("Invalid parameter '" + key + "'");
            if (!hasValue) throw new IllegalArgumentException("Expected '=' after parameter '" + key + "'");
            StringBuilder sb = new StringBuilder();
            s = readValue(params, keyEnd + 1, sb);
            if (s < params.length()) s++;
            pairs.add(new Pair(key, sb.toString(), false));
            implied = null;
        }
        return new Parsed(pairs, help);
    }

    /** A keyval key: dot-separated QAPI names (letter first; letters, digits, '-', '_'), or indexes after the first. */
    static boolean validKey(String key) {
        String[] parts = key.split("\\.", -1);
        for (int i = 0; i < parts.length; i++) {
            String f = parts[i];
            if (f.isEmpty()) return false;
            boolean index = i > 0 && f.chars().allMatch(Character::isDigit);
            if (index) continue;
            if (!isAsciiLetter(f.charAt(0))) return false;
            for (int j = 1; j < f.length(); j++) {
                char c = f.charAt(j);
                if (!isAsciiLetter(c) && !(c >= '0' && c <= '9') && c != '-' && c != '_') return false;
            }
        }
        return true;
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}
