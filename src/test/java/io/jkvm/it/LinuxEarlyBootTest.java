package io.jkvm.it;

import io.jkvm.api.VirtualMachine;
import io.jkvm.config.VmConfig;
import io.jkvm.exit.VmExit;
import io.jkvm.devices.ByteSink;
import io.jkvm.host.HostKind;
import io.jkvm.host.HostProfile;
import io.jkvm.loader.E820Map;
import io.jkvm.config.LinuxKernel;
import io.jkvm.testing.KvmTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fast Linux test: Debian's stock kernel under jkvm prints its banner, the command line it
 * was given and the e820 map jkvm built; banner and command line match what the same kernel
 * prints under QEMU, timestamps removed: QEMU with KVM on the same host where KVM runs guest
 * supervisor code (VMX/SVM, the emulated KVM host), QEMU TCG on a kvm-pvm host (where QEMU with
 * KVM cannot boot this kernel: HOST-NOTES.md). Stops once the map is printed.
 */
@KvmTest
class LinuxEarlyBootTest {
    static final String APPEND = "console=ttyS0 earlyprintk=serial,ttyS0,115200";
    /** The line the kernel prints right after the e820 map. */
    static final String AFTER_E820 = "printk: bootconsole [earlyser0] enabled";

    @BeforeEach
    void peers() {
        TestGuests.assumeKvm();
    }

    /** Kernel console lines up to and including the first one containing {@code stop}, timestamps removed. */
    static List<String> jkvmConsole(byte[] kernel, String cmdline, String stop) throws Exception {
        StringBuilder text = new StringBuilder();
        VirtualMachine[] holder = new VirtualMachine[1];
        ByteSink sink = b -> {
            synchronized (text) {
                text.append((char) (b & 0xff));
                if (b == '\n' && text.indexOf(stop) >= 0 && holder[0] != null) holder[0].requestExit(VmExit.stopped("seen"));
            }
        };
        VmConfig config = VmConfig.builder().memory(256L << 20)
                .linux(new LinuxKernel(kernel, "vmlinuz", null, cmdline, true)).serial(sink).build();
        try (VirtualMachine vm = VirtualMachine.create(config)) {
            holder[0] = vm;
            VmExit exit = vm.run(Duration.ofSeconds(60));
            assertEquals(VmExit.Reason.STOPPED, exit.reason(), exit.message() + "\n" + text);
        }
        synchronized (text) {
            return normalise(text.toString());
        }
    }

    static List<String> qemuConsole(String cmdline, String stop) throws Exception {
        List<String> accel = HostKind.detect().emulatesSupervisorCode() ? List.of("-accel", "tcg") : List.of("-accel", "kvm", "-cpu", "host");
        List<String> cmd = new ArrayList<>(List.of(TestGuests.assumeQemu()));
        cmd.addAll(accel);
        cmd.addAll(List.of("-m", "256M", "-kernel",
                DebianKernel.path().toString(), "-append", cmdline, "-serial", "stdio", "-display", "none",
                "-nodefaults", "-no-reboot"));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        StringBuilder text = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.ISO_8859_1))) {
            String line;
            while ((line = r.readLine()) != null) {
                text.append(line).append('\n');
                if (line.contains(stop)) break;
            }
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        return normalise(text.toString());
    }

    static List<String> normalise(String console) {
        List<String> lines = new ArrayList<>();
        for (String l : console.split("\r?\n")) lines.add(l.replaceFirst("^\\[ *[0-9]+\\.[0-9]+\\] ", ""));
        return lines;
    }

    static String line(List<String> lines, String prefix) {
        return lines.stream().filter(l -> l.startsWith(prefix)).findFirst().orElse("(no line starting with " + prefix + ")");
    }

    /** The uncompressed vmlinux (ELF, with the PVH note) entered at its PVH entry in 32-bit protected mode. */
    @Test
    void elfVmlinuxBootsThroughItsPvhEntry() throws Exception {
        byte[] vmlinux = io.jkvm.loader.VmlinuxExtractor.extract(io.jkvm.loader.BzImage.parse(DebianKernel.bytes()));
        assertTrue(io.jkvm.loader.ElfKernel.parse(vmlinux).pvhEntry().isPresent(), "Debian's vmlinux has a PVH note");
        String cmdline = HostProfile.AUTO.apply(APPEND);
        List<String> jkvm = jkvmConsole(vmlinux, cmdline, AFTER_E820);
        assertTrue(line(jkvm, "Linux version 6.1").startsWith("Linux version 6.1"), String.join("\n", jkvm));
        assertEquals("Command line: " + cmdline, line(jkvm, "Command line:"));
        // The PVH memory map (hvm_start_info.memmap) is what the kernel reports as its e820 map.
        assertTrue(jkvm.stream().anyMatch(l -> l.equals("BIOS-e820: [mem 0x0000000000100000-0x000000000fffffff] usable")),
                String.join("\n", jkvm));
    }

    @Test
    void bannerCommandLineAndE820MatchQemuAndJkvmsMap() throws Exception {
        byte[] kernel = DebianKernel.bytes();
        String cmdline = HostProfile.AUTO.apply(APPEND);
        List<String> jkvm = jkvmConsole(kernel, cmdline, AFTER_E820);
        List<String> qemu = qemuConsole(cmdline, AFTER_E820);

        assertTrue(line(jkvm, "Linux version 6.1").startsWith("Linux version 6.1"), String.join("\n", jkvm));
        assertEquals(line(qemu, "Linux version"), line(jkvm, "Linux version"));
        assertEquals("Command line: " + cmdline, line(jkvm, "Command line:"));
        assertEquals(line(qemu, "Command line:"), line(jkvm, "Command line:"));

        List<String> expected = new ArrayList<>();
        for (E820Map.Entry e : E820Map.forRam(256L << 20).entries()) {
            expected.add(String.format(Locale.ROOT, "BIOS-e820: [mem 0x%016x-0x%016x] %s", e.addr(), e.addr() + e.size() - 1,
                    e.type() == E820Map.E820_RAM ? "usable" : e.type() == E820Map.E820_ACPI ? "ACPI data" : "reserved"));
        }
        assertEquals(expected, jkvm.stream().filter(l -> l.startsWith("BIOS-e820:")).toList());
    }
}
