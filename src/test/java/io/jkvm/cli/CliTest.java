package io.jkvm.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The command line: every bad input is one line on stderr naming the problem, a non-zero
 * status, no stack trace, and no fd left open; the demos print what MISSION.md shows.
 */
class CliTest {
    private static final Path GUESTS = Path.of(System.getProperty("jkvm.guests", "target/classes/guests"));

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream savedOut;
    private PrintStream savedErr;

    @TempDir
    Path tmp;

    @BeforeEach
    void capture() {
        savedOut = System.out;
        savedErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(savedOut);
        System.setErr(savedErr);
    }

    private String stdout() { return out.toString(StandardCharsets.UTF_8); }

    private String stderr() { return err.toString(StandardCharsets.UTF_8); }

    private static boolean kvm() {
        return Files.isReadable(Path.of("/dev/kvm")) && Files.isWritable(Path.of("/dev/kvm"));
    }

    private static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    /** Runs the CLI expecting failure: returns the single stderr line. */
    private String fails(int expectedStatus, String... args) throws IOException {
        long fds = openFds();
        int status = Main.execute(args);
        String e = stderr();
        assertEquals(expectedStatus, status, "status; stderr: " + e);
        List<String> lines = e.lines().filter(l -> !l.startsWith("Try '")).toList();
        assertEquals(1, lines.size(), "expected one line, got: " + e);
        assertTrue(lines.get(0).startsWith("jkvm: "), e);
        assertFalse(e.contains("Exception") || e.contains("\tat "), "stack trace: " + e);
        assertEquals(fds, openFds(), "fds left open");
        return lines.get(0);
    }

