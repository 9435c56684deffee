package io.jkvm.it;

import io.jkvm.api.VirtualMachine;
import io.jkvm.config.VmConfig;
import io.jkvm.exit.VmExit;
import io.jkvm.boot.CpuMode;
import io.jkvm.boot.EntryPoint;
import io.jkvm.testing.KvmTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tiny guests under KVM: each CPU mode, each exit kind, string I/O, MMIO widths, several vCPUs. */
@KvmTest
class GuestRunTest {
    private static final Duration LIMIT = Duration.ofSeconds(30);

    @BeforeEach
    void kvm() {
        TestGuests.assumeKvm();
    }

    private static VmConfig.Builder guest(String name, CpuMode mode, TestDevices.Console console) {
        return VmConfig.builder().mode(mode).image(TestGuests.load(name), name).serial(console);
    }

    @Test
    void helloDemoPrintsFourAndHalts() throws Exception {
        TestDevices.Console console = new TestDevices.Console();
        VmConfig config = guest("hello", CpuMode.REAL, console).loadAddress(0x1000)
                .entry(EntryPoint.realMode(0, 0x1000)).register("rax", 2).register("rbx", 2).build();
        try (VirtualMachine vm = VirtualMachine.create(config)) {
            VmExit exit = vm.run(LIMIT);
            assertEquals(VmExit.Reason.HALTED, exit.reason());
            assertEquals(0, exit.status());
            assertEquals("4\n", console.text());
            assertEquals(2, vm.stats().exitsByReason().get("KVM_EXIT_IO"));
            assertEquals(1, vm.stats().exitsByReason().get("KVM_EXIT_HLT"));
        }
    }

    @Test
    void realModeEntryInTheHighMemoryArea() throws Exception {
        // hello is position-independent: at 0x100000 it starts at CS:IP = ffff:0010.
        TestDevices.Console console = new TestDevices.Console();
        VmConfig config = guest("hello", CpuMode.REAL, console).loadAddress(0x100000)
                .register("rax", 1).register("rbx", 2).build();
        try (VirtualMachine vm = VirtualMachine.create(config)) {
            assertEquals(VmExit.Reason.HALTED, vm.run(LIMIT).reason());
            assertEquals("3\n", console.text());
        }
    }

    @Test
    void realModeStringIoBothDirectionsAndEverySize() throws Exception {
        TestDevices.Console console = new TestDevices.Console();
        TestDevices.LetterPort port = new TestDevices.LetterPort();
        try (VirtualMachine vm = VirtualMachine.create(guest("real_io", CpuMode.REAL, console).build())) {
            vm.attachPort(0x12, 4, port);
            VmExit exit = vm.run(LIMIT);
            assertEquals(VmExit.Reason.HALTED, exit.reason(), exit.message());
            // "real mode\n" with rep outsb; then the 4 bytes read with rep insb (count 4), echoed.
            assertEquals("real mode\nabcd\n", console.text());
            assertEquals(List.of(new TestDevices.Access(0, 1, 0x11), new TestDevices.Access(0, 2, 0x2222),
                    new TestDevices.Access(0, 4, 0x33333333L)), port.writes);
        }
    }

    @Test
    void protectedModeEndsThroughDebugExit() throws Exception {
        TestDevices.Console console = new TestDevices.Console();
        try (VirtualMachine vm = VirtualMachine.create(guest("protected", CpuMode.PROTECTED, console).build())) {
            VmExit exit = vm.run(LIMIT);
            assertEquals(VmExit.Reason.DEBUG_EXIT, exit.reason(), exit.message());
            assertEquals(1, exit.status());
            assertEquals("protected mode\n", console.text());
        }
    }

