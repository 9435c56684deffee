package io.jkvm.api;

import io.jkvm.kvm.KvmExitReason;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** What a run did: exits per reason (all vCPUs), run time, unmapped bus accesses. */
public record VmStats(Map<String, Long> exitsByReason, long totalExits, Duration runTime,
                      long unmappedPortAccesses, long unmappedMmioAccesses, long assistedInstructions) {

    static VmStats of(long[] counts, Duration runTime, long unmappedPorts, long unmappedMmio, long assisted) {
        Map<String, Long> byReason = new LinkedHashMap<>();
        long total = 0;
        for (int r = 0; r < counts.length; r++) {
            if (counts[r] != 0) {
                byReason.put(KvmExitReason.name(r), counts[r]);
                total += counts[r];
            }
        }
        return new VmStats(byReason, total, runTime, unmappedPorts, unmappedMmio, assisted);
    }

    public double exitsPerSecond() {
        double seconds = runTime.toNanos() / 1e9;
        return seconds > 0 ? totalExits / seconds : 0;
    }

    /** The table {@code --stats} prints. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-26s %12s%n", "exit reason", "count"));
        exitsByReason.forEach((reason, n) -> sb.append(String.format("%-26s %12d%n", reason, n)));
        sb.append(String.format("%-26s %12d%n", "total", totalExits));
        sb.append(String.format("%-26s %12.6f%n", "run time (s)", runTime.toNanos() / 1e9));
        sb.append(String.format("%-26s %12.0f%n", "exits per second", exitsPerSecond()));
        if (unmappedPortAccesses > 0) sb.append(String.format("%-26s %12d%n", "unmapped port accesses", unmappedPortAccesses));
        if (assistedInstructions > 0) sb.append(String.format("%-26s %12d%n", "instructions assisted", assistedInstructions));
        if (unmappedMmioAccesses > 0) sb.append(String.format("%-26s %12d%n", "unmapped MMIO accesses", unmappedMmioAccesses));
        return sb.toString();
    }
}