    private String hello() { return GUESTS.resolve("hello.bin").toString(); }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--memory 12Q|--memory",
        "--memory abc|--memory",
        "--load-address zz|--load-address",
        "--cpus 0|--cpus",
        "--cpus x|--cpus",
        "--reg rax|NAME=VALUE",
        "--reg rax=qq|--reg",
        "--mode warp|--mode",
        "--trace everything|--trace",
        "--entry 1000:zz|--entry",
        "--serial tty|--serial",
        "--exits 0|--exits",
        "--timeout soon|duration",
    })
    void badFlagValuesAreUsageErrors(String flags, String mentioned) throws IOException {
        String[] args = Stream.concat(Stream.of("run"), Stream.concat(Stream.of(flags.split(" ")), Stream.of(hello())))
                .toArray(String[]::new);
        String line = fails(2, args);
        assertTrue(line.contains(mentioned), line);
    }

    @Test
    void unknownOptionIsAUsageError() throws IOException {
        String line = fails(2, "run", "--frobnicate", hello());
        assertTrue(line.contains("--frobnicate"), line);
    }

    @Test
    void unknownDemo() throws IOException {
        assertTrue(fails(2, "demo", "tetris").contains("hello or counter"));
    }

    @Test
    void missingKvmDeviceSaysKvmIsNotAvailable() throws IOException {
        String line = fails(1, "run", "--kvm", tmp.resolve("no-kvm").toString(), hello());
        assertTrue(line.contains("does not exist") && line.contains("KVM"), line);
    }

    @Test
    void aFileThatIsNotKvm() throws IOException {
        Path notKvm = Files.writeString(tmp.resolve("not-kvm"), "x");
        String line = fails(1, "run", "--kvm", notKvm.toString(), hello());
        assertTrue(line.contains("is not a KVM device"), line);
    }

    @Test
    void missingImage() throws IOException {
        assertTrue(fails(1, "run", tmp.resolve("nope.bin").toString()).contains("does not exist"));
    }

    @Test
    void imageThatIsADirectory() throws IOException {
        assertTrue(fails(1, "run", tmp.toString()).contains("is a directory"));
    }

    @Test
    void imageLargerThanRam() throws IOException {
        Path big = tmp.resolve("big.bin");
        try (var ch = Files.newByteChannel(big, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            ch.position((2L << 20) - 1);
            ch.write(java.nio.ByteBuffer.wrap(new byte[1]));
        }
        assertTrue(fails(1, "run", "--memory", "1M", big.toString()).contains("larger than guest RAM"));
    }

    @Test
    void imageRunningPastTheEndOfRam() throws IOException {
        assumeTrue(kvm(), "/dev/kvm is absent");
        assertTrue(fails(1, "run", "--memory", "1M", "--load-address", "0xfffff", hello()).contains("past the end of guest RAM"));
    }

    @Test
    void loadAddressOutsideRam() throws IOException {
        assumeTrue(kvm(), "/dev/kvm is absent");
        assertTrue(fails(1, "run", "--memory", "1M", "--load-address", "0x200000", hello()).contains("outside guest RAM"));
    }

    @Test
    void unknownRegister() throws IOException {
        assumeTrue(kvm(), "/dev/kvm is absent");
        String line = fails(1, "run", "--reg", "xmm0=1", hello());
        assertTrue(line.contains("unknown register 'xmm0'") && line.contains("rflags"), line);
    }

    @Test
    void memoryNotAMultipleOf4K() throws IOException {
        assumeTrue(kvm(), "/dev/kvm is absent");
        assertTrue(fails(1, "run", "--memory", "1000001", hello()).contains("multiple of 4 KiB"));
    }

    @Test
    void memoryLargerThanTheHost() throws IOException {
        assumeTrue(kvm(), "/dev/kvm is absent");
        assertTrue(fails(1, "run", "--memory", "64T", hello()).contains("more than this host has"));
    }

    @Test
    void moreCpusThanKvmAllows() throws IOException {
        assumeTrue(kvm(), "/dev/kvm is absent");
        assertTrue(fails(1, "run", "--cpus", "100000", hello()).contains("more than KVM allows"));
    }

    @Test
    void imageOverlappingThePageTables() throws IOException {
        assumeTrue(kvm(), "/dev/kvm is absent");
        String line = fails(1, "run", "--mode", "long", "--load-address", "0x9000", hello());
        assertTrue(line.contains("overlaps jkvm's page tables"), line);
    }

    @Test
    void debugPrintsTheStackTrace() {
        int status = Main.execute("run", "--debug", "--kvm", tmp.resolve("no-kvm").toString(), hello());
        assertNotEquals(0, status);
        assertTrue(stderr().contains("\tat io.jkvm"), stderr());
    }

    @Test
    void helloDemoPrintsFourThenTheHalt() {
        assumeTrue(kvm(), "/dev/kvm is absent");
        assertEquals(0, Main.execute("demo", "hello"), stderr());
        assertEquals("4\nKVM_EXIT_HLT\n", stdout());
    }

    @Test
    void counterDemoLogsEveryExitLikeKvmsample() {
        assumeTrue(kvm(), "/dev/kvm is absent");
        assertEquals(0, Main.execute("demo", "counter", "--exits", "3"), stderr());
        assertEquals("""
                KVM_EXIT_IO
                out port: 16, data: 0
                KVM_EXIT_IO
                out port: 16, data: 1
                KVM_EXIT_IO
                out port: 16, data: 2
                jkvm: stopped after 3 exits (--exits)
                """, stdout());
    }

    @Test
    void runTracesExitsAndPrintsStats() {
        assumeTrue(kvm(), "/dev/kvm is absent");
        int status = Main.execute("run", "--trace", "exits", "--stats", "--reg", "rax=2", "--reg", "rbx=2", hello());
        assertEquals(0, status, stderr());
        assertEquals("4\n", stdout());
        String e = stderr();
        assertTrue(e.contains("KVM_EXIT_IO\nout port: 0x3f8, size: 1, count: 1, data: 0x34\n"), e);
        assertTrue(e.contains("KVM_EXIT_HLT\n"), e);
        assertTrue(e.lines().anyMatch(l -> l.matches("KVM_EXIT_IO +2")), e);
        assertTrue(e.lines().anyMatch(l -> l.matches("total +3")), e);
        assertTrue(e.contains("exits per second"), e);
        assertTrue(e.contains("jkvm: KVM_EXIT_HLT: the guest halted"), e);
    }

    @Test
    void realModeSegmentedEntry() {
        assumeTrue(kvm(), "/dev/kvm is absent");
        // hello at 0x1000 reached as 0100:0000 (CS base 0x1000, IP 0).
        int status = Main.execute("run", "--entry", "0100:0000", "--reg", "rax=3", "--reg", "rbx=4", hello());
        assertEquals(0, status, stderr());
        assertEquals("7\n", stdout());
    }

    @Test
    void serialOutputToAFile() throws IOException {
        assumeTrue(kvm(), "/dev/kvm is absent");
        Path out = tmp.resolve("com1.txt");
        assertEquals(0, Main.execute("run", "--serial", "file:" + out, "--reg", "rax=2", "--reg", "rbx=2", hello()), stderr());
        assertEquals("4\n", Files.readString(out));
        assertEquals("", stdout());
    }

    @Test
    void serial2NeedsAKernel() throws IOException {
        assertTrue(fails(2, "run", "--serial2", "none", hello()).contains("--serial2 goes with --kernel"));
    }

    @Test
    void kernelAndImageTogetherIsAUsageError() throws IOException {
        assertTrue(fails(2, "run", "--kernel", hello(), hello()).contains("either IMAGE or --kernel"));
    }

    @Test
    void missingKernelFile() throws IOException {
        assertTrue(fails(1, "run", "--kernel", tmp.resolve("vmlinuz").toString()).contains("kernel " + tmp.resolve("vmlinuz") + " does not exist"));
    }

    @Test
    void aKernelThatIsNotOne() throws IOException {
        assumeTrue(kvm(), "/dev/kvm is absent");
        String line = fails(1, "run", "--kernel", hello());
        assertTrue(line.contains("hello.bin"), line);
    }

    @Test
    void debugExitStatus() {
        assumeTrue(kvm(), "/dev/kvm is absent");
        assertEquals(33, Main.execute("run", "--mode", "protected", GUESTS.resolve("mb_hello.bin").toString()));
        assertEquals("Hello from a multiboot guest\n", stdout());
    }

    @Test
    void infoReportsApiVersionCapabilitiesCpuidAndSupervisorSpeed() {
        assumeTrue(kvm(), "/dev/kvm is absent");
        assertEquals(0, Main.execute("info"), stderr());
        String o = stdout();
        assertTrue(o.contains("KVM API version:       12"), o);
        assertTrue(o.lines().anyMatch(l -> l.matches(" +KVM_CAP_IMMEDIATE_EXIT +yes.*")), o);
        assertTrue(o.lines().anyMatch(l -> l.matches(" +00000000 +0 .*")), "CPUID leaf 0 listed: " + o);
        assertTrue(o.contains("Guest supervisor code: ") && o.contains("instructions/s"), o);
        assertTrue(o.lines().anyMatch(l -> l.startsWith("Host kind: ")), o);
    }
}
