package io.jkvm.vcpu;

import io.jkvm.exit.VmExit;
import io.jkvm.kvm.VcpuFd;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * A VM's vCPUs and their threads, with the states a pause, a snapshot or a debugger needs:
 * <pre>
 *   CREATED --start--> RUNNING --pause--> PAUSED --resume--> RUNNING
 *                         |                  |
 *                         +------ end -------+--> ENDED  (every vCPU halted, or an exit was requested)
 * </pre>
 * One platform thread per vCPU, named vcpu-N, runs a {@link VcpuRunner}. {@link #pause} asks
 * every thread to leave KVM_RUN (the {@link VcpuKicker}) and waits until each one is parked
 * outside it; {@link #resume} lets them re-enter. While paused, {@link #onVcpu} runs an action
 * on a vCPU's own thread (KVM wants vCPU ioctls from the thread that runs the vCPU, api.rst
 * section 1), e.g. to read or write its registers; guest memory is quiet and may be read and
 * written directly.
 *
 * <p>Every request has a defined answer in every state, and none can hang: pause before start
 * or after the end answers false, pause when paused answers true, resume when not paused
 * answers whether the vCPUs run, and waiting for the threads is bounded.
 */
public final class VcpuSet {
    public enum State { CREATED, RUNNING, PAUSED, ENDED }

    /** How long {@link #pause} and {@link #onVcpu} wait for a vCPU thread at most. */
    public static final Duration THREAD_WAIT = Duration.ofSeconds(10);

    private final List<VcpuFd> fds;
    private final List<ExitDispatcher> dispatchers;
    private final List<VcpuKicker> kickers;
    private final Thread[] threads;
    private final Control control = new Control();
    private final boolean kvmclockCtrl;
    private volatile State state = State.CREATED;
    private long startNanos;
    private volatile long endNanos;

    /**
     * @param kvmclockCtrl whether KVM has KVM_CAP_KVMCLOCK_CTRL: a pause then tells each
     *                     vCPU's kvm-clock that the host stopped it
     */
    public VcpuSet(List<VcpuFd> fds, List<ExitDispatcher> dispatchers, List<VcpuKicker> kickers, boolean kvmclockCtrl) {
        if (fds.size() != dispatchers.size() || fds.size() != kickers.size()) throw new IllegalArgumentException("one dispatcher and kicker per vCPU");
        this.fds = List.copyOf(fds);
        this.dispatchers = List.copyOf(dispatchers);
        this.kickers = List.copyOf(kickers);
        this.threads = new Thread[fds.size()];
        this.kvmclockCtrl = kvmclockCtrl;
        control.tasks = new FutureTask<?>[fds.size()];
        control.ended = new boolean[fds.size()];
    }

    public int size() { return fds.size(); }

    public State state() { return control.endedLatch.getCount() == 0 ? State.ENDED : state; }

    public List<ExitDispatcher> dispatchers() { return dispatchers; }

    /** Starts one platform thread per vCPU, named vcpu-N. */
    public synchronized void start() {
        if (state != State.CREATED) throw new IllegalStateException("vCPUs already started");
        control.live = fds.size();
        startNanos = System.nanoTime();
        state = State.RUNNING;
        for (int i = 0; i < fds.size(); i++) {
            VcpuRunner runner = new VcpuRunner(fds.get(i), dispatchers.get(i), kickers.get(i), control);
            threads[i] = Thread.ofPlatform().name("vcpu-" + i).daemon(true).unstarted(runner);
        }
        for (Thread t : threads) t.start();
    }

    /**
     * Brings every vCPU out of KVM_RUN and holds it outside. True when the vCPUs are paused on
     * return (also when they already were); false when they do not run (not started, or the run
     * ended, also during the pause) or a thread did not park within {@link #THREAD_WAIT} (then
     * the vCPUs are resumed).
     */
    public synchronized boolean pause() throws InterruptedException {
        if (state() == State.PAUSED) return true;
        if (state() != State.RUNNING || control.stopping) return false;
        synchronized (control) {
            control.pauseRequested = true;
        }
        for (VcpuKicker k : kickers) k.kick();
        long deadline = System.nanoTime() + THREAD_WAIT.toNanos();
        synchronized (control) {
            long left;
            while (control.parked < control.live && !control.stopping && (left = deadline - System.nanoTime()) > 0) {
                TimeUnit.NANOSECONDS.timedWait(control, left);
            }
            if (control.stopping || control.live == 0 || control.parked < control.live) {
                control.pauseRequested = false;
                control.notifyAll();
                return false;
            }
        }
        state = State.PAUSED;
        if (kvmclockCtrl) {
            for (int i = 0; i < fds.size(); i++) onVcpu(i, VcpuFd::kvmclockCtrl); // -EINVAL: the guest has no kvm-clock
        }
        return true;
    }

    /** Lets paused vCPUs re-enter KVM_RUN. True when the vCPUs run on return. */
    public synchronized boolean resume() {
        if (state() != State.PAUSED) return state() == State.RUNNING;
        synchronized (control) {
            control.pauseRequested = false;
            control.notifyAll();
        }
        state = State.RUNNING;
        return state() == State.RUNNING;
    }

    /**
     * Runs {@code action} with vCPU {@code index}'s fd on that vCPU's thread while the vCPUs are
     * paused (or on the caller's thread when the vCPU has no running thread: before start, or
     * after its thread ended). Throws IllegalStateException while the vCPUs run.
     */
    public <T> T onVcpu(int index, Function<VcpuFd, T> action) throws InterruptedException {
        VcpuFd fd = fds.get(index);
        FutureTask<T> task = new FutureTask<>(() -> action.apply(fd));
        synchronized (control) {
            boolean threadParked = state() == State.PAUSED && !control.ended[index] && threads[index] != null;
            if (!threadParked) {
                if (state() == State.RUNNING && !control.ended[index]) {
                    throw new IllegalStateException("vCPU " + index + " is running: pause the VM first");
                }
                return action.apply(fd);
            }
            if (control.tasks[index] != null) throw new IllegalStateException("vCPU " + index + " is busy");
            control.tasks[index] = task;
            control.notifyAll();
        }
        try {
            return task.get(THREAD_WAIT.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("vCPU " + index + " did not run the action within " + THREAD_WAIT.toSeconds() + " s");
        }
    }

    /** Ends the run with {@code exit} (the first request wins) and kicks every vCPU out of KVM_RUN. */
    public void requestExit(VmExit exit) { control.requestExit(exit); }

    public boolean stopping() { return control.stopping; }

    /** Waits for the run to end. */
    public VmExit awaitExit() throws InterruptedException {
        control.endedLatch.await();
        return control.exit.get();
    }

    /** Waits at most {@code timeout}; null if the vCPUs still run (or are paused). */
    public VmExit awaitExit(Duration timeout) throws InterruptedException {
        return control.endedLatch.await(timeout.toNanos(), TimeUnit.NANOSECONDS) ? control.exit.get() : null;
    }

    public boolean ended() { return control.endedLatch.getCount() == 0; }

    /** The time from {@link #start} to the end of the run (or to now). */
    public Duration runTime() {
        if (state == State.CREATED) return Duration.ZERO;
        long end = endNanos != 0 ? endNanos : System.nanoTime();
        return Duration.ofNanos(end - startNanos);
    }

    /**
     * Ends the run if it is going, and waits up to {@code timeout} for every vCPU thread to
     * leave KVM_RUN, even if the caller is interrupted meanwhile (the interrupt is passed on
     * afterwards): the threads must be gone before their fds close.
     */
    public void stopAndJoin(Duration timeout) {
        if (state == State.CREATED) return;
        if (!ended()) requestExit(VmExit.stopped("VM closed"));
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean interrupted = false;
        for (Thread t : threads) {
            long left;
            while (t.isAlive() && (left = deadline - System.nanoTime()) > 0) {
                try {
                    t.join(Duration.ofNanos(left));
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (t.isAlive()) throw new IllegalStateException(t.getName() + " did not leave KVM_RUN");
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    /** The state every vCPU thread shares; its monitor guards the pause hand-shake. */
    private final class Control implements VcpuRunner.Lifecycle {
        private volatile boolean stopping;
        private volatile boolean pauseRequested;
        private final AtomicReference<VmExit> exit = new AtomicReference<>();
        private final CountDownLatch endedLatch = new CountDownLatch(1);
        /** Guarded by this: threads still running, threads parked, per-vCPU pending action and end. */
        private int live;
        private int parked;
        private FutureTask<?>[] tasks;
        private boolean[] ended;

        @Override
        public boolean stopping() { return stopping; }

        @Override
        public boolean pauseRequested() { return pauseRequested; }

        @Override
        public void requestExit(VmExit e) {
            if (exit.compareAndSet(null, e)) {
                stopping = true;
                for (VcpuKicker k : kickers) k.kick();
                synchronized (this) {
                    notifyAll(); // parked threads leave
                }
            }
        }

        @Override
        public void park(int index) {
            synchronized (this) {
                parked++;
                notifyAll();
                try {
                    while (true) {
                        runTask(index);
                        if (!pauseRequested || stopping) return;
                        try {
                            wait();
                        } catch (InterruptedException e) {
                            // vCPU threads are never interrupted by jkvm; keep parking
                        }
                    }
                } finally {
                    parked--;
                }
            }
        }

        /** Runs vCPU {@code index}'s pending action, if any (with this monitor held: actions are short ioctls). */
        private void runTask(int index) {
            FutureTask<?> task = tasks[index];
            if (task != null) {
                tasks[index] = null;
                task.run();
            }
        }

        @Override
        public void vcpuEnded(int index, boolean halted) {
            boolean last;
            synchronized (this) {
                ended[index] = true;
                runTask(index); // an action sent as the run ended still gets its answer
                last = --live == 0;
                notifyAll();
            }
            if (last) {
                exit.compareAndSet(null, VmExit.halted(fds.size() == 1
                        ? "KVM_EXIT_HLT: the guest halted" : "KVM_EXIT_HLT: all " + fds.size() + " vCPUs halted"));
                endNanos = System.nanoTime();
                state = State.ENDED;
                endedLatch.countDown();
            }
        }
    }
}
