package io.jkvm.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The host's memory, from /proc/meminfo (proc(5)). */
public final class HostMemory {
    private HostMemory() {}

    /** MemTotal in bytes, or Long.MAX_VALUE when it cannot be read. */
    public static long total() {
        return meminfoField("MemTotal:");
    }

    static long meminfoField(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith(field)) {
                    String[] parts = line.substring(field.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return Long.MAX_VALUE;
    }
}
