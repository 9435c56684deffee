package io.jkvm.cli;

import io.jkvm.api.VirtualMachine;
import io.jkvm.config.VmConfig;
import io.jkvm.exit.VmExit;
import io.jkvm.boot.CpuMode;
import io.jkvm.host.HostKind;

import java.time.Duration;

/**
 * Measures how fast this host runs guest supervisor (CPL0) code: a calibration guest
 * (guests/calibrate.S) runs {@code dec %rcx; jnz} RCX times at CPL0 in long mode, then writes
 * the debug-exit port. With hardware virtualization that runs at native speed (about 1e9
 * instructions/s or more); a nested host that emulates guest supervisor code (HOST-NOTES.md)
 * manages a few million, and an emulated KVM host (QEMU TCG) runs it at TCG's speed. The figure
 * is a measurement; what kind of host this is comes from {@link HostKind}.
 */
public final class SupervisorSpeed {
    /** Below this, supervisor code runs far below native speed: even a slow native CPU does 20x more. */
    public static final double NATIVE_THRESHOLD = 1e8;

    public record Result(double instructionsPerSecond, long iterations, Duration time) {
        public boolean isNative() { return instructionsPerSecond >= NATIVE_THRESHOLD; }
    }

    private SupervisorSpeed() {}

    /** Runs the calibration guest twice as needed: a short probe, then a longer run sized to take ~0.1 s. */
    public static Result measure(byte[] calibrationGuest, String kvmDevice) throws InterruptedException {
        Result probe = run(calibrationGuest, kvmDevice, 100_000);
        if (probe.time().toMillis() >= 50) return probe;
        long iterations = (long) Math.min(5e8, Math.max(1e6, probe.instructionsPerSecond() / 2 * 0.1));
        return run(calibrationGuest, kvmDevice, iterations);
    }

    static Result run(byte[] guest, String kvmDevice, long iterations) throws InterruptedException {
        VmConfig config = VmConfig.builder().mode(CpuMode.LONG).memory(16L << 20).image(guest, "calibrate.bin")
                .register("rcx", iterations).kvmDevice(kvmDevice).build();
        try (VirtualMachine vm = VirtualMachine.create(config)) {
            VmExit exit = vm.run(Duration.ofSeconds(60));
            if (exit.reason() != VmExit.Reason.DEBUG_EXIT) {
                throw new IllegalStateException("calibration guest did not finish: " + exit.message());
            }
            Duration t = vm.stats().runTime();
            return new Result(2.0 * iterations / (t.toNanos() / 1e9), iterations, t);
        }
    }
}
