package io.jkvm.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Assumptions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The emulated KVM host (scripts/emulated-kvm-host.sh) and the launcher's use of it, on a machine
 * without /dev/kvm: what a new user meets there. Not tagged kvm: these run on the machine itself
 * (each boots an emulated host, 20-60 s); where /dev/kvm exists the launcher never uses the
 * emulated host, and they skip saying so.
 */
class EmulatedKvmHostTest {
    private static final Path BASEDIR = Path.of(System.getProperty("jkvm.basedir", ".")).toAbsolutePath();

    @BeforeAll
    static void noKvmHere() {
        boolean kvm = Files.exists(Path.of("/dev/kvm"));
        Assumptions.assumeFalse(kvm, "/dev/kvm exists here: the launcher does not use the emulated KVM host");
        TestGuests.assumeQemu();
    }

    /**
     * Whether a run ended because the emulated host itself failed: status 125 with the launcher's
     * account (it wedged, or QEMU did not run the command). Like scripts/test.sh, which runs the
     * kvm tests again in a fresh host then, these tests try once more and say so; a second
     * failure fails the test.
     */
    static boolean hostFailed(int status, String stderr, int attempt) {
        if (status != 125 || attempt > 1 || !stderr.contains("emulated-kvm-host: the emulated KVM host")) return false;
        System.out.println("EmulatedKvmHostTest: THE EMULATED KVM HOST FAILED (status 125), not the command;"
                + " trying once more in a fresh one. Its account:\n" + stderr);
        return true;
    }

    @Test
    void helloDemoRunsInTheEmulatedHostAfterOneLineSayingSo() throws Exception {
        ProcessBuilder pb = QemuLauncher.withClasspath(new ProcessBuilder(BASEDIR.resolve("jkvm").toString(), "demo", "hello"));
        QemuLauncher.Result r = QemuLauncher.run(pb, 300);
        if (hostFailed(r.status(), r.stderr(), 1)) r = QemuLauncher.run(pb, 300);
        assertEquals(0, r.status(), r.stderr());
        assertEquals("4\nKVM_EXIT_HLT\n", r.stdout());
        assertEquals(1, r.stderr().lines().filter(l -> l.contains("running in an emulated KVM host")).count(), r.stderr());
    }

    @Test
    void aBadCommandLineIsRefusedOnTheMachineItself() throws Exception {
        QemuLauncher.Result r = QemuLauncher.run(QemuLauncher.withClasspath(
                new ProcessBuilder(BASEDIR.resolve("jkvm").toString(), "run", "--memory", "5Q", "guest.bin")), 60);
        assertEquals(2, r.status(), r.stderr());
        assertTrue(r.stderr().startsWith("jkvm: --memory: cannot read size '5Q'"), r.stderr());
        assertFalse(r.stderr().contains("emulated"), r.stderr());

        QemuLauncher.Result q = QemuLauncher.run(QemuLauncher.withClasspath(
                new ProcessBuilder(BASEDIR.resolve("jkvm-qemu").toString(), "-kernel", "/nonexistent/kernel")), 60);
        assertEquals(1, q.status(), q.stderr());
        assertEquals("jkvm-qemu: kernel /nonexistent/kernel does not exist\n", q.stderr());
    }

    @Test
    void refusedWithTheVariableTheOldErrorComesBack() throws Exception {
        ProcessBuilder pb = QemuLauncher.withClasspath(new ProcessBuilder(BASEDIR.resolve("jkvm").toString(), "demo", "hello"));
        pb.environment().put("JKVM_NO_EMULATED_HOST", "1");
        QemuLauncher.Result r = QemuLauncher.run(pb, 60);
        assertEquals(1, r.status(), r.stderr());
        assertTrue(r.stderr().startsWith("jkvm: /dev/kvm does not exist"), r.stderr());
    }

    /**
     * stdout and stderr come back apart, the working directory and environment are the caller's,
     * and SIGTERM reaches the command (status 143 from its shell), after which the emulated host
     * powers off: no QEMU process and no run directory are left.
     */
    @Test
    void outputEnvironmentAndSigterm() throws Exception {
        if (!sigtermAttempt(1)) assertTrue(sigtermAttempt(2));
    }

    /** One run of {@link #outputEnvironmentAndSigterm}: false if the emulated host failed on the first attempt. */
    private boolean sigtermAttempt(int attempt) throws Exception {
        Path tmp = Files.createTempDirectory("jkvm-ehost-test");
        ProcessBuilder pb = new ProcessBuilder("bash", BASEDIR.resolve("scripts/emulated-kvm-host.sh").toString(),
                // The trap before the first line: the test sends SIGTERM as soon as it reads it.
                "sh", "-c", "trap 'echo got TERM; exit 143' TERM; "
                + "echo \"out $(pwd) $JKVM_TEST_VALUE $JKVM_EMULATED_HOST $(test -c /dev/kvm && echo kvm)\"; "
                + "echo err >&2; sleep 600 & wait")
                .directory(tmp.toFile());
        pb.environment().put("JKVM_TEST_VALUE", "it's \"quoted\" $HOME");
        pb.environment().put("TMPDIR", tmp.toString());
        Process p = pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        try {
            String first = out.readLine();
            if (first == null && p.waitFor(60, TimeUnit.SECONDS)
                    && hostFailed(p.exitValue(), err.get(10, TimeUnit.SECONDS), attempt)) {
                return false;
            }
            assertEquals("out " + tmp + " it's \"quoted\" $HOME 1 kvm", first);
            new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the emulated host did not end 120 s after SIGTERM");
            assertEquals("got TERM", out.readLine());
            assertEquals(143, p.exitValue());
            assertEquals("err\n", err.get(10, TimeUnit.SECONDS));
            try (Stream<Path> left = Files.list(tmp)) {
                assertEquals(List.of(), left.toList(), "the run directory is removed");
            }
            assertEquals(0, ProcessHandle.allProcesses()
                    .filter(h -> h.info().commandLine().orElse("").contains(tmp.toString())).count(), "no QEMU left");
            return true;
        } finally {
            p.destroyForcibly();
            try (Stream<Path> left = Files.walk(tmp)) {
                left.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
