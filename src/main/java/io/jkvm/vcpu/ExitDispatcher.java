package io.jkvm.vcpu;

import io.jkvm.exit.ExitRequester;
import io.jkvm.exit.VmExit;
import io.jkvm.bus.Bus;
import io.jkvm.kvm.KvmExitReason;
import io.jkvm.kvm.KvmRun;
import io.jkvm.memory.GuestMemory;

import static io.jkvm.kvm.KvmExitReason.*;

/**
 * What one exit from KVM_RUN means, and what to do about it (api.rst section 5, "The kvm_run
 * structure"). A plain function of the kvm_run contents: port I/O and MMIO go to the buses and
 * the vCPU re-enters; HLT ends this vCPU; a failure ends the VM's run with a message and a
 * status. Tests drive it with fake exits in a heap segment.
 *
 * <p>One dispatcher per vCPU, used by that vCPU's thread only. The port-I/O and MMIO paths
 * allocate nothing.
 */
public final class ExitDispatcher {
    /** Re-enter the guest. */
    public static final int CONTINUE = 0;
    /** This vCPU halted (no in-kernel irqchip to wake it): its thread ends, the others go on. */
    public static final int HALTED = 1;
    /** The VM's run ends; the reason was handed to the {@link ExitRequester}. */
    public static final int STOP = 2;

    /** x86 instructions are at most 15 bytes (SDM vol. 2A, 2.3.11). */
    static final int MAX_INSTRUCTION_BYTES = 15;

    private final int vcpu;
    private final Bus ports;
    private final Bus mmio;
    private final GuestMemory memory;
    private final ExitRequester exits;
    private final ExitTracer tracer;
    private final ExitBudget budget;
    private final InstructionAssist assist;
    private final long[] counts = new long[KvmExitReason.COUNT];

    public ExitDispatcher(int vcpu, Bus ports, Bus mmio, GuestMemory memory, ExitRequester exits,
                          ExitTracer tracer, ExitBudget budget) {
        this(vcpu, ports, mmio, memory, exits, tracer, budget, InstructionAssist.NONE);
    }

    public ExitDispatcher(int vcpu, Bus ports, Bus mmio, GuestMemory memory, ExitRequester exits,
                          ExitTracer tracer, ExitBudget budget, InstructionAssist assist) {
        this.assist = assist;
        this.vcpu = vcpu;
        this.ports = ports;
        this.mmio = mmio;
        this.memory = memory;
        this.exits = exits;
        this.tracer = tracer;
        this.budget = budget;
    }

    /** Instructions the assist completed for this vCPU. */
    public long assisted() { return assist.completed(); }

    /** Exits seen so far, by reason number (the last slot collects reasons past the array). */
    public long[] counts() { return counts.clone(); }

    public int dispatch(KvmRun run, VcpuInspector inspector) {
        int reason = run.exitReason();
        counts[Math.min(Math.max(reason, 0), counts.length - 1)]++;
        if (tracer != null) tracer.beforeDispatch(vcpu, run);
        int action = switch (reason) {
            case KVM_EXIT_IO -> io(run);
            case KVM_EXIT_MMIO -> mmio(run);
            case KVM_EXIT_HLT -> HALTED;
            // A signal or immediate_exit interrupted the guest; the runner looks at its requests.
            case KVM_EXIT_INTR -> CONTINUE;
            case KVM_EXIT_SHUTDOWN -> stop(VmExit.tripleFault(String.format(
                    "vCPU %d: guest triple fault (KVM_EXIT_SHUTDOWN)%n%s", vcpu, inspector.registerDump())));
            case KVM_EXIT_FAIL_ENTRY -> stop(VmExit.guestError(String.format(
                    "vCPU %d: KVM_EXIT_FAIL_ENTRY: VM entry failed, hardware_entry_failure_reason 0x%x on host CPU %d%n%s",
                    vcpu, run.failEntryReason(), run.failEntryCpu(), inspector.registerDump())));
            case KVM_EXIT_INTERNAL_ERROR -> run.internalSuberror() == KVM_INTERNAL_ERROR_EMULATION && assist.tryComplete()
                    ? CONTINUE : stop(VmExit.guestError(internalError(run, inspector)));
            case KVM_EXIT_DEBUG -> stop(VmExit.guestError(String.format(
                    "vCPU %d: KVM_EXIT_DEBUG: exception %d at pc 0x%x (dr6 0x%x, dr7 0x%x) and no debugger attached",
                    vcpu, run.debugException(), run.debugPc(), run.debugDr6(), run.debugDr7())));
            case KVM_EXIT_SYSTEM_EVENT -> systemEvent(run);
            case KVM_EXIT_UNKNOWN -> stop(VmExit.guestError(String.format(
                    "vCPU %d: KVM_EXIT_UNKNOWN: hardware_exit_reason 0x%x%n%s", vcpu, run.hardwareExitReason(),
                    inspector.registerDump())));
            default -> stop(VmExit.guestError(String.format("vCPU %d: %s (%d): jkvm does not handle this exit%n%s",
                    vcpu, KvmExitReason.name(reason), reason, inspector.registerDump())));
        };
        if (tracer != null) tracer.afterDispatch(vcpu, run);
        if (budget != null && action != STOP && budget.spendOne()) {
            return stop(VmExit.exitLimit(budget.limit()));
        }
        return action;
    }

