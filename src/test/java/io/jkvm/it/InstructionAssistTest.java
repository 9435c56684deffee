package io.jkvm.it;

import io.jkvm.api.VirtualMachine;
import io.jkvm.config.VmConfig;
import io.jkvm.exit.VmExit;
import io.jkvm.boot.CpuMode;
import io.jkvm.testing.KvmTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * guests/assists.S runs int3 (with a #BP handler), fwait, stac/clac, ldmxcsr/stmxcsr and
 * serialize at CPL0, checking each ('B', 'W', 'A', 'a', 'M', 'S' on port 0x11). On a kvm-pvm host
 * KVM's emulator fails on every one of them and jkvm's assists complete them; on a host that runs
 * CPL0 natively the CPU runs them and no assist ever acts.
 */
@KvmTest
class InstructionAssistTest {
    private static final Duration LIMIT = Duration.ofSeconds(30);

    @BeforeEach
    void kvm() {
        TestGuests.assumeKvm();
    }

    private static VmConfig.Builder guest() {
        return VmConfig.builder().mode(CpuMode.LONG).image(TestGuests.load("assists"), "assists");
    }

    private static String passed(TestDevices.ByteRecorder checks) {
        StringBuilder passed = new StringBuilder();
        checks.snapshot().forEach(b -> passed.append((char) b.intValue()));
        return passed.toString();
    }

    @Test
    void everyAssistedInstructionBehavesAsOnTheCpu() throws Exception {
        TestDevices.ByteRecorder checks = new TestDevices.ByteRecorder();
        try (VirtualMachine vm = VirtualMachine.create(guest().build())) {
            vm.attachPort(0x11, 1, checks);
            VmExit exit = vm.run(LIMIT);
            if (HostCpu.emulatesSupervisorCode()) {
                assertEquals(VmExit.Reason.DEBUG_EXIT, exit.reason(), exit.message());
                assertEquals("BWAaMS", passed(checks));
                assertTrue(vm.stats().assistedInstructions() >= 6, vm.stats().table());
            } else {
                assertRanNatively(vm, exit, checks);
            }
        }
    }

    @Test
    void withoutAssistsTheFirstFailureEndsTheRun() throws Exception {
        TestDevices.ByteRecorder checks = new TestDevices.ByteRecorder();
        try (VirtualMachine vm = VirtualMachine.create(guest().instructionAssists(false).build())) {
            vm.attachPort(0x11, 1, checks);
            VmExit exit = vm.run(LIMIT);
            if (HostCpu.emulatesSupervisorCode()) {
                assertEquals(VmExit.Reason.GUEST_ERROR, exit.reason(), exit.message());
                assertTrue(exit.message().contains("instruction bytes at guest-physical 0x10003a: cc"), exit.message());
                assertEquals("", passed(checks), "nothing runs past the int3");
                assertEquals(0, vm.stats().assistedInstructions());
            } else {
                // Nothing fails natively, so turning the assists off changes nothing.
                assertRanNatively(vm, exit, checks);
            }
        }
    }

    /**
     * Natively every instruction the CPU has runs without an assist. stac/clac need SMAP and
     * serialize needs SERIALIZE: without one the CPU raises #UD, which the guest (no #UD gate)
     * turns into a triple fault after the checks before it.
     */
    private static void assertRanNatively(VirtualMachine vm, VmExit exit, TestDevices.ByteRecorder checks) {
        String expected = "BW";
        boolean complete = false;
        if (HostCpu.has("smap")) {
            expected += "AaM";
            if (HostCpu.has("serialize")) {
                expected += "S";
                complete = true;
            }
        }
        assertEquals(complete ? VmExit.Reason.DEBUG_EXIT : VmExit.Reason.TRIPLE_FAULT, exit.reason(),
                "CPU flags smap=" + HostCpu.has("smap") + " serialize=" + HostCpu.has("serialize") + ": " + exit.message());
        assertEquals(expected, passed(checks));
        assertEquals(0, vm.stats().assistedInstructions(), vm.stats().table());
    }
}
