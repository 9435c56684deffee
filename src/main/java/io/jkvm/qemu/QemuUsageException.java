package io.jkvm.qemu;

import io.jkvm.JkvmException;

/**
 * A command line {@code jkvm-qemu} refuses, in QEMU's style: one line that starts with the option
 * as given and its argument, e.g. {@code -cpu qemu64: jkvm supports only -cpu host or max (...)}
 * or {@code -foo: invalid option}. Control characters from the user's arguments are escaped, so
 * the message never spans lines.
 */
public final class QemuUsageException extends JkvmException {
    public QemuUsageException(String message) {
        super(oneLine(message));
    }

    /** {@code OPTION: REASON}, for options without an argument (or with a missing one). */
    static QemuUsageException at(String option, String reason) {
        return new QemuUsageException(option + ": " + reason);
    }

    /** {@code OPTION ARG: REASON}, as QEMU locates an error in an option's argument. */
    static QemuUsageException at(String option, String arg, String reason) {
        return new QemuUsageException(option + " " + arg + ": " + reason);
    }

    static String oneLine(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == '\u0085') {
                        sb.append(String.format("\\x%02x", (int) c));
                    } else if (c == '\u2028' || c == '\u2029') {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }
}
