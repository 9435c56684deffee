package io.jkvm.qemu;

import java.util.Map;
import java.util.Set;

/**
 * The vCPU topology of {@code -smp}: {@code cpus} vCPUs at start, room for {@code maxCpus}
 * ({@code sockets * dies * clusters * cores * threads}). Computed as QEMU 7.2 does
 * (hw/core/machine-smp.c, machine_parse_smp_config).
 */
public record QemuSmp(int cpus, int sockets, int dies, int clusters, int cores, int threads, int maxCpus) {
    /** No {@code -smp}: one vCPU. */
    public static final QemuSmp DEFAULT = new QemuSmp(1, 1, 1, 1, 1, 1, 1);

    /** The keys {@code -smp} takes in QEMU 7.2. */
    static final Set<String> KEYS = Set.of("cpus", "sockets", "dies", "clusters", "cores", "threads", "maxcpus");

    /**
     * The topology from the given values (absent keys omitted, each value at least 1 and below
     * 2^32), filling in the omitted ones. Since QEMU 6.2 omitted cores are preferred over sockets;
     * machine types before 6.2 ({@code preferSockets}) prefer sockets.
     *
     * @throws IllegalArgumentException with QEMU's message when the values do not fit together
     */
    static QemuSmp compute(Map<String, Long> given, QemuMachine machine, boolean preferSockets) {
        for (Map.Entry<String, Long> e : given.entrySet()) {
            if (!KEYS.contains(e.getKey())) throw new IllegalArgumentException("Invalid parameter '" + e.getKey() + "'");
            if (e.getValue() == 0) {
                throw new IllegalArgumentException("Invalid CPU topology: CPU topology parameters must be greater than zero");
            }
        }
        long cpus = given.getOrDefault("cpus", 0L);
        long sockets = given.getOrDefault("sockets", 0L);
        long dies = given.getOrDefault("dies", 0L);
        long clusters = given.getOrDefault("clusters", 0L);
        long cores = given.getOrDefault("cores", 0L);
        long threads = given.getOrDefault("threads", 0L);
        long maxcpus = given.getOrDefault("maxcpus", 0L);

        if (!machine.diesSupported() && dies > 1) {
            throw new IllegalArgumentException("dies not supported by this machine's CPU topology");
        }
        if (clusters > 1) {
            throw new IllegalArgumentException("clusters not supported by this machine's CPU topology");
        }
        dies = dies > 0 ? dies : 1;
        clusters = clusters > 0 ? clusters : 1;

        if (cpus == 0 && maxcpus == 0) {
            sockets = sockets > 0 ? sockets : 1;
            cores = cores > 0 ? cores : 1;
            threads = threads > 0 ? threads : 1;
        } else {
            maxcpus = maxcpus > 0 ? maxcpus : cpus;
            if (preferSockets) {
                if (sockets == 0) {
                    cores = cores > 0 ? cores : 1;
                    threads = threads > 0 ? threads : 1;
                    sockets = maxcpus / product(dies, clusters, cores, threads);
                } else if (cores == 0) {
                    threads = threads > 0 ? threads : 1;
                    cores = maxcpus / product(sockets, dies, clusters, threads);
                }
            } else {
                if (cores == 0) {
                    sockets = sockets > 0 ? sockets : 1;
                    threads = threads > 0 ? threads : 1;
                    cores = maxcpus / product(sockets, dies, clusters, threads);
                } else if (sockets == 0) {
                    threads = threads > 0 ? threads : 1;
                    sockets = maxcpus / product(dies, clusters, cores, threads);
                }
            }
            if (threads == 0) threads = maxcpus / product(sockets, dies, clusters, cores);
        }
        long total = product(sockets, dies, clusters, cores, threads);
        maxcpus = maxcpus > 0 ? maxcpus : total;
        cpus = cpus > 0 ? cpus : maxcpus;

        String hierarchy = "sockets (" + sockets + ")" + (machine.diesSupported() ? " * dies (" + dies + ")" : "")
                + " * cores (" + cores + ") * threads (" + threads + ")";
        if (total != maxcpus) {
            throw new IllegalArgumentException("Invalid CPU topology: product of the hierarchy must match maxcpus: "
                    + hierarchy + " != maxcpus (" + maxcpus + ")");
        }
        if (maxcpus < cpus) {
            throw new IllegalArgumentException("Invalid CPU topology: maxcpus must be equal to or greater than smp: "
                    + hierarchy + " == maxcpus (" + maxcpus + ") < smp_cpus (" + cpus + ")");
        }
        if (maxcpus > machine.maxCpus()) {
            throw new IllegalArgumentException("Invalid SMP CPUs " + maxcpus + ". The max CPUs supported by machine '"
                    + machine.qemuName() + "' is " + machine.maxCpus());
        }
        // Everything is now at most maxcpus <= 288.
        return new QemuSmp((int) cpus, (int) sockets, (int) dies, (int) clusters, (int) cores, (int) threads, (int) maxcpus);
    }

    /** The product, saturating at Long.MAX_VALUE (which then matches no maxcpus). */
    private static long product(long... values) {
        long p = 1;
        for (long v : values) {
            if (v != 0 && p > Long.MAX_VALUE / v) return Long.MAX_VALUE;
            p *= v;
        }
        return p;
    }
}
