package io.jkvm.it;

import io.jkvm.host.HostProfile;
import io.jkvm.initramfs.CpioWriter;
import io.jkvm.testing.KvmTest;
import io.jkvm.testing.OnlyOnKvmPvm;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The full boot (slow: about a minute on a host that emulates guest CPL0 code): Debian's stock
 * kernel with two vCPUs reaches user space under the jkvm CLI, where guests/linux_init32.S
 * reports the CPUs that came online, echoes a line typed on jkvm's stdin (a pipe, through
 * COM1), and powers off through ACPI; jkvm exits with status 0. The same kernel, initramfs and
 * command line under QEMU TCG give the same init output (that half needs QEMU, not KVM: it runs
 * on every machine, without the kvm tag).
 *
 * <p>The jkvm half only on nested kvm-pvm hosts, where 64-bit guest system calls cannot work
 * (HOST-NOTES.md) and this hand-written 32-bit init is the only user space that runs; every other
 * host runs {@link LinuxBusyboxBootTest}'s busybox init on an unmodified kernel command line. (On
 * AMD SVM the init's compat-mode SYSENTER is not even an instruction: it raises #UD.)
 */
@Tag("slow")
class LinuxFullBootTest {
    static final String PROMPT = "jkvm-init: type a line";
    static final String TYPED = "hello jkvm";
    static final String APPEND = "console=ttyS0 panic=-1 quiet -- echo";
    /** What the init prints, under jkvm and under QEMU alike. */
    static final List<String> INIT_LINES = List.of("jkvm-init: hello from user space", "jkvm-init: cpus online 0-1", PROMPT,
            "jkvm-init: echo " + TYPED);

    static byte[] initramfs() throws Exception {
        byte[] init = Files.readAllBytes(TestGuests.dir().resolve("linux_init32.elf"));
        return new CpioWriter().directory("/dev", 0755).charDevice("/dev/console", 0600, 5, 1)
                .directory("/sys", 0755).file("/init", 0755, init).finish();
    }

    static List<String> initLines(String console) {
        return console.lines().map(l -> l.replace("\r", "")).filter(l -> l.startsWith("jkvm-init:")).toList();
    }

    /**
     * Runs ./jkvm's CLI in a child JVM, as a user would, with stdin a pipe: the line is typed
     * on jkvm's stdin once the init asks for it.
     */
    @Test
    @KvmTest
    @OnlyOnKvmPvm(elsewhere = "LinuxBusyboxBootTest boots a busybox init there")
    void twoCpusUserSpaceConsoleInputAndPowerOff(@TempDir Path dir) throws Exception {
        TestGuests.assumeKvm();
        Path kernelFile = DebianKernel.path();
        Path initrdFile = Files.write(dir.resolve("initramfs.cpio"), initramfs());
        String append = APPEND;
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        Process jkvm = new ProcessBuilder(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.jkvm.cli.Main", "run", "--kernel", kernelFile.toString(), "--initrd", initrdFile.toString(),
                "--memory", "256M", "--cpus", "2", "--timeout", "240s", "--append", append)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        StringBuilder console = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(jkvm.getInputStream(), StandardCharsets.ISO_8859_1));
             OutputStream stdin = jkvm.getOutputStream()) {
            String line;
            while ((line = r.readLine()) != null) {
                console.append(line).append('\n');
                if (line.replace("\r", "").equals(PROMPT)) {
                    stdin.write((TYPED + "\n").getBytes(StandardCharsets.US_ASCII));
                    stdin.flush();
                }
            }
            assertTrue(jkvm.waitFor(60, TimeUnit.SECONDS), "jkvm did not end");
        } finally {
            jkvm.destroyForcibly();
        }
        String text = console.toString();
        assertEquals(0, jkvm.exitValue(), "jkvm's status (0 = the guest powered off)\n" + text);
        List<String> lines = initLines(text);
        assertEquals(INIT_LINES, lines, text);
    }

    /** The same kernel, initramfs and command line on a correct CPU (QEMU, TCG) print the same init lines. */
    @Test
    void qemuTcgPrintsTheSameInitLines(@TempDir Path dir) throws Exception {
        String qemu = TestGuests.assumeQemu();
        Path kernelFile = DebianKernel.path();
        Path initrd = Files.write(dir.resolve("initramfs.cpio"), initramfs());
        String cmdline = HostProfile.AUTO.apply(APPEND);
        Process p = new ProcessBuilder(qemu, "-accel", "tcg", "-smp", "2", "-m", "256M", "-kernel",
                kernelFile.toString(), "-initrd", initrd.toString(), "-append", cmdline, "-serial", "stdio",
                "-display", "none", "-nodefaults", "-no-reboot").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        StringBuilder q = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.ISO_8859_1));
             OutputStream in = p.getOutputStream()) {
            String line;
            while ((line = r.readLine()) != null) {
                q.append(line).append('\n');
                if (line.replace("\r", "").equals(PROMPT)) {
                    in.write((TYPED + "\r").getBytes(StandardCharsets.US_ASCII));
                    in.flush();
                }
            }
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "QEMU did not power off");
        } finally {
            p.destroyForcibly();
        }
        assertEquals(INIT_LINES, initLines(q.toString()), q.toString());
    }
}
