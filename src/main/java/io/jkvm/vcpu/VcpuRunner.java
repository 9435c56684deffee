package io.jkvm.vcpu;

import io.jkvm.exit.VmExit;
import io.jkvm.kvm.KvmRun;
import io.jkvm.kvm.VcpuFd;
import io.jkvm.sys.Errno;

/**
 * The body of a vCPU thread: enter the guest with KVM_RUN, hand each exit to the
 * {@link ExitDispatcher}, re-enter, until the VM stops or this vCPU halts.
 *
 * <pre>
 *   loop:  stop requested? -> end
 *          pause requested? -> park outside KVM_RUN until resumed (or stopped)
 *          KVM_RUN -> -EINTR  (kicked): drain the kick signal, loop
 *                  -> other error: end the VM's run (host error)
 *                  -> 0: dispatch(kvm_run.exit_reason) -> CONTINUE: loop
 *                                                      -> HALTED:   this vCPU ends
 *                                                      -> STOP:     the VM's run ends
 * </pre>
 */
public final class VcpuRunner implements Runnable {
    /** What the runner needs from its VM. */
    public interface Lifecycle {
        boolean stopping();

        void requestExit(VmExit exit);

        /** Whether the vCPUs are to leave KVM_RUN and wait outside it. */
        boolean pauseRequested();

        /**
         * Called on the vCPU thread, outside KVM_RUN, while a pause is requested: returns when
         * the vCPUs are resumed or the run stops.
         */
        void park(int index);

        /** The thread is done; {@code halted} when the guest halted this vCPU. */
        void vcpuEnded(int index, boolean halted);
    }

    private final VcpuFd vcpu;
    private final ExitDispatcher dispatcher;
    private final VcpuKicker kicker;
    private final Lifecycle lifecycle;
    private final VcpuInspector inspector;
    /** The last KVM_RUN returned an exit that KVM completes only at the next KVM_RUN (I/O, MMIO, ...). */
    private boolean exitPending;

    public VcpuRunner(VcpuFd vcpu, ExitDispatcher dispatcher, VcpuKicker kicker, Lifecycle lifecycle) {
        this.vcpu = vcpu;
        this.dispatcher = dispatcher;
        this.kicker = kicker;
        this.lifecycle = lifecycle;
        this.inspector = new KvmVcpuInspector(vcpu);
    }

    /** What one trip through the loop decided. */
    private static final int GO_ON = 0;
    private static final int HALT = 1;
    private static final int END = 2;

    @Override
    public void run() {
        boolean halted = false;
        KvmRun run = vcpu.kvmRun();
        try {
            kicker.bindCurrentThread(vcpu);
            int step = GO_ON;
            while (step == GO_ON) step = enterGuestOnce(run);
            halted = step == HALT;
        } catch (Throwable t) {
            lifecycle.requestExit(VmExit.hostError("vCPU " + vcpu.id() + ": " + t, t));
        } finally {
            kicker.unbind();
            lifecycle.vcpuEnded(vcpu.id(), halted);
        }
    }

    /**
     * One KVM_RUN and the handling of its exit. A method of its own, not the loop body, so the
     * JIT compiles it after a few hundred exits instead of waiting for the loop's on-stack
     * replacement (tens of thousands of iterations run interpreted otherwise).
     */
    private int enterGuestOnce(KvmRun run) {
        if (lifecycle.stopping()) return END;
        if (lifecycle.pauseRequested()) {
            // api.rst 5 (kvm_run, KVM_EXIT_IO/MMIO/...): an exit's operation is complete, and the
            // vCPU's state consistent, only once userspace re-enters KVM_RUN. Re-enter with
            // immediate_exit set: KVM finishes the operation and returns -EINTR at once,
            // running no guest instruction. Only then may a paused vCPU's registers be read.
            if (exitPending) {
                kicker.setImmediateExit();
                int r = vcpu.run();
                exitPending = false;
                if (VcpuKicker.isInterrupted(r)) kicker.drain();
                else if (r < 0) {
                    lifecycle.requestExit(VmExit.hostError("vCPU " + vcpu.id() + ": KVM_RUN failed: " + Errno.describe(-r)));
                    return END;
                }
            }
            lifecycle.park(vcpu.id());
            if (lifecycle.stopping()) return END;
            // A kick that comes after this (a new pause) leaves its signal pending, so the
            // next KVM_RUN returns at once: clearing here cannot lose it.
            kicker.clearImmediateExit();
        }
        int r = vcpu.run();
        exitPending = r >= 0;
        if (r < 0) {
            if (VcpuKicker.isInterrupted(r)) {
                kicker.drain();
                if (!lifecycle.stopping() && !lifecycle.pauseRequested()) kicker.clearImmediateExit();
                return GO_ON;
            }
            lifecycle.requestExit(VmExit.hostError("vCPU " + vcpu.id() + ": KVM_RUN failed: " + Errno.describe(-r)));
            return END;
        }
        return switch (dispatcher.dispatch(run, inspector)) {
            case ExitDispatcher.CONTINUE -> GO_ON;
            case ExitDispatcher.HALTED -> HALT;
            default -> END;
        };
    }
}
