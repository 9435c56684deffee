package io.jkvm.vcpu;

import io.jkvm.exit.VmExit;
import io.jkvm.bus.Bus;
import io.jkvm.bus.BusDevice;
import io.jkvm.kvm.KvmRun;
import io.jkvm.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static io.jkvm.kvm.KvmExitReason.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fake exits written into a heap kvm_run, dispatched with no KVM. */
class ExitDispatcherTest {
    /** Where KVM puts port-I/O data: one page into the vCPU mapping. */
    private static final long DATA_OFFSET = 0x1000;
    private static final String DUMP = "rax 0000000000000000 (fake register dump)\n";

    private final MemorySegment raw = Arena.ofAuto().allocate(0x2000, 8);
    private final KvmRun run = new KvmRun(raw);
    private final Bus ports = Bus.ports();
    private final Bus mmio = Bus.mmio();
    private final GuestMemory memory = GuestMemory.allocate(List.of(new GuestMemory.Range(0, 0x10000)));
    private final List<VmExit> exits = new ArrayList<>();
    private final Recorder device = new Recorder();
    private final FakeInspector inspector = new FakeInspector();
    private ExitDispatcher dispatcher = new ExitDispatcher(0, ports, mmio, memory, exits::add, null, null);

    /** Records accesses; reads answer {@code 0x8877665544332211} masked to the size, then increments. */
    static final class Recorder implements BusDevice {
        final List<String> log = new ArrayList<>();
        long next = 0x8877_6655_4433_2211L;

        @Override
        public long read(long offset, int size) {
            log.add(String.format("read 0x%x/%d", offset, size));
            long v = size == 8 ? next : next & ((1L << (8 * size)) - 1);
            next++;
            return v;
        }

        @Override
        public void write(long offset, int size, long value) {
            log.add(String.format("write 0x%x/%d = 0x%x", offset, size, value));
        }
    }

    static final class FakeInspector implements VcpuInspector {
        long instructionAddress = -1;

        @Override
        public String registerDump() { return DUMP; }

        @Override
        public long instructionAddress() { return instructionAddress; }
    }

    @AfterEach
    void close() {
        memory.close();
    }

    private void exit(int reason) {
        raw.set(JAVA_INT, KvmRun.EXIT_REASON, reason);
    }

    private void io(int direction, int port, int size, int count) {
        exit(KVM_EXIT_IO);
        raw.set(JAVA_BYTE, KvmRun.IO_DIRECTION, (byte) direction);
        raw.set(JAVA_BYTE, KvmRun.IO_SIZE, (byte) size);
        raw.set(JAVA_SHORT, KvmRun.IO_PORT, (short) port);
        raw.set(JAVA_INT, KvmRun.IO_COUNT, count);
        raw.set(JAVA_LONG, KvmRun.IO_DATA_OFFSET, DATA_OFFSET);
    }

    private void mmioExit(long address, int len, boolean write, long data) {
        exit(KVM_EXIT_MMIO);
        raw.set(JAVA_LONG, KvmRun.MMIO_PHYS_ADDR, address);
        raw.set(JAVA_LONG, KvmRun.MMIO_DATA, data);
        raw.set(JAVA_INT, KvmRun.MMIO_LEN, len);
        raw.set(JAVA_BYTE, KvmRun.MMIO_IS_WRITE, (byte) (write ? 1 : 0));
    }

    private VmExit onlyExit() {
        assertEquals(1, exits.size(), "exits requested: " + exits);
        return exits.getFirst();
    }

    // ---- port I/O ----

    @Test
    void portOutOfEachSizeReachesTheDevice() {
        ports.attach(0x3f8, 8, device);
        io(KVM_EXIT_IO_OUT, 0x3f8, 1, 1);
        raw.set(JAVA_LONG, DATA_OFFSET, 0x1122_3344_5566_7741L);
        assertEquals(ExitDispatcher.CONTINUE, dispatcher.dispatch(run, inspector));
        io(KVM_EXIT_IO_OUT, 0x3fa, 2, 1);
        assertEquals(ExitDispatcher.CONTINUE, dispatcher.dispatch(run, inspector));
        io(KVM_EXIT_IO_OUT, 0x3fc, 4, 1);
        assertEquals(ExitDispatcher.CONTINUE, dispatcher.dispatch(run, inspector));
        assertEquals(List.of("write 0x0/1 = 0x41", "write 0x2/2 = 0x7741", "write 0x4/4 = 0x55667741"), device.log);
        assertEquals(List.of(), exits);
    }

