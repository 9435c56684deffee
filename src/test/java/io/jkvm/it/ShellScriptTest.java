package io.jkvm.it;

import io.jkvm.testing.KvmTest;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A test-runner script written for QEMU (src/test/sh/run-kernel-tests.sh: it checks
 * {@code $QEMU --version}, {@code -device ?} and {@code -machine help}, then runs six multiboot
 * kernels with kvm-unit-tests' style of arguments) runs unchanged with {@code QEMU=./jkvm-qemu}
 * and passes; where QEMU is installed the same script under QEMU prints the same report.
 */
@KvmTest
class ShellScriptTest {
    static final Path SCRIPT = Path.of(System.getProperty("jkvm.basedir", ".")).resolve("src/test/sh/run-kernel-tests.sh");

    static QemuLauncher.Result runScript(String qemu) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString());
        pb.environment().put("QEMU", qemu);
        pb.environment().put("KERNELS", TestGuests.dir().toAbsolutePath().toString());
        // Six kernels, each under the script's own 180 s limit; together they take under a minute
        // even in the emulated KVM host, but one slow QEMU there once needed more than 90 s.
        return QemuLauncher.run(QemuLauncher.withClasspath(pb), 600);
    }

    /** The script under jkvm-qemu, run once for both tests (each run starts six JVMs: slow on an emulated KVM host). */
    private static QemuLauncher.Result jkvmRun;

    private static synchronized QemuLauncher.Result jkvmRun() throws Exception {
        if (jkvmRun == null) jkvmRun = runScript(QemuLauncher.jkvmQemu().toString());
        return jkvmRun;
    }

    @Test
    void aScriptWrittenForQemuPassesWithJkvmQemu() throws Exception {
        TestGuests.assumeKvm();
        QemuLauncher.Result jkvm = jkvmRun();
        assertEquals(0, jkvm.status(), jkvm.stdout() + jkvm.stderr());
        List<String> lines = jkvm.stdout().lines().toList();
        assertEquals("6 passed, 0 failed", lines.getLast(), jkvm.stdout());
        assertTrue(lines.stream().filter(l -> l.startsWith("PASS ")).count() == 6, jkvm.stdout());
    }

    @Test
    void theScriptReportsTheSameUnderQemu() throws Exception {
        TestGuests.assumeKvm();
        String qemu = TestGuests.assumeQemu();
        QemuLauncher.Result jkvm = jkvmRun();
        QemuLauncher.Result reference = runScript(qemu);
        assertEquals(reference.stdout(), jkvm.stdout(), "the script's report under QEMU and under jkvm-qemu");
        assertEquals(reference.status(), jkvm.status());
    }
}
