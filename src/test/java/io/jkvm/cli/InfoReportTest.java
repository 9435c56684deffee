package io.jkvm.cli;

import io.jkvm.host.HostKind;
import io.jkvm.cli.SupervisorSpeed;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The host part of {@code jkvm info}: the verdict from the host's kind, the speed as a figure. */
class InfoReportTest {
    /** A slow figure, as measured on the emulated KVM host (QEMU TCG) or a kvm-pvm host. */
    private static final SupervisorSpeed.Result SLOW = new SupervisorSpeed.Result(3.1e7, 1_000_000, Duration.ofMillis(64));
    private static final SupervisorSpeed.Result FAST = new SupervisorSpeed.Result(2.5e9, 50_000_000, Duration.ofMillis(40));

    private static List<String> report(HostKind kind, SupervisorSpeed.Result speed) {
        return InfoCommand.report(new HostKind.Verdict(kind, "evidence"), speed);
    }

    @Test
    void theEmulatedHostIsNotCalledAnEmulatingKvmEvenWhenSlow() {
        List<String> lines = report(HostKind.EMULATED, SLOW);
        assertEquals("Host kind: emulated KVM host (QEMU TCG, emulated SVM) (evidence)", lines.get(0));
        assertEquals("Guest supervisor code: 3.10e+07 instructions/s (1000000 iterations of dec/jnz at CPL0 in 64.0 ms)", lines.get(1));
        String all = String.join("\n", lines);
        assertTrue(all.contains("TCG emulates the whole machine"), all);
        assertFalse(all.contains("EMULATES"), all);
    }

    @Test
    void kvmPvmIsToldByItsKindWhateverTheFigure() {
        String all = String.join("\n", report(HostKind.KVM_PVM, FAST));
        assertTrue(all.startsWith("Host kind: nested KVM (kvm-pvm)"), all);
        assertTrue(all.contains("instruction emulator runs guest supervisor (CPL0) code"), all);
    }

    @Test
    void nativeAndNested() {
        assertTrue(report(HostKind.NATIVE, FAST).get(2).contains("runs on the CPU"));
        assertTrue(report(HostKind.NESTED, SLOW).get(2).contains("nested VMX/SVM"));
    }

    @Test
    void withoutCalibrationTheKindStillDecides() {
        List<String> lines = report(HostKind.EMULATED, null);
        assertEquals("Guest supervisor code: not measured (--no-calibrate)", lines.get(1));
        assertTrue(lines.get(2).contains("TCG"));
        assertEquals("  Nothing known about how this KVM runs guest code.", report(HostKind.UNKNOWN, null).get(2));
    }

    @Test
    void anUnknownKindFallsBackOnTheFigure() {
        assertEquals("  The figure is far below native speed.", report(HostKind.UNKNOWN, SLOW).get(2));
        assertEquals("  The figure is of native speed.", report(HostKind.UNKNOWN, FAST).get(2));
    }
}
