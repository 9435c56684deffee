package io.jkvm.it;

import io.jkvm.api.VirtualMachine;
import io.jkvm.config.VmConfig;
import io.jkvm.exit.VmExit;
import io.jkvm.boot.CpuMode;
import io.jkvm.testing.KvmTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same guest binaries under QEMU ({@code qemu-system-x86_64 -accel kvm}, which loads them
 * as multiboot kernels) and under jkvm (raw images in protected mode at 0x100000): the serial
 * output and the exit status must match.
 *
 * <p>One documented difference: on a triple fault QEMU with {@code -no-reboot} exits with status
 * 0, jkvm with 4 (guest crashed), which tells a crash from a clean end.
 */
@KvmTest
class QemuDifferentialTest {
    record Result(String serial, int status) {}

    @BeforeEach
    void peers() {
        TestGuests.assumeKvm();
        TestGuests.assumeQemu();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"mb_hello, 33, 33", "mb_compute, 85, 85", "mb_fault, 0, 4"})
    void sameSerialOutputAndStatus(String guest, int qemuStatus, int jkvmStatus) throws Exception {
        Result qemu = runQemu(guest);
        Result jkvm = runJkvm(guest);
        assertFalse(qemu.serial().isEmpty(), "QEMU printed nothing");
        assertEquals(qemu.serial(), jkvm.serial());
        assertEquals(qemuStatus, qemu.status(), "QEMU's status");
        assertEquals(jkvmStatus, jkvm.status(), "jkvm's status");
    }

    static Result runQemu(String guest) throws Exception {
        List<String> cmd = List.of(TestGuests.assumeQemu(), "-accel", "kvm", "-kernel", TestGuests.path(guest).toString(),
                "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-serial", "stdio", "-display", "none",
                "-nodefaults", "-no-reboot", "-m", "64M");
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "QEMU did not finish");
        return new Result(new String(out, StandardCharsets.ISO_8859_1), p.exitValue());
    }

    static Result runJkvm(String guest) throws Exception {
        TestDevices.Console console = new TestDevices.Console();
        VmConfig config = VmConfig.builder().mode(CpuMode.PROTECTED).image(TestGuests.load(guest), guest)
                .serial(console).build();
        try (VirtualMachine vm = VirtualMachine.create(config)) {
            VmExit exit = vm.run(Duration.ofSeconds(60));
            return new Result(console.text(), exit.status());
        }
    }
}
