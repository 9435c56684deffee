package io.jkvm.it;

import io.jkvm.api.VirtualMachine;
import io.jkvm.config.VmConfig;
import io.jkvm.exit.VmExit;
import io.jkvm.boot.CpuMode;
import io.jkvm.boot.EntryPoint;
import io.jkvm.testing.KvmTest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One JVM creates, runs and closes 1,000 VMs in a row: no fd, no mapping and no RSS growth.
 * Mappings are counted (lines of /proc/self/maps) because guest RAM is MAP_NORESERVE and lazily
 * touched: 1,000 leaked 1 MiB mappings would barely move the RSS.
 */
@KvmTest
class LeakTest {
    private static final int WARM_UP = 100;
    private static final int VMS = 1000;
    /**
     * Mappings the JVM itself may add meanwhile (heap, metaspace or code cache committed in a
     * few more pieces, each a VMA of its own); a leak of one mapping per VM (guest RAM, a
     * kvm_run) is {@link #VMS} or more.
     */
    private static final long MAPPINGS_SLACK = 64;
    /** Slack for malloc arenas, thread stacks and other noise in the resident set outside the JVM's pools. */
    private static final long RSS_SLACK = 24L << 20;

    @Test
    void manyVmsLeaveNoFdsMappingsOrMemoryBehind() throws Exception {
        TestGuests.assumeKvm();
        byte[] hello = TestGuests.load("hello");
        VmConfig config = VmConfig.builder().mode(CpuMode.REAL).memory(1L << 20).image(hello, "hello")
                .loadAddress(0x1000).entry(EntryPoint.realMode(0, 0x1000)).register("rax", 2).register("rbx", 2)
                .cpus(2).build();
        for (int i = 0; i < WARM_UP; i++) runOnce(config);
        touchEden();
        System.gc();
        long fds = openFds();
        long mappings = mappings();
        long rss = rssBytes();
        long jvm = jvmCommittedBytes();
        for (int i = 0; i < VMS; i++) runOnce(config);
        System.gc();
        long fdsAfter = openFds();
        long mappingsAfter = mappings();
        long rssAfter = rssBytes();
        long jvmAfter = jvmCommittedBytes();
        // Growth of what the JVM committed to its heap, metaspace and code cache is the JVM
        // sizing itself (the test JVM of scripts/kvm-tests.sh has run dozens of tests first),
        // not jkvm: only the rest of the RSS growth counts.
        long jvmGrowth = Math.max(0, jvmAfter - jvm);
        String summary = String.format("fds %d -> %d, mappings %d -> %d, RSS %d KiB -> %d KiB, JVM-committed %d KiB -> %d KiB",
                fds, fdsAfter, mappings, mappingsAfter, rss >> 10, rssAfter >> 10, jvm >> 10, jvmAfter >> 10);
        assertEquals(fds, fdsAfter, "fds leaked: " + summary);
        assertTrue(mappingsAfter - mappings <= MAPPINGS_SLACK, "mappings leaked: " + summary);
        assertTrue(rssAfter - rss - jvmGrowth < RSS_SLACK, "RSS grew beyond the JVM's own pools: " + summary);
    }

    private static void runOnce(VmConfig config) throws InterruptedException {
        try (VirtualMachine vm = VirtualMachine.create(config)) {
            VmExit exit = vm.run(Duration.ofSeconds(10));
            assertEquals(VmExit.Reason.HALTED, exit.reason(), exit.message());
        }
    }

    private static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    /** One line of /proc/self/maps per mapping. */
    private static long mappings() throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.count();
        }
    }

    /**
     * Allocates twice the eden space's committed size in garbage, so that every page of
     * it is resident before the baseline. In a JVM that has run other tests, its heap may have
     * grown without the new young pages being used yet: the 1,000 VMs' garbage would touch
     * them, and the RSS would grow by up to the eden space's size without any leak (seen:
     * 165 MB in the emulated host's test JVM, with its committed memory unchanged).
     */
    private static void touchEden() {
        long eden = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && p.getName().contains("Eden"))
                .mapToLong(p -> p.getUsage().getCommitted()).sum();
        int chunk = 16 << 10;
        for (long done = 0; done < 2 * eden; done += chunk) {
            byte[] garbage = new byte[chunk];
            garbage[chunk - 1] = 1;
            sink = garbage;
        }
        sink = null;
    }

    /** Where touchEden's arrays go, so that no compiler can drop them. */
    @SuppressWarnings("unused")
    private static volatile byte[] sink;

    /** The memory the JVM committed to its heap and its non-heap pools (metaspace, code cache). */
    private static long jvmCommittedBytes() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        return memory.getHeapMemoryUsage().getCommitted() + memory.getNonHeapMemoryUsage().getCommitted();
    }

    private static long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
        }
        throw new IllegalStateException("no VmRSS");
    }
}
