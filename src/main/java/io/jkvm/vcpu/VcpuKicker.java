package io.jkvm.vcpu;

import io.jkvm.kvm.KvmRun;
import io.jkvm.kvm.VcpuFd;
import io.jkvm.sys.Errno;
import io.jkvm.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Gets a vCPU out of KVM_RUN from another thread, whatever the guest is doing (pause, stop,
 * timeout, debugger, snapshot all start here). Two mechanisms together, as api.rst advises:
 *
 * <ol>
 *   <li>{@code kvm_run.immediate_exit = 1} (KVM_CAP_IMMEDIATE_EXIT): a KVM_RUN that has not
 *       started yet returns -EINTR at once;</li>
 *   <li>a thread-directed signal ({@link #KICK_SIGNAL}, {@code tgkill}) for a KVM_RUN
 *       already running: KVM returns -EINTR when a signal is pending.</li>
 * </ol>
 *
 * The signal is blocked in the vCPU thread at all times, and unblocked only inside KVM_RUN
 * through KVM_SET_SIGNAL_MASK (api.rst 4.21). So no handler ever runs: the kick makes KVM_RUN
 * return, the signal stays pending, and {@link #drain} consumes it with sigtimedwait (QEMU's
 * SIG_IPI scheme). Between the two, a kick can never be lost: if the signal arrives while the
 * thread is outside KVM_RUN it stays pending and the next KVM_RUN returns at once.
 *
 * <p>The signal's disposition is SIG_IGN, process-wide. That does not weaken the kick: the
 * kernel never discards a signal that the target thread blocks, and inside KVM_RUN the
 * thread's own mask (which blocks it) is still consulted (kernel/signal.c, sig_ignored, checks
 * {@code real_blocked}). It only makes a stray delivery harmless, e.g. if the JVM unblocks
 * signals as a thread ends with a kick still pending.
 */
public final class VcpuKicker {
    /** SIGRTMIN + 6 (glibc's SIGRTMIN is 34): a real-time signal the JVM does not use. */
    public static final int KICK_SIGNAL = 40;

    private final KvmRun run;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment kickSet = arena.allocate(Libc.SIGSET_BYTES, 8);
    private final MemorySegment zeroTimeout = arena.allocate(16, 8);
    private final MemorySegment callState = Libc.newCallState(arena);
    /** The vCPU thread's kernel id (gettid), valid while {@link #bound}. */
    private int thread;
    private boolean bound;
    /** Set once a kick was sent: only then can a kick signal be pending. */
    private volatile boolean kicked;

    private static boolean signalIgnored;

    /** Sets the SIG_IGN disposition once per process, before the first kick can be sent. */
    private static synchronized void ignoreKickSignal() {
        if (!signalIgnored) {
            Libc.ignoreSignal(KICK_SIGNAL);
            signalIgnored = true;
        }
    }

    public VcpuKicker(KvmRun run) {
        this.run = run;
        Libc.sigaddset(kickSet, KICK_SIGNAL);
    }

    /** On the vCPU thread, before its first KVM_RUN: block the kick signal here, unblock it inside KVM_RUN. */
    public void bindCurrentThread(VcpuFd vcpu) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment old = a.allocate(Libc.SIGSET_BYTES, 8);
            Libc.sigprocmask(Libc.SIG_BLOCK, kickSet, old);
            MemorySegment inside = a.allocate(Libc.SIGSET_BYTES, 8);
            MemorySegment.copy(old, 0, inside, 0, Libc.SIGSET_BYTES);
            Libc.sigdelset(inside, KICK_SIGNAL);
            vcpu.setSignalMask(inside);
        }
        synchronized (this) {
            thread = Libc.gettid();
            bound = true;
        }
    }

    /** On the vCPU thread, when it ends: no kick may target it after this; pending kicks are consumed. */
    public void unbind() {
        synchronized (this) {
            bound = false;
        }
        drain();
    }

    /** From any thread: make the vCPU leave KVM_RUN (now, or at its next entry). */
    public void kick() {
        run.setImmediateExit(true);
        kicked = true;
        ignoreKickSignal();
        synchronized (this) {
            // Under the lock, the thread cannot have ended: its tid could name another thread by then.
            if (bound) Libc.tgkill(thread, KICK_SIGNAL);
        }
    }

    /** On the vCPU thread, after KVM_RUN returned -EINTR: consume pending kicks. */
    public void drain() {
        if (!kicked) return;
        while (Libc.sigtimedwait(callState, kickSet, zeroTimeout) == KICK_SIGNAL) {
            // keep draining: the kernel queues real-time signals
        }
    }

    /** On the vCPU thread: the next KVM_RUN completes a pending exit and returns without running the guest. */
    public void setImmediateExit() {
        run.setImmediateExit(true);
    }

    /** Re-arms KVM_RUN after a kick that did not end the run (pause and resume). */
    public void clearImmediateExit() {
        run.setImmediateExit(false);
    }

    public void close() {
        arena.close();
    }

    static boolean isInterrupted(int runResult) {
        return runResult == -Errno.EINTR || runResult == -Errno.EAGAIN;
    }
}