    @Test
    void longModeMmioOfEveryWidth() throws Exception {
        TestDevices.Console console = new TestDevices.Console();
        TestDevices.PatternMmio mmio = new TestDevices.PatternMmio();
        try (VirtualMachine vm = VirtualMachine.create(guest("long_mmio", CpuMode.LONG, console).build())) {
            vm.attachMmio(0xd000_0000L, 0x1000, mmio);
            VmExit exit = vm.run(LIMIT);
            assertEquals(VmExit.Reason.HALTED, exit.reason(), exit.message());
            assertEquals("long mode\nmmio ok\n", console.text());
            assertEquals(List.of(new TestDevices.Access(0, 1, 0x11), new TestDevices.Access(2, 2, 0x2222),
                    new TestDevices.Access(4, 4, 0x33333333L), new TestDevices.Access(8, 8, 0x4444444444444444L)),
                    mmio.writes);
            assertEquals(8, vm.stats().exitsByReason().get("KVM_EXIT_MMIO"));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void everyVcpuRunsOnItsOwnThreadWithItsIndexInRdi(int cpus) throws Exception {
        TestDevices.ByteRecorder indexes = new TestDevices.ByteRecorder();
        VmConfig config = guest("smp", CpuMode.LONG, new TestDevices.Console()).cpus(cpus).build();
        try (VirtualMachine vm = VirtualMachine.create(config)) {
            vm.attachPort(0x11, 1, indexes);
            VmExit exit = vm.run(LIMIT);
            assertEquals(VmExit.Reason.HALTED, exit.reason(), exit.message());
            List<Integer> seen = new ArrayList<>(indexes.snapshot());
            seen.sort(null);
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < cpus; i++) expected.add(i);
            assertEquals(expected, seen);
            assertEquals(cpus, vm.stats().exitsByReason().get("KVM_EXIT_HLT"));
        }
    }

    @Test
    void tripleFaultReportsShutdownWithRegisters() throws Exception {
        try (VirtualMachine vm = VirtualMachine.create(guest("triple_fault", CpuMode.LONG, new TestDevices.Console()).build())) {
            VmExit exit = vm.run(LIMIT);
            assertEquals(VmExit.Reason.TRIPLE_FAULT, exit.reason());
            assertEquals(VmExit.STATUS_GUEST_CRASH, exit.status());
            assertTrue(exit.message().contains("KVM_EXIT_SHUTDOWN"), exit.message());
            if (HostCpu.has("svm") && !HostCpu.emulatesSupervisorCode()) {
                // AMD SVM: KVM resets the vCPU on the shutdown intercept before it reports
                // KVM_EXIT_SHUTDOWN (the VMCB is undefined after it: arch/x86/kvm/svm/svm.c,
                // shutdown_interception), so the dump shows the reset state, CS:IP F000:FFF0.
                assertTrue(exit.message().contains("rip    000000000000fff0"), exit.message());
            } else {
                // VMX and kvm-pvm keep the state of the faulting instruction.
                assertTrue(exit.message().contains("rip    00000000001"), exit.message());
            }
        }
    }

    @Test
    void fetchFromMmioIsAnEmulationFailure() throws Exception {
        try (VirtualMachine vm = VirtualMachine.create(guest("mmio_exec", CpuMode.LONG, new TestDevices.Console()).build())) {
            VmExit exit = vm.run(LIMIT);
            assertEquals(VmExit.Reason.GUEST_ERROR, exit.reason());
            assertEquals(VmExit.STATUS_GUEST_ERROR, exit.status());
            assertTrue(exit.message().contains("KVM_EXIT_INTERNAL_ERROR"), exit.message());
            assertTrue(exit.message().contains("0xd0000000 is not RAM"), exit.message());
        }
    }

    /**
     * POPCNT at CPL0: a host that runs supervisor code natively executes it and the guest halts;
     * a kvm-pvm host's emulator fails on it (jkvm has no assist for POPCNT), and jkvm shows its bytes.
     */
    @Test
    void emulationFailureShowsTheInstructionBytes() throws Exception {
        try (VirtualMachine vm = VirtualMachine.create(guest("emulation_failure", CpuMode.LONG, new TestDevices.Console()).build())) {
            VmExit exit = vm.run(LIMIT);
            if (HostCpu.emulatesSupervisorCode()) {
                assertEquals(VmExit.Reason.GUEST_ERROR, exit.reason(), exit.message());
                assertEquals(VmExit.STATUS_GUEST_ERROR, exit.status());
                assertTrue(exit.message().contains("KVM_INTERNAL_ERROR_EMULATION"), exit.message());
                assertTrue(exit.message().contains("instruction bytes at guest-physical 0x100007: f3 48 0f b8 d8 f4"), exit.message());
                assertTrue(exit.message().contains("rip    0000000000100007"), exit.message());
            } else {
                assertEquals(VmExit.Reason.HALTED, exit.reason(), "POPCNT must simply run where CPL0 runs natively: " + exit.message());
                assertEquals(0, exit.status());
                assertEquals(1, vm.stats().exitsByReason().get("KVM_EXIT_HLT"), vm.stats().table());
                assertEquals(0, vm.stats().assistedInstructions(), vm.stats().table());
            }
        }
    }

    @Test
    void ramAboveTheMmioHoleIsASecondSlot() throws Exception {
        // 3 GiB + 64 MiB: [0, 3 GiB) and [4 GiB, 4 GiB + 64 MiB); mapped lazily, so cheap.
        VmConfig config = guest("long_mmio", CpuMode.LONG, new TestDevices.Console()).memory((3L << 30) + (64L << 20)).build();
        try (VirtualMachine vm = VirtualMachine.create(config)) {
            assertEquals(2, vm.memory().regions().size());
            assertEquals(0x1_0000_0000L, vm.memory().regions().get(1).guestPhysAddr());
            vm.memory().writeLong(0x1_0000_0000L + (64L << 20) - 8, 0x1122334455667788L);
            assertEquals(0x1122334455667788L, vm.memory().readLong(0x1_0000_0000L + (64L << 20) - 8));
            vm.attachMmio(0xd000_0000L, 0x1000, new TestDevices.PatternMmio());
            assertEquals(VmExit.Reason.HALTED, vm.run(LIMIT).reason());
        }
    }

    @Test
    void exitLimitStopsTheCounter() throws Exception {
        VmConfig config = guest("counter", CpuMode.REAL, new TestDevices.Console()).exitLimit(25).build();
        try (VirtualMachine vm = VirtualMachine.create(config)) {
            TestDevices.ByteRecorder port = new TestDevices.ByteRecorder();
            vm.attachPort(0x10, 2, port);
            VmExit exit = vm.run(LIMIT);
            assertEquals(VmExit.Reason.EXIT_LIMIT, exit.reason());
            assertEquals(25, vm.stats().totalExits());
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < 25; i++) expected.add(i);
            assertEquals(expected, port.snapshot());
        }
    }

    @Test
    void multibootGuestRunsAsARawProtectedModeImage() throws Exception {
        TestDevices.Console console = new TestDevices.Console();
        try (VirtualMachine vm = VirtualMachine.create(guest("mb_hello", CpuMode.PROTECTED, console).build())) {
            VmExit exit = vm.run(LIMIT);
            assertEquals(33, exit.status(), exit.message());
            assertEquals("Hello from a multiboot guest\n", console.text());
        }
    }

    @Test
    void unmappedPortReadsFloatHighAndAreCounted() throws Exception {
        // real_io without its port device: the four bytes read with rep insb are all ones.
        TestDevices.Console console = new TestDevices.Console();
        try (VirtualMachine vm = VirtualMachine.create(guest("real_io", CpuMode.REAL, console).build())) {
            vm.run(LIMIT);
            assertEquals("real mode\n\u00ff\u00ff\u00ff\u00ff\n", console.text());
            assertTrue(vm.stats().unmappedPortAccesses() >= 4 + 3 + 2, vm.stats().table());
        }
    }
}
