package io.jkvm.it;

import io.jkvm.initramfs.CpioWriter;
import io.jkvm.testing.KvmTest;
import io.jkvm.testing.NotOnKvmPvm;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Stock Linux on a KVM with VMX/SVM (issue 9): Debian's cloud kernel, unmodified command line
 * ({@code --host-profile none}: no nested-host flags), boots to a busybox shell init built here
 * from Debian's busybox-static. The init mounts /proc and /sys, prints the kernel release, the
 * processors the kernel sees, what it detected about the hypervisor and its clock source, a
 * computed line and a line typed on the console, then powers off ({@code poweroff -f}).
 *
 * <p>Each boot runs under QEMU ({@code -accel kvm -cpu host}) and under jkvm's CLI with the same
 * kernel, initrd, command line and vCPU count, and through {@code ./jkvm-qemu} with QEMU's own
 * arguments; the init's lines must equal the expected ones (which pin the CPU count) under every
 * VMM, and every VMM must exit 0 on the power-off.
 *
 * <p>Not on a nested kvm-pvm host: 64-bit system calls cannot work there (HOST-NOTES.md), so no
 * 64-bit init can run; {@link LinuxFullBootTest} boots a 32-bit SYSENTER init there instead.
 * About two minutes per boot in the emulated KVM host (scripts/emulated-kvm-host.sh), seconds on
 * real hardware.
 */
@KvmTest
@NotOnKvmPvm(why = "64-bit guest system calls cannot work there (HOST-NOTES.md), so no busybox init can run; "
        + "LinuxFullBootTest's 32-bit SYSENTER init covers that host")
@Tag("slow")
class LinuxBusyboxBootTest {
    static final String MARK = "jkvm-bb: ";
    static final String PROMPT = MARK + "type a line";
    static final String TYPED = "hello from the console";
    /** The kernel's command line under every VMM (quiet: the kernel's log is not compared). */
    static final String APPEND = "console=ttyS0 quiet panic=-1";
    static final Path BUSYBOX = Path.of("/bin/busybox");
    static final int MEMORY_MIB = 256;
    /**
     * Per boot (a boot takes 10-60 s in the emulated KVM host). Two boots in one test must end
     * within the kvm tests' 6-minute limit, so that a hung guest fails with its console shown.
     */
    static final long BOOT_TIMEOUT_S = 160;

    /** The init: a busybox shell script. Every line it prints that the test reads starts with {@link #MARK}. */
    static final String INIT = """
            #!/bin/busybox sh
            /bin/busybox --install -s /bin
            export PATH=/bin
            mount -t proc proc /proc
            mount -t sysfs sysfs /sys
            echo "jkvm-bb: kernel $(uname -r)"
            echo "jkvm-bb: processors $(grep -c '^processor' /proc/cpuinfo)"
            echo "jkvm-bb: online $(cat /sys/devices/system/cpu/online)"
            echo "jkvm-bb: hypervisor flag $(grep -q '^flags.* hypervisor' /proc/cpuinfo && echo yes || echo no)"
            echo "jkvm-bb: $(dmesg | grep -o 'Hypervisor detected: .*' || echo 'no hypervisor detected')"
            echo "jkvm-bb: clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
            echo "jkvm-bb: sum 1..100 = $(( $(seq -s + 1 100) ))"
            echo "jkvm-bb: type a line"
            read -r line
            echo "jkvm-bb: typed [$line]"
            echo "jkvm-bb: powering off"
            poweroff -f
            """;

    @BeforeEach
    void stockKvm() {
        TestGuests.assumeKvm();
        Assumptions.assumeTrue(Files.isRegularFile(BUSYBOX), "no /bin/busybox (apt-get install busybox-static; scripts/setup.sh --tests)");
    }

    static byte[] initramfs() throws IOException {
        return new CpioWriter().directory("/bin", 0755).file("/bin/busybox", 0755, Files.readAllBytes(BUSYBOX))
                .symlink("/bin/sh", "busybox").directory("/dev", 0755).charDevice("/dev/console", 0600, 5, 1)
                .directory("/proc", 0755).directory("/sys", 0755)
                .file("/init", 0755, INIT.getBytes(StandardCharsets.US_ASCII)).finish();
    }