    /**
     * KVM_EXIT_IO: {@code count} transfers of {@code size} bytes at data_offset in the kvm_run
     * mapping; count > 1 for string I/O (INS/OUTS with REP), each element one bus access.
     */
    private int io(KvmRun run) {
        int port = run.ioPort();
        int size = run.ioSize();
        int count = run.ioCount();
        long data = run.ioDataOffset();
        boolean out = run.ioDirection() == KVM_EXIT_IO_OUT;
        for (int i = 0; i < count; i++) {
            long at = data + (long) i * size;
            if (out) {
                ports.write(port, size, run.readLe(at, size));
            } else {
                run.writeLe(at, size, ports.read(port, size));
            }
        }
        return CONTINUE;
    }

    /** KVM_EXIT_MMIO: {@code len} (1-8) bytes at phys_addr; reads are answered in data[]. */
    private int mmio(KvmRun run) {
        int len = run.mmioLen();
        if (len < 1 || len > 8) {
            return stop(VmExit.guestError(String.format("vCPU %d: KVM_EXIT_MMIO with length %d at 0x%x",
                    vcpu, len, run.mmioPhysAddr())));
        }
        long address = run.mmioPhysAddr();
        if (run.mmioIsWrite()) {
            mmio.write(address, len, run.mmioData(len));
        } else {
            run.setMmioData(len, mmio.read(address, len));
        }
        return CONTINUE;
    }

    /** KVM_EXIT_SYSTEM_EVENT (api.rst 5, "system_event"): power off, reset or crash requested through KVM. */
    private int systemEvent(KvmRun run) {
        int type = run.systemEventType();
        return stop(switch (type) {
            case KVM_SYSTEM_EVENT_SHUTDOWN -> VmExit.powerOff("guest powered off (KVM_SYSTEM_EVENT_SHUTDOWN)");
            case KVM_SYSTEM_EVENT_RESET -> VmExit.reset("guest asked for a reset (KVM_SYSTEM_EVENT_RESET); jkvm ends the run");
            case KVM_SYSTEM_EVENT_CRASH -> VmExit.tripleFault("guest crashed (KVM_SYSTEM_EVENT_CRASH)");
            default -> VmExit.guestError("vCPU " + vcpu + ": KVM_EXIT_SYSTEM_EVENT of unknown type " + type);
        });
    }

    String internalError(KvmRun run, VcpuInspector inspector) {
        int suberror = run.internalSuberror();
        StringBuilder sb = new StringBuilder(String.format("vCPU %d: KVM_EXIT_INTERNAL_ERROR: %s", vcpu,
                KvmExitReason.internalErrorName(suberror)));
        int n = run.internalNdata();
        if (n > 0) {
            sb.append(", data:");
            for (int i = 0; i < n; i++) sb.append(String.format(" 0x%x", run.internalData(i)));
        }
        sb.append('\n');
        if (suberror == KVM_INTERNAL_ERROR_EMULATION) sb.append(instructionBytes(inspector.instructionAddress())).append('\n');
        sb.append(inspector.registerDump());
        return sb.toString();
    }

    /** The bytes at the faulting instruction, read from guest RAM only (never past its end). */
    String instructionBytes(long gpa) {
        if (gpa < 0) return "instruction at RIP: its address does not translate";
        int n = MAX_INSTRUCTION_BYTES;
        while (n > 0 && !memory.contains(gpa, n)) n--;
        if (n == 0) return String.format("instruction at RIP: guest-physical 0x%x is not RAM (an MMIO address?)", gpa);
        StringBuilder sb = new StringBuilder(String.format("instruction bytes at guest-physical 0x%x:", gpa));
        for (byte b : memory.read(gpa, n)) sb.append(String.format(" %02x", b));
        return sb.toString();
    }

    private int stop(VmExit exit) {
        exits.requestExit(exit);
        return STOP;
    }
}
