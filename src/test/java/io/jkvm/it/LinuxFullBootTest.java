package io.jkvm.it;

import io.jkvm.api.VirtualMachine;
import io.jkvm.api.VmConfig;
import io.jkvm.api.VmExit;
import io.jkvm.devices.ByteSink;
import io.jkvm.host.HostProfile;
import io.jkvm.initramfs.CpioWriter;
import io.jkvm.platform.LinuxKernel;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The full boot (slow: about a minute on a host that emulates guest CPL0 code): Debian's stock
 * kernel with two vCPUs reaches user space, where guests/linux_init32.S reports the CPUs that
 * came online, echoes a line typed on the console (COM1 input), and powers off through ACPI;
 * jkvm ends with status 0. The same kernel, initramfs and command line under QEMU TCG give the
 * same init output.
 */
@Tag("slow")
class LinuxFullBootTest {
    static final String PROMPT = "jkvm-init: type a line";
    static final String TYPED = "hello jkvm";

    @BeforeEach
    void kvm() {
        TestGuests.assumeKvm();
    }

    static byte[] initramfs() throws Exception {
        byte[] init = Files.readAllBytes(TestGuests.dir().resolve("linux_init32.elf"));
        return new CpioWriter().directory("/dev", 0755).charDevice("/dev/console", 0600, 5, 1)
                .directory("/sys", 0755).file("/init", 0755, init).finish();
    }

    static List<String> initLines(String console) {
        return console.lines().map(l -> l.replace("\r", "")).filter(l -> l.startsWith("jkvm-init:")).toList();
    }

    @Test
    void twoCpusUserSpaceConsoleInputAndPowerOff(@TempDir Path dir) throws Exception {
        byte[] kernel = DebianKernel.bytes();
        String cmdline = HostProfile.AUTO.apply("console=ttyS0 panic=-1 quiet -- echo");
        StringBuilder console = new StringBuilder();
        VirtualMachine[] vm = new VirtualMachine[1];
        ByteSink sink = b -> {
            boolean prompted;
            synchronized (console) {
                console.append((char) (b & 0xff));
                prompted = b == '\n' && console.toString().replace("\r", "").endsWith(PROMPT + "\n");
            }
            if (prompted) {
                // Typed on COM1 from another thread, as a user at the terminal would.
                Thread.ofPlatform().start(() -> {
                    try {
                        byte[] line = (TYPED + "\r").getBytes(StandardCharsets.US_ASCII);
                        vm[0].platform().com1Input().feed(line, 0, line.length);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
        };
        VmConfig config = VmConfig.builder().memory(256L << 20).cpus(2)
                .linux(new LinuxKernel(kernel, "vmlinuz", initramfs(), cmdline, true)).serial(sink).build();
        VmExit exit;
        try (VirtualMachine machine = VirtualMachine.create(config)) {
            vm[0] = machine;
            exit = machine.run(Duration.ofSeconds(240));
        }
        String text;
        synchronized (console) {
            text = console.toString();
        }
        assertEquals(VmExit.Reason.POWER_OFF, exit.reason(), exit.message() + "\n" + text);
        assertEquals(0, exit.status());
        assertTrue(text.contains("Linux version 6.1") || cmdline.contains("quiet"), text);
        List<String> lines = initLines(text);
        assertEquals(List.of("jkvm-init: hello from user space", "jkvm-init: cpus online 0-1", PROMPT,
                "jkvm-init: echo " + TYPED), lines, text);

        // The same kernel, initramfs and command line on a correct CPU (QEMU, TCG).
        String qemu = TestGuests.qemu();
        if (qemu == null) {
            System.err.println("SKIPPED (the QEMU half): qemu-system-x86_64 is not installed");
            return;
        }
        Path initrd = Files.write(dir.resolve("initramfs.cpio"), initramfs());
        Process p = new ProcessBuilder(qemu, "-accel", "tcg", "-smp", "2", "-m", "256M", "-kernel",
                DebianKernel.path().toString(), "-initrd", initrd.toString(), "-append", cmdline, "-serial", "stdio",
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
        assertEquals(lines, initLines(q.toString()), q.toString());
    }
}