    /** What the init must print with {@code cpus} processors, under every VMM. */
    static List<String> expected(Path kernel, int cpus) {
        String release = kernel.getFileName().toString().substring("vmlinuz-".length());
        return List.of(MARK + "kernel " + release, MARK + "processors " + cpus,
                MARK + "online " + (cpus == 1 ? "0" : "0-" + (cpus - 1)), MARK + "hypervisor flag yes",
                MARK + "Hypervisor detected: KVM", MARK + "clocksource kvm-clock", MARK + "sum 1..100 = 5050",
                PROMPT, MARK + "typed [" + TYPED + "]", MARK + "powering off");
    }

    static List<String> initLines(String console) {
        return console.lines().map(l -> l.replace("\r", "")).filter(l -> l.startsWith(MARK)).toList();
    }

    record Boot(String console, int status) {}

    /**
     * Runs a VMM, reads its stdout (COM1) line by line and types {@link #TYPED} on its stdin (a
     * pipe) once the init asks. Killed after {@link #BOOT_TIMEOUT_S}.
     */
    static Boot boot(ProcessBuilder pb, String enter) throws Exception {
        Process p = pb.redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                if (!p.waitFor(BOOT_TIMEOUT_S, TimeUnit.SECONDS)) p.destroyForcibly();
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        });
        StringBuilder console = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.ISO_8859_1));
             OutputStream stdin = p.getOutputStream()) {
            String line;
            while ((line = r.readLine()) != null) {
                console.append(line).append('\n');
                if (line.replace("\r", "").equals(PROMPT)) {
                    stdin.write((TYPED + enter).getBytes(StandardCharsets.US_ASCII));
                    stdin.flush();
                }
            }
            p.waitFor();
        } finally {
            p.destroyForcibly();
            watchdog.interrupt();
        }
        return new Boot(console.toString(), p.exitValue());
    }

    static List<String> qemuArgs(Path kernel, Path initrd, int cpus) {
        return List.of("-accel", "kvm", "-smp", Integer.toString(cpus), "-m", Integer.toString(MEMORY_MIB),
                "-kernel", kernel.toString(), "-initrd", initrd.toString(), "-append", APPEND,
                "-serial", "stdio", "-display", "none", "-nodefaults", "-no-reboot");
    }

    static void assertBoot(String who, List<String> expected, Boot boot) {
        assertEquals(expected, initLines(boot.console()), who + ": the init's lines\n" + boot.console());
        assertEquals(0, boot.status(), who + ": exit status (0 = the guest powered off)\n" + boot.console());
    }

    /** QEMU -cpu host, then jkvm's CLI, with the same kernel, initrd, command line and vCPU count. */
    @ParameterizedTest(name = "{0} vCPU(s)")
    @ValueSource(ints = {1, 2})
    void sameInitOutputAsQemuAndPowerOff(int cpus, @TempDir Path dir) throws Exception {
        Path kernel = DebianKernel.path();
        Path initrd = Files.write(dir.resolve("initramfs.cpio"), initramfs());
        List<String> expected = expected(kernel, cpus);

        List<String> qemu = new ArrayList<>(List.of(TestGuests.assumeQemu(), "-cpu", "host"));
        qemu.addAll(qemuArgs(kernel, initrd, cpus));
        Boot reference = boot(new ProcessBuilder(qemu), "\r");
        assertBoot("QEMU -accel kvm -cpu host", expected, reference);

        String javaBin = ProcessHandle.current().info().command().orElse("java");
        Boot jkvm = boot(new ProcessBuilder(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), "io.jkvm.cli.Main", "run", "--kernel", kernel.toString(),
                "--initrd", initrd.toString(), "--memory", MEMORY_MIB + "M", "--cpus", Integer.toString(cpus),
                "--host-profile", "none", "--timeout", BOOT_TIMEOUT_S + "s", "--append", APPEND), "\n");
        assertBoot("jkvm run --kernel", initLines(reference.console()), jkvm);
    }

    /** ./jkvm-qemu with QEMU's arguments (as QEMU=./jkvm-qemu in a script would), two vCPUs. */
    @Test
    void jkvmQemuWithQemusArguments(@TempDir Path dir) throws Exception {
        Path kernel = DebianKernel.path();
        Path initrd = Files.write(dir.resolve("initramfs.cpio"), initramfs());
        List<String> cmd = new ArrayList<>(List.of(QemuLauncher.jkvmQemu().toString()));
        cmd.addAll(qemuArgs(kernel, initrd, 2));
        Boot jkvm = boot(QemuLauncher.withClasspath(new ProcessBuilder(cmd)), "\n");
        assertFalse(jkvm.console().isEmpty(), "jkvm-qemu printed nothing");
        assertBoot("./jkvm-qemu", expected(kernel, 2), jkvm);
    }
}
