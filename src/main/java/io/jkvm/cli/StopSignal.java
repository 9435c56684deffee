package io.jkvm.cli;

import io.jkvm.api.VirtualMachine;
import io.jkvm.exit.VmExit;

/**
 * SIGINT/SIGTERM for a whole command, across the VMs a rebooting guest goes through: a signal
 * stops the VM that runs now, and a VM built after it is stopped as soon as it exists, so no
 * signal falls between two VMs (where the JVM's default action would kill the process, or a
 * finished VM would swallow it).
 */
final class StopSignal implements AutoCloseable {
    private volatile boolean requested;
    private VirtualMachine current;
    private final InterruptHandler handler;

    private StopSignal() {
        this.handler = InterruptHandler.install(this::request);
    }

    /** Installs the handlers until {@link #close}. */
    static StopSignal install() {
        return new StopSignal();
    }

    synchronized void request() {
        requested = true;
        if (current != null) current.requestExit(VmExit.interrupted());
    }

    boolean requested() { return requested; }

    /** {@code vm} now runs (null: none); stopped at once if a signal came first. */
    synchronized void running(VirtualMachine vm) {
        current = vm;
        if (vm != null && requested) vm.requestExit(VmExit.interrupted());
    }

    @Override
    public void close() {
        handler.close();
    }
}