    @Test
    void portInPutsTheDevicesValueAtDataOffset() {
        ports.attach(0x60, 4, device);
        raw.set(JAVA_LONG, DATA_OFFSET, -1L);
        io(KVM_EXIT_IO_IN, 0x61, 1, 1);
        assertEquals(ExitDispatcher.CONTINUE, dispatcher.dispatch(run, inspector));
        assertEquals(0xffff_ffff_ffff_ff11L, raw.get(JAVA_LONG, DATA_OFFSET), "one byte written, the rest untouched");

        io(KVM_EXIT_IO_IN, 0x60, 4, 1);
        dispatcher.dispatch(run, inspector);
        assertEquals(0x4433_2212, raw.get(JAVA_INT, DATA_OFFSET));
        assertEquals(List.of("read 0x1/1", "read 0x0/4"), device.log);
    }

    @Test
    void portInFromNothingReadsAllOnes() {
        io(KVM_EXIT_IO_IN, 0x80, 2, 1);
        assertEquals(ExitDispatcher.CONTINUE, dispatcher.dispatch(run, inspector));
        assertEquals((short) 0xffff, raw.get(JAVA_SHORT, DATA_OFFSET));
        assertEquals(1, ports.unmappedReads());
    }

    @Test
    void stringOutMakesOneBusAccessPerElement() {
        ports.attach(0x3f8, 8, device);
        io(KVM_EXIT_IO_OUT, 0x3f8, 2, 4);
        for (int i = 0; i < 4; i++) raw.set(JAVA_SHORT, DATA_OFFSET + 2L * i, (short) (0xa0 + i));
        assertEquals(ExitDispatcher.CONTINUE, dispatcher.dispatch(run, inspector));
        assertEquals(List.of("write 0x0/2 = 0xa0", "write 0x0/2 = 0xa1", "write 0x0/2 = 0xa2", "write 0x0/2 = 0xa3"),
                device.log);
    }

    @Test
    void stringInPlacesEachElementAfterThePrevious() {
        ports.attach(0x1f0, 8, device);
        io(KVM_EXIT_IO_IN, 0x1f0, 4, 4);
        assertEquals(ExitDispatcher.CONTINUE, dispatcher.dispatch(run, inspector));
        assertEquals(4, device.log.size());
        for (int i = 0; i < 4; i++) {
            assertEquals(0x4433_2211 + i, raw.get(JAVA_INT, DATA_OFFSET + 4L * i), "element " + i);
        }
        assertEquals(0, raw.get(JAVA_INT, DATA_OFFSET + 16), "nothing past count * size");
    }

