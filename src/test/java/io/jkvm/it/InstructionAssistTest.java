package io.jkvm.it;

import io.jkvm.api.VirtualMachine;
import io.jkvm.api.VmConfig;
import io.jkvm.api.VmExit;
import io.jkvm.boot.CpuMode;
import io.jkvm.host.HostKind;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The instruction assists on a host whose KVM emulates guest CPL0 code: guests/assists.S runs
 * int3 (with a #BP handler), fwait, stac/clac, ldmxcsr/stmxcsr and serialize, checking each.
 */
class InstructionAssistTest {
    @BeforeEach
    void nestedHost() {
        TestGuests.assumeKvm();
        boolean nested = HostKind.detect().emulatesSupervisorCode();
        if (!nested) System.err.println("SKIPPED: this host runs CPL0 natively; the assists never act here");
        assumeTrue(nested, "this host runs guest CPL0 code natively: no emulation failures to assist");
    }

    private static VmConfig.Builder guest() {
        return VmConfig.builder().mode(CpuMode.LONG).image(TestGuests.load("assists"), "assists");
    }

    @Test
    void everyAssistedInstructionBehavesAsOnTheCpu() throws Exception {
        TestDevices.ByteRecorder checks = new TestDevices.ByteRecorder();
        try (VirtualMachine vm = VirtualMachine.create(guest().build())) {
            vm.attachPort(0x11, 1, checks);
            VmExit exit = vm.run(Duration.ofSeconds(30));
            assertEquals(VmExit.Reason.DEBUG_EXIT, exit.reason(), exit.message());
            StringBuilder passed = new StringBuilder();
            checks.snapshot().forEach(b -> passed.append((char) b.intValue()));
            assertEquals("BWAaMS", passed.toString());
            assertTrue(vm.stats().assistedInstructions() >= 6, vm.stats().table());
        }
    }

    @Test
    void withoutAssistsTheFirstFailureEndsTheRun() throws Exception {
        try (VirtualMachine vm = VirtualMachine.create(guest().instructionAssists(false).build())) {
            VmExit exit = vm.run(Duration.ofSeconds(30));
            assertEquals(VmExit.Reason.GUEST_ERROR, exit.reason());
            assertTrue(exit.message().contains("instruction bytes at guest-physical 0x10003a: cc"), exit.message());
            assertEquals(0, vm.stats().assistedInstructions());
        }
    }
}
