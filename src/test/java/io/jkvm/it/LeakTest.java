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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.management.ObjectName;

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
    /** Slack for malloc arenas, thread stacks and other noise in the resident set outside the heap. */
    private static final long RSS_SLACK = 24L << 20;

    @Test
    void manyVmsLeaveNoFdsMappingsOrMemoryBehind() throws Exception {
        TestGuests.assumeKvm();
        byte[] hello = TestGuests.load("hello");
        VmConfig config = VmConfig.builder().mode(CpuMode.REAL).memory(1L << 20).image(hello, "hello")
                .loadAddress(0x1000).entry(EntryPoint.realMode(0, 0x1000)).register("rax", 2).register("rbx", 2)
                .cpus(2).build();
        for (int i = 0; i < WARM_UP; i++) runOnce(config);
        System.gc();
        long fds = openFds();
        long mappings = mappings();
        long rss = rssOutsideTheHeap();
        long nonHeap = nonHeapCommitted();
        for (int i = 0; i < VMS; i++) runOnce(config);
        System.gc();
        long fdsAfter = openFds();
        long mappingsAfter = mappings();
        long rssAfter = rssOutsideTheHeap();
        long nonHeapAfter = nonHeapCommitted();
        // Metaspace and code cache growing is the JVM, not jkvm.
        long jvmGrowth = Math.max(0, nonHeapAfter - nonHeap);
        String summary = String.format("fds %d -> %d, mappings %d -> %d, RSS outside the Java heap %d KiB -> %d KiB, "
                        + "metaspace and code cache committed %d KiB -> %d KiB",
                fds, fdsAfter, mappings, mappingsAfter, rss >> 10, rssAfter >> 10, nonHeap >> 10, nonHeapAfter >> 10);
        assertEquals(fds, fdsAfter, "fds leaked: " + summary);
        assertTrue(mappingsAfter - mappings <= MAPPINGS_SLACK, "mappings leaked: " + summary);
        assertTrue(rssAfter - rss - jvmGrowth < RSS_SLACK, "RSS grew: " + summary);
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

    /** What the JVM committed outside its heap: metaspace, code cache. */
    private static long nonHeapCommitted() {
        return ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage().getCommitted();
    }

    /**
     * The resident set less the Java heap's resident pages. The heap's own pages come and go
     * with the collector (in a test JVM that has run dozens of tests first, the 1,000 VMs'
     * garbage reaches old-generation pages never touched before: 160 MB more RSS, with no
     * leak and the committed heap smaller), and a leak in jkvm's native memory is outside it.
     */
    private static long rssOutsideTheHeap() throws Exception {
        long[] heap = heapRange();
        long total = 0, inHeap = 0;
        boolean heapVma = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            Matcher vma = VMA.matcher(line);
            if (vma.lookingAt()) {
                long start = Long.parseUnsignedLong(vma.group(1), 16), end = Long.parseUnsignedLong(vma.group(2), 16);
                heapVma = start >= heap[0] && end <= heap[1];
            } else if (line.startsWith("Rss:")) {
                long bytes = Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                total += bytes;
                if (heapVma) inHeap += bytes;
            }
        }
        return total - inHeap;
    }

    private static final Pattern VMA = Pattern.compile("(\\p{XDigit}+)-(\\p{XDigit}+) ");
    /** A heap space in GC.heap_info: [low, top, high) for Serial and Parallel, [low, high) for G1. */
    private static final Pattern SPACE = Pattern.compile("\\[0x(\\p{XDigit}+), (?:0x\\p{XDigit}+, )?0x(\\p{XDigit}+)\\)");

    /** The Java heap's reserved address range, from the GC.heap_info diagnostic command. */
    private static long[] heapRange() throws Exception {
        String info = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcHeapInfo",
                new Object[] {null}, new String[] {String[].class.getName()});
        long low = Long.MAX_VALUE, high = 0;
        Matcher m = SPACE.matcher(info);
        while (m.find()) {
            low = Math.min(low, Long.parseUnsignedLong(m.group(1), 16));
            high = Math.max(high, Long.parseUnsignedLong(m.group(2), 16));
        }
        if (high == 0) throw new IllegalStateException("no heap range in GC.heap_info:\n" + info);
        return new long[] {low, high};
    }
}
