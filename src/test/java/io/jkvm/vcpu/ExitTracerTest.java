package io.jkvm.vcpu;

import io.jkvm.bus.Bus;
import io.jkvm.bus.BusDevice;
import io.jkvm.kvm.KvmRun;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static io.jkvm.kvm.KvmExitReason.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ExitTracerTest {
    private static final long DATA_OFFSET = 0x1000;
    private static final String NL = System.lineSeparator();

    private final MemorySegment raw = Arena.ofAuto().allocate(0x2000, 8);
    private final KvmRun run = new KvmRun(raw);
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final Bus ports = Bus.ports();

    private String traced() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private ExitDispatcher dispatcher(ExitTracer tracer) {
        // No guest memory: only emulation failures read it.
        return new ExitDispatcher(1, ports, Bus.mmio(), null, e -> { }, tracer, null);
    }

    private void io(int direction, int port, int size, int count) {
        raw.set(JAVA_INT, KvmRun.EXIT_REASON, KVM_EXIT_IO);
        raw.set(JAVA_BYTE, KvmRun.IO_DIRECTION, (byte) direction);
        raw.set(JAVA_BYTE, KvmRun.IO_SIZE, (byte) size);
        raw.set(JAVA_SHORT, KvmRun.IO_PORT, (short) port);
        raw.set(JAVA_INT, KvmRun.IO_COUNT, count);
        raw.set(JAVA_LONG, KvmRun.IO_DATA_OFFSET, DATA_OFFSET);
    }

    @Test
    void detailedShowsAnOutExit() {
        io(KVM_EXIT_IO_OUT, 0x3f8, 1, 1);
        raw.set(JAVA_BYTE, DATA_OFFSET, (byte) 0x34);
        dispatcher(new ExitTracer(out, ExitTracer.Style.DETAILED, false)).dispatch(run, VcpuInspector.NONE);
        assertEquals("KVM_EXIT_IO\nout port: 0x3f8, size: 1, count: 1, data: 0x34" + NL, traced());
    }

    @Test
    void detailedShowsWhatAnInExitReturned() {
        ports.attach(0x60, 1, new BusDevice() {
            @Override public long read(long offset, int size) { return 0x1c; }
            @Override public void write(long offset, int size, long value) { }
        });
        io(KVM_EXIT_IO_IN, 0x60, 1, 2);
        dispatcher(new ExitTracer(out, ExitTracer.Style.DETAILED, true)).dispatch(run, VcpuInspector.NONE);
        assertEquals("[vcpu1] KVM_EXIT_IO\n[vcpu1] in port: 0x60, size: 1, count: 2, data: 0x1c 0x1c" + NL, traced());
    }

    @Test
    void detailedShowsAnMmioExit() {
        raw.set(JAVA_INT, KvmRun.EXIT_REASON, KVM_EXIT_MMIO);
        raw.set(JAVA_LONG, KvmRun.MMIO_PHYS_ADDR, 0xd000_0000L);
        raw.set(JAVA_LONG, KvmRun.MMIO_DATA, 0x1234);
        raw.set(JAVA_INT, KvmRun.MMIO_LEN, 2);
        raw.set(JAVA_BYTE, KvmRun.MMIO_IS_WRITE, (byte) 1);
        dispatcher(new ExitTracer(out, ExitTracer.Style.DETAILED, false)).dispatch(run, VcpuInspector.NONE);
        assertEquals("KVM_EXIT_MMIO\nmmio write addr: 0xd0000000, len: 2, data: 0x1234" + NL, traced());
    }

    @Test
    void reasonsPrintsOnlyTheReasonBeforeTheDeviceRuns() {
        ports.attach(0x10, 1, new BusDevice() {
            @Override public long read(long offset, int size) { return 0; }
            @Override public void write(long offset, int size, long value) { out.println("device saw " + value); }
        });
        io(KVM_EXIT_IO_OUT, 0x10, 1, 1);
        raw.set(JAVA_BYTE, DATA_OFFSET, (byte) 5);
        ExitDispatcher d = dispatcher(new ExitTracer(out, ExitTracer.Style.REASONS, false));
        d.dispatch(run, VcpuInspector.NONE);
        raw.set(JAVA_INT, KvmRun.EXIT_REASON, KVM_EXIT_HLT);
        d.dispatch(run, VcpuInspector.NONE);
        assertEquals("KVM_EXIT_IO" + NL + "device saw 5" + NL + "KVM_EXIT_HLT" + NL, traced());
    }

    @Test
    void longStringIoShowsSixteenElements() {
        io(KVM_EXIT_IO_OUT, 0x80, 1, 20);
        for (int i = 0; i < 20; i++) raw.set(JAVA_BYTE, DATA_OFFSET + i, (byte) i);
        String detail = ExitTracer.detail(run, KVM_EXIT_IO);
        assertEquals("out port: 0x80, size: 1, count: 20, data: 0x0 0x1 0x2 0x3 0x4 0x5 0x6 0x7 0x8 0x9 0xa 0xb 0xc 0xd"
                + " 0xe 0xf ...", detail);
    }
}
