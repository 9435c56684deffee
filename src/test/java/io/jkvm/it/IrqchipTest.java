package io.jkvm.it;

import io.jkvm.api.VirtualMachine;
import io.jkvm.config.VmConfig;
import io.jkvm.exit.VmExit;
import io.jkvm.boot.CpuMode;
import io.jkvm.testing.KvmTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * KVM's in-kernel irqchip and PIT: a guest programs the 8259 and 8254 and counts timer
 * interrupts while halted (HLT no longer exits); the host raises an ISA IRQ with KVM_IRQ_LINE.
 */
@KvmTest
class IrqchipTest {
    @BeforeEach
    void kvm() {
        TestGuests.assumeKvm();
    }

    private static VmConfig.Builder pitGuest() {
        return VmConfig.builder().mode(CpuMode.LONG).irqchip(true).image(TestGuests.load("pit_irq"), "pit_irq");
    }

    @Test
    void inKernelPitInterruptsWakeAHaltedGuest() throws Exception {
        TestDevices.ByteRecorder ticks = new TestDevices.ByteRecorder();
        try (VirtualMachine vm = VirtualMachine.create(pitGuest().register("rcx", 5).build())) {
            vm.attachPort(0x11, 1, ticks);
            long t0 = System.nanoTime();
            VmExit exit = vm.run(Duration.ofSeconds(30));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(VmExit.Reason.DEBUG_EXIT, exit.reason(), exit.message());
            assertEquals((5 << 1) | 1, exit.status());
            assertEquals(List.of(1, 2, 3, 4, 5), ticks.snapshot());
            // Five ticks of a ~100 Hz timer take ~40 ms or more; far less would mean no timer at all.
            assertTrue(ms >= 30, "5 timer ticks in " + ms + " ms");
            assertNull(vm.stats().exitsByReason().get("KVM_EXIT_HLT"), "HLT exited although the irqchip handles it");
        }
    }

    @Test
    void hostRaisesAnIsaInterruptThroughKvmIrqLine() throws Exception {
        // RCX large: the timer alone would take ~100 s to end the run.
        try (VirtualMachine vm = VirtualMachine.create(pitGuest().register("rcx", 10_000).build())) {
            vm.start();
            Thread.sleep(200);
            vm.interruptLine(5).set(true);
            VmExit exit = vm.awaitExit(Duration.ofSeconds(10));
            vm.interruptLine(5).set(false);
            assertEquals(VmExit.Reason.DEBUG_EXIT, exit == null ? null : exit.reason(), String.valueOf(exit));
            assertEquals(0xab, exit.status());
        }
    }

    @Test
    void interruptLinesNeedTheIrqchip() throws Exception {
        VmConfig bare = VmConfig.builder().mode(CpuMode.LONG).image(TestGuests.load("spin"), "spin").build();
        try (VirtualMachine vm = VirtualMachine.create(bare)) {
            assertThrows(IllegalStateException.class, () -> vm.interruptLine(4));
        }
    }
}
