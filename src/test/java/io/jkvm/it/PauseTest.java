package io.jkvm.it;

import io.jkvm.api.VirtualMachine;
import io.jkvm.boot.CpuMode;
import io.jkvm.bus.BusDevice;
import io.jkvm.config.VmConfig;
import io.jkvm.exit.VmExit;
import io.jkvm.testing.KvmTest;
import io.jkvm.vcpu.VcpuSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pause, resume and a paused vCPU's registers on the bare machine, with the counter demo
 * (guests/counter.S: OUT AX to port 0x10, INC AX, forever, at 0x1000 in real mode).
 */
@KvmTest
class PauseTest {
    /** Counts the guest's writes to port 0x10 and keeps the last value. */
    static final class CounterPort implements BusDevice {
        final AtomicLong writes = new AtomicLong();
        final AtomicLong last = new AtomicLong(-1);

        @Override
        public long read(long offset, int size) { return 0; }

        @Override
        public void write(long offset, int size, long value) {
            last.set(value);
            writes.incrementAndGet();
        }
    }

    @BeforeEach
    void kvm() {
        TestGuests.assumeKvm();
    }

    private static VirtualMachine counter(int cpus, CounterPort port) {
        VmConfig config = VmConfig.builder().mode(CpuMode.REAL).cpus(cpus).image(TestGuests.load("counter"), "counter").build();
        VirtualMachine vm = VirtualMachine.create(config);
        vm.attachPort(0x10, 2, port);
        return vm;
    }

    private static void waitForWrites(CounterPort port, long atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (port.writes.get() < atLeast && System.nanoTime() < deadline) Thread.sleep(5);
        assertTrue(port.writes.get() >= atLeast, "the guest wrote " + port.writes.get() + " times, expected " + atLeast);
    }

    @ParameterizedTest(name = "{0} vCPU(s)")
    @ValueSource(ints = {1, 3})
    void pauseHoldsEveryVcpuAndResumeLetsThemRun(int cpus) throws Exception {
        CounterPort port = new CounterPort();
        try (VirtualMachine vm = counter(cpus, port)) {
            vm.start();
            for (int round = 0; round < 5; round++) {
                waitForWrites(port, port.writes.get() + 100);
                assertTrue(vm.pause(), "pause " + round);
                long atPause = port.writes.get();
                Thread.sleep(200);
                assertEquals(atPause, port.writes.get(), "the guest ran while paused (round " + round + ")");
                for (int i = 0; i < cpus; i++) {
                    long rip = vm.registers(i).get("rip");
                    assertTrue(rip >= 0x1000 && rip < 0x1010, String.format("vCPU %d: rip 0x%x is outside the loop", i, rip));
                }
                assertTrue(vm.resume(), "resume " + round);
            }
            waitForWrites(port, port.writes.get() + 100);
            vm.stop();
            assertEquals(VmExit.Reason.STOPPED, vm.awaitExit(Duration.ofSeconds(30)).reason());
        }
    }

    @Test
    void registersWrittenWhilePausedAreWhatTheGuestResumesWith() throws Exception {
        CounterPort port = new CounterPort();
        try (VirtualMachine vm = counter(1, port)) {
            vm.start();
            waitForWrites(port, 1000);
            assertTrue(vm.pause());
            long ax = vm.registers(0).get("rax") & 0xffff;
            long last = port.last.get();
            // AX was written out last (or is one past it, when paused between OUT and INC)
            assertTrue(ax == last || ax == ((last + 1) & 0xffff), String.format("AX 0x%x, last OUT 0x%x", ax, last));
            vm.setRegisters(0, Map.of("rax", 0x7000L));
            long before = port.writes.get();
            assertTrue(vm.resume());
            waitForWrites(port, before + 1);
            long first = port.last.get();
            assertTrue(first >= 0x7000 && first < 0x7000 + 0x100, String.format("after resume the guest wrote 0x%x", first));
            vm.stop();
            vm.awaitExit(Duration.ofSeconds(30));
        }
    }

    @Test
    void everyStateHasAnAnswer() throws Exception {
        CounterPort port = new CounterPort();
        try (VirtualMachine vm = counter(2, port)) {
            assertEquals(VcpuSet.State.CREATED, vm.state());
            assertFalse(vm.pause(), "pause before start");
            assertFalse(vm.resume(), "resume before start");
            assertEquals(0x1000L, vm.registers(0).get("rip"), "registers before start: the start state");
            vm.start();
            assertTrue(vm.resume(), "resume while running: running");
            assertThrows(IllegalStateException.class, () -> vm.registers(0), "registers of a running vCPU");
            waitForWrites(port, 1); // the guest ran (a slow host may not have entered it yet)
            assertTrue(vm.pause());
            assertTrue(vm.pause(), "pause while paused");
            vm.stop(); // while paused: the parked threads leave
            VmExit exit = vm.awaitExit(Duration.ofSeconds(30));
            assertEquals(VmExit.Reason.STOPPED, exit.reason());
            assertEquals(VcpuSet.State.ENDED, vm.state());
            assertFalse(vm.pause(), "pause after the end");
            assertFalse(vm.resume(), "resume after the end");
            vm.registers(1); // the threads are gone: read on the caller's thread
        }
        assertTrue(port.writes.get() > 0);
    }
}