    // ---- MMIO ----

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8})
    void mmioWriteOfEachLength(int len) {
        mmio.attach(0xd000_0000L, 0x1000, device);
        mmioExit(0xd000_0010L, len, true, 0x0807_0605_0403_0201L);
        assertEquals(ExitDispatcher.CONTINUE, dispatcher.dispatch(run, inspector));
        long expected = len == 8 ? 0x0807_0605_0403_0201L : 0x0807_0605_0403_0201L & ((1L << (8 * len)) - 1);
        assertEquals(List.of(String.format("write 0x10/%d = 0x%x", len, expected)), device.log);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8})
    void mmioReadOfEachLength(int len) {
        mmio.attach(0xd000_0000L, 0x1000, device);
        mmioExit(0xd000_0ff8L, len, false, -1L);
        assertEquals(ExitDispatcher.CONTINUE, dispatcher.dispatch(run, inspector));
        assertEquals(List.of(String.format("read 0xff8/%d", len)), device.log);
        long expected = len == 8 ? 0x8877_6655_4433_2211L
                : (0x8877_6655_4433_2211L & ((1L << (8 * len)) - 1)) | (-1L << (8 * len));
        assertEquals(expected, raw.get(JAVA_LONG, KvmRun.MMIO_DATA), "len bytes answered, the rest untouched");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 9, -1})
    void mmioOfABadLengthStopsTheRun(int len) {
        mmio.attach(0xd000_0000L, 0x1000, device);
        mmioExit(0xd000_0000L, len, true, 0);
        assertEquals(ExitDispatcher.STOP, dispatcher.dispatch(run, inspector));
        VmExit e = onlyExit();
        assertEquals(VmExit.Reason.GUEST_ERROR, e.reason());
        assertEquals(6, e.status());
        assertEquals("vCPU 0: KVM_EXIT_MMIO with length " + len + " at 0xd0000000", e.message());
        assertEquals(List.of(), device.log);
    }

    // ---- simple reasons ----

    @Test
    void hltHaltsThisVcpu() {
        exit(KVM_EXIT_HLT);
        assertEquals(ExitDispatcher.HALTED, dispatcher.dispatch(run, inspector));
        assertEquals(List.of(), exits);
    }

    @Test
    void intrContinues() {
        exit(KVM_EXIT_INTR);
        assertEquals(ExitDispatcher.CONTINUE, dispatcher.dispatch(run, inspector));
        assertEquals(List.of(), exits);
    }

    // ---- failures ----

    @Test
    void shutdownIsATripleFaultWithARegisterDump() {
        dispatcher = new ExitDispatcher(2, ports, mmio, memory, exits::add, null, null);
        exit(KVM_EXIT_SHUTDOWN);
        assertEquals(ExitDispatcher.STOP, dispatcher.dispatch(run, inspector));
        VmExit e = onlyExit();
        assertEquals(VmExit.Reason.TRIPLE_FAULT, e.reason());
        assertEquals(4, e.status());
        assertEquals("vCPU 2: guest triple fault (KVM_EXIT_SHUTDOWN)" + System.lineSeparator() + DUMP, e.message());
    }

    @Test
    void failEntryGivesTheHardwareReasonInHex() {
        exit(KVM_EXIT_FAIL_ENTRY);
        raw.set(JAVA_LONG, KvmRun.FAIL_ENTRY_REASON, 0x8000_0021L);
        raw.set(JAVA_INT, KvmRun.FAIL_ENTRY_CPU, 3);
        assertEquals(ExitDispatcher.STOP, dispatcher.dispatch(run, inspector));
        VmExit e = onlyExit();
        assertEquals(VmExit.Reason.GUEST_ERROR, e.reason());
        assertEquals(6, e.status());
        assertTrue(e.message().startsWith(
                "vCPU 0: KVM_EXIT_FAIL_ENTRY: VM entry failed, hardware_entry_failure_reason 0x80000021 on host CPU 3"),
                e.message());
        assertTrue(e.message().endsWith(DUMP), e.message());
    }

    @Test
    void emulationFailureShowsTheInstructionBytesFromRam() {
        memory.write(0x1000, new byte[] {(byte) 0x0f, (byte) 0x01, (byte) 0xd9, (byte) 0xf4});
        inspector.instructionAddress = 0x1000;
        exit(KVM_EXIT_INTERNAL_ERROR);
        raw.set(JAVA_INT, KvmRun.INTERNAL_SUBERROR, KVM_INTERNAL_ERROR_EMULATION);
        raw.set(JAVA_INT, KvmRun.INTERNAL_NDATA, 2);
        raw.set(JAVA_LONG, KvmRun.INTERNAL_DATA, 0x10);
        raw.set(JAVA_LONG, KvmRun.INTERNAL_DATA + 8, 0xabc);
        assertEquals(ExitDispatcher.STOP, dispatcher.dispatch(run, inspector));
        VmExit e = onlyExit();
        assertEquals(VmExit.Reason.GUEST_ERROR, e.reason());
        assertEquals("vCPU 0: KVM_EXIT_INTERNAL_ERROR: KVM_INTERNAL_ERROR_EMULATION (instruction emulation failed),"
                + " data: 0x10 0xabc\n"
                + "instruction bytes at guest-physical 0x1000: 0f 01 d9 f4 00 00 00 00 00 00 00 00 00 00 00\n"
                + DUMP, e.message());
    }

    @Test
    void instructionBytesStopAtTheEndOfRam() {
        memory.write(0xfffd, new byte[] {(byte) 0xcd, 0x10, (byte) 0x90});
        assertEquals("instruction bytes at guest-physical 0xfffd: cd 10 90", dispatcher.instructionBytes(0xfffd));
    }

    @Test
    void emulationFailureOutsideRamSaysSo() {
        inspector.instructionAddress = 0xfee0_0000L;
        exit(KVM_EXIT_INTERNAL_ERROR);
        raw.set(JAVA_INT, KvmRun.INTERNAL_SUBERROR, KVM_INTERNAL_ERROR_EMULATION);
        assertEquals(ExitDispatcher.STOP, dispatcher.dispatch(run, inspector));
        String message = onlyExit().message();
        assertTrue(message.contains("instruction at RIP: guest-physical 0xfee00000 is not RAM"), message);
        assertTrue(message.endsWith(DUMP), message);
    }

    @Test
    void emulationFailureWithAnUntranslatableRip() {
        inspector.instructionAddress = -1;
        exit(KVM_EXIT_INTERNAL_ERROR);
        raw.set(JAVA_INT, KvmRun.INTERNAL_SUBERROR, KVM_INTERNAL_ERROR_EMULATION);
        dispatcher.dispatch(run, inspector);
        assertTrue(onlyExit().message().contains("instruction at RIP: its address does not translate"));
    }

    @Test
    void otherInternalErrorsDoNotReadInstructionBytes() {
        inspector.instructionAddress = 0x1000;
        exit(KVM_EXIT_INTERNAL_ERROR);
        raw.set(JAVA_INT, KvmRun.INTERNAL_SUBERROR, KVM_INTERNAL_ERROR_DELIVERY_EV);
        dispatcher.dispatch(run, inspector);
        assertEquals("vCPU 0: KVM_EXIT_INTERNAL_ERROR: KVM_INTERNAL_ERROR_DELIVERY_EV (exit while delivering an event)\n"
                + DUMP, onlyExit().message());
    }

    @Test
    void debugStopsWithoutADebugger() {
        exit(KVM_EXIT_DEBUG);
        raw.set(JAVA_INT, KvmRun.DEBUG_EXCEPTION, 1);
        raw.set(JAVA_LONG, KvmRun.DEBUG_PC, 0x1234);
        raw.set(JAVA_LONG, KvmRun.DEBUG_DR6, 0xffff4ff0L);
        raw.set(JAVA_LONG, KvmRun.DEBUG_DR7, 0x400);
        assertEquals(ExitDispatcher.STOP, dispatcher.dispatch(run, inspector));
        VmExit e = onlyExit();
        assertEquals(VmExit.Reason.GUEST_ERROR, e.reason());
        assertEquals("vCPU 0: KVM_EXIT_DEBUG: exception 1 at pc 0x1234 (dr6 0xffff4ff0, dr7 0x400) and no debugger attached",
                e.message());
    }

    @Test
    void systemEventShutdownIsAPowerOff() {
        exit(KVM_EXIT_SYSTEM_EVENT);
        raw.set(JAVA_INT, KvmRun.SYSTEM_EVENT_TYPE, KVM_SYSTEM_EVENT_SHUTDOWN);
        assertEquals(ExitDispatcher.STOP, dispatcher.dispatch(run, inspector));
        assertEquals(VmExit.Reason.POWER_OFF, onlyExit().reason());
        assertEquals(0, onlyExit().status());
    }

    @Test
    void systemEventResetAndCrash() {
        exit(KVM_EXIT_SYSTEM_EVENT);
        raw.set(JAVA_INT, KvmRun.SYSTEM_EVENT_TYPE, KVM_SYSTEM_EVENT_RESET);
        assertEquals(ExitDispatcher.STOP, dispatcher.dispatch(run, inspector));
        raw.set(JAVA_INT, KvmRun.SYSTEM_EVENT_TYPE, KVM_SYSTEM_EVENT_CRASH);
        assertEquals(ExitDispatcher.STOP, dispatcher.dispatch(run, inspector));
        raw.set(JAVA_INT, KvmRun.SYSTEM_EVENT_TYPE, 99);
        assertEquals(ExitDispatcher.STOP, dispatcher.dispatch(run, inspector));
        assertEquals(List.of(VmExit.Reason.RESET, VmExit.Reason.TRIPLE_FAULT, VmExit.Reason.GUEST_ERROR),
                exits.stream().map(VmExit::reason).toList());
        assertEquals(4, exits.get(1).status());
        assertEquals("vCPU 0: KVM_EXIT_SYSTEM_EVENT of unknown type 99", exits.get(2).message());
    }

    @Test
    void unknownGivesTheHardwareExitReason() {
        exit(KVM_EXIT_UNKNOWN);
        raw.set(JAVA_LONG, KvmRun.HW_EXIT_REASON, 0x30);
        assertEquals(ExitDispatcher.STOP, dispatcher.dispatch(run, inspector));
        VmExit e = onlyExit();
        assertEquals(VmExit.Reason.GUEST_ERROR, e.reason());
        assertTrue(e.message().startsWith("vCPU 0: KVM_EXIT_UNKNOWN: hardware_exit_reason 0x30"), e.message());
    }

    @Test
    void anUnhandledReasonStopsTheRun() {
        exit(KVM_EXIT_IRQ_WINDOW_OPEN);
        assertEquals(ExitDispatcher.STOP, dispatcher.dispatch(run, inspector));
        VmExit e = onlyExit();
        assertEquals(VmExit.Reason.GUEST_ERROR, e.reason());
        assertEquals(6, e.status());
        assertTrue(e.message().startsWith("vCPU 0: KVM_EXIT_IRQ_WINDOW_OPEN (7): jkvm does not handle this exit"),
                e.message());
        assertTrue(e.message().endsWith(DUMP), e.message());
    }

    // ---- budget and counts ----

    @Test
    void theExitThatUsesUpTheBudgetStopsTheRun() {
        dispatcher = new ExitDispatcher(0, ports, mmio, memory, exits::add, null, new ExitBudget(3));
        ports.attach(0x10, 1, device);
        io(KVM_EXIT_IO_OUT, 0x10, 1, 1);
        assertEquals(ExitDispatcher.CONTINUE, dispatcher.dispatch(run, inspector));
        assertEquals(ExitDispatcher.CONTINUE, dispatcher.dispatch(run, inspector));
        assertEquals(List.of(), exits);
        assertEquals(ExitDispatcher.STOP, dispatcher.dispatch(run, inspector));
        assertEquals(3, device.log.size(), "the last exit is still handled");
        VmExit e = onlyExit();
        assertEquals(VmExit.Reason.EXIT_LIMIT, e.reason());
        assertEquals(0, e.status());
        assertEquals("stopped after 3 exits (--exits)", e.message());
    }

    @Test
    void countsExitsPerReason() {
        ports.attach(0x10, 1, device);
        io(KVM_EXIT_IO_OUT, 0x10, 1, 1);
        dispatcher.dispatch(run, inspector);
        dispatcher.dispatch(run, inspector);
        exit(KVM_EXIT_HLT);
        dispatcher.dispatch(run, inspector);
        exit(1000);
        dispatcher.dispatch(run, inspector);

        long[] counts = dispatcher.counts();
        assertEquals(64, counts.length);
        assertEquals(2, counts[KVM_EXIT_IO]);
        assertEquals(1, counts[KVM_EXIT_HLT]);
        assertEquals(1, counts[63], "reasons past the array land in the last slot");
        assertEquals(4, java.util.Arrays.stream(counts).sum());
        counts[KVM_EXIT_IO] = 99;
        assertEquals(2, dispatcher.counts()[KVM_EXIT_IO], "counts() is a copy");
    }

    @Test
    void anUnmappedPortWriteIsCountedAndTheGuestGoesOn() {
        io(KVM_EXIT_IO_OUT, 0x80, 1, 1);
        assertEquals(ExitDispatcher.CONTINUE, dispatcher.dispatch(run, inspector));
        assertEquals(1, ports.unmappedWrites());
        assertEquals(List.of(), exits);
    }
}
