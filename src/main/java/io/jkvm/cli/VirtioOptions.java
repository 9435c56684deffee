package io.jkvm.cli;

import io.jkvm.config.VirtioSpec;
import io.jkvm.devices.ByteSink;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code jkvm run}'s virtio options: {@code --drive file=PATH[,readonly=on][,id=NAME][,format=raw]}
 * (repeatable), {@code --console serial|virtio}, {@code --rng} and {@code --rng-rate BYTES}, turned
 * into {@link VirtioSpec}s in the order the devices get their transports: drives first, in the
 * order given (so the first is /dev/vda), then the console, then the entropy device.
 */
final class VirtioOptions {
    private VirtioOptions() {}

    static List<VirtioSpec> specs(List<String> drives, String console, boolean rng, String rngRate, ByteSink consoleOutput) {
        List<VirtioSpec> specs = new ArrayList<>();
        for (String d : drives) specs.add(drive(d));
        if (console != null) {
            switch (console.toLowerCase(Locale.ROOT)) {
                case "serial" -> { }
                case "virtio" -> specs.add(new VirtioSpec.Console(consoleOutput));
                default -> throw new UsageException("unknown --console '" + console + "': choose serial or virtio");
            }
        }
        if (rng || rngRate != null) {
            long rate = 0;
            if (rngRate != null) {
                try {
                    rate = io.jkvm.Sizes.parseSize(rngRate);
                } catch (io.jkvm.JkvmException e) {
                    throw new UsageException("--rng-rate: " + e.getMessage());
                }
                if (rate <= 0) throw new UsageException("--rng-rate " + rngRate + ": give at least 1 byte a second");
            }
            specs.add(new VirtioSpec.Rng(rate));
        }
        return specs;
    }

    /** Whether {@code --console} routes the console to virtio (stdin then feeds hvc0, not COM1). */
    static boolean virtioConsole(String console) {
        return console != null && console.equalsIgnoreCase("virtio");
    }

    /** One {@code --drive} value. */
    static VirtioSpec.Drive drive(String value) {
        Map<String, String> options = keyValues(value);
        String file = null;
        boolean readOnly = false;
        String id = null;
        for (Map.Entry<String, String> e : options.entrySet()) {
            String v = e.getValue();
            switch (e.getKey()) {
                case "file" -> file = v;
                case "readonly" -> readOnly = onOff("--drive readonly", v);
                case "id" -> id = v;
                case "format" -> {
                    if (!v.equals("raw")) {
                        throw new UsageException("--drive format=" + v + ": jkvm reads raw images only (convert with "
                                + "'qemu-img convert -O raw IN OUT')");
                    }
                }
                default -> throw new UsageException("--drive: unknown option '" + e.getKey()
                        + "' (jkvm knows file=, readonly=, id=, format=raw)");
            }
        }
        if (file == null || file.isEmpty()) throw new UsageException("--drive " + value + ": give file=PATH");
        if (id != null && id.isEmpty()) throw new UsageException("--drive id= is empty: give a name or leave it out");
        return new VirtioSpec.Drive(Path.of(file), readOnly, id);
    }

    static boolean onOff(String what, String v) {
        return switch (v) {
            case "on", "yes", "true" -> true;
            case "off", "no", "false" -> false;
            default -> throw new UsageException(what + "=" + v + ": give on or off");
        };
    }

    /** {@code k=v,k=v} with {@code ,,} for a literal comma (as QEMU); a bare first element is {@code file=}. */
    static Map<String, String> keyValues(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> parts = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == ',') {
                if (i + 1 < text.length() && text.charAt(i + 1) == ',') {
                    cur.append(',');
                    i++;
                } else {
                    parts.add(cur.toString());
                    cur.setLength(0);
                }
            } else {
                cur.append(c);
            }
        }
        parts.add(cur.toString());
        for (int i = 0; i < parts.size(); i++) {
            String p = parts.get(i);
            int eq = p.indexOf('=');
            if (eq < 0) {
                if (i == 0 && !p.isEmpty()) out.put("file", p);
                else throw new UsageException("--drive " + text + ": '" + p + "' is not key=value");
            } else {
                String key = p.substring(0, eq);
                if (out.containsKey(key)) throw new UsageException("--drive " + text + ": " + key + "= given twice");
                out.put(key, p.substring(eq + 1));
            }
        }
        return out;
    }
}
