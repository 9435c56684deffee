package io.jkvm.it;

import io.jkvm.api.VirtualMachine;
import io.jkvm.config.VmConfig;
import io.jkvm.exit.VmExit;
import io.jkvm.boot.CpuMode;
import io.jkvm.testing.KvmTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A guest that spins forever is stopped from another thread within 100 ms, at CPL0 (emulated
 * on nested hosts) and at CPL3 (native everywhere), with one and several vCPUs; the timeout
 * and Ctrl-C (SIGINT to the jkvm process) do the same.
 */
@KvmTest
class StopTest {
    private static final long STOP_BUDGET_MS = 100;

    @BeforeEach
    void kvm() {
        TestGuests.assumeKvm();
    }

    private static VmConfig spinner(String guest, int cpus) {
        VmConfig.Builder b = VmConfig.builder().mode(CpuMode.LONG).cpus(cpus).image(TestGuests.load(guest), guest);
        if (guest.equals("spin_user")) b.register("rflags", 0x3002);
        return b.build();
    }

    @ParameterizedTest(name = "{0} on {1} vCPUs")
    @CsvSource({"spin, 1", "spin_user, 1", "spin, 2", "spin_user, 3"})
    void requestExitKicksSpinningVcpusOutOfKvmRun(String guest, int cpus) throws Exception {
        try (VirtualMachine vm = VirtualMachine.create(spinner(guest, cpus))) {
            vm.start();
            assertNull(vm.awaitExit(Duration.ofMillis(200)), "a spinning guest ended by itself");
            long t0 = System.nanoTime();
            vm.requestExit(VmExit.stopped("test"));
            VmExit exit = vm.awaitExit(Duration.ofSeconds(5));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertNotNull(exit, "vCPUs did not leave KVM_RUN");
            assertEquals(VmExit.Reason.STOPPED, exit.reason());
            assertTrue(ms < STOP_BUDGET_MS, "stop took " + ms + " ms");
        }
    }

    @Test
    void timeoutStopsASpinningGuest() throws Exception {
        try (VirtualMachine vm = VirtualMachine.create(spinner("spin_user", 1))) {
            long t0 = System.nanoTime();
            VmExit exit = vm.run(Duration.ofMillis(300));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(VmExit.Reason.TIMEOUT, exit.reason());
            assertEquals(124, exit.status());
            assertTrue(ms >= 300 && ms < 300 + STOP_BUDGET_MS, "run took " + ms + " ms");
        }
    }

    @Test
    void closeStopsARunningVmAndJoinsItsThreads() throws Exception {
        VirtualMachine vm = VirtualMachine.create(spinner("spin", 2));
        vm.start();
        Thread.sleep(100);
        vm.close();
        assertFalse(vm.isRunning());
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            assertFalse(t.getName().startsWith("vcpu-") && t.isAlive() && t.getState() == Thread.State.RUNNABLE
                    && isOurs(t), "left behind: " + t);
        }
    }

    private static boolean isOurs(Thread t) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getClassName().contains("VcpuRunner")) return true;
        }
        return false;
    }

    /** The CLI in a child JVM: SIGINT ends it within the budget, with status 130 and a message. */
    @Test
    void ctrlCEndsTheCliWithStatus130() throws Exception {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), "io.jkvm.cli.Main", "run", "--mode", "long",
                "--reg", "rflags=0x3002", TestGuests.path("spin_user").toString());
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        File err = File.createTempFile("jkvm-sigint", ".err");
        err.deleteOnExit();
        pb.redirectError(err);
        Process p = pb.start();
        try {
            // Wait until the guest runs: the vcpu-0 thread exists once the JVM started it (the
            // JVM may take many seconds to get there on an emulated KVM host).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!hasThread(p.pid(), "vcpu-0") && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(20);
            assertTrue(p.isAlive(), "jkvm ended early: " + Files.readString(err.toPath()));
            assertTrue(hasThread(p.pid(), "vcpu-0"), "the guest never started");
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
            // How fast a vCPU stops is measured in-process (above); this is the CLI's status and message.
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "jkvm ignored SIGINT");
            String stderr = Files.readString(err.toPath(), StandardCharsets.UTF_8);
            assertEquals(130, p.exitValue(), stderr);
            assertEquals(List.of("jkvm: interrupted"), stderr.lines().toList());
        } finally {
            p.destroyForcibly();
        }
    }

    /** Whether the process has a thread of that name (/proc/PID/task/TID/comm). */
    private static boolean hasThread(long pid, String name) throws IOException {
        try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            return tasks.anyMatch(t -> {
                try {
                    return Files.readString(t.resolve("comm")).strip().equals(name);
                } catch (IOException e) {
                    return false; // the thread ended meanwhile
                }
            });
        } catch (java.nio.file.NoSuchFileException e) {
            return false; // the process ended
        }
    }
}
