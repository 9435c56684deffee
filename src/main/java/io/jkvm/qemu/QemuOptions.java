package io.jkvm.qemu;

import java.util.ArrayList;
import java.util.List;

public final class QemuOptions {
    public static List<String> splitList(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ',') {
                if (i + 1 < s.length() && s.charAt(i + 1) == ',') { b.append(','); i++; continue; }
                out.add(b.toString()); b.setLength(0);
            } else b.append(c);
        }
        out.add(b.toString());
        return out;
    }
}
