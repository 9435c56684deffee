package io.jkvm.cli;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Turns SIGINT (Ctrl-C) and SIGTERM into an orderly stop while a guest runs, instead of the
 * JVM's default exit: the vCPUs are kicked out of KVM_RUN, joined, and everything is closed
 * before jkvm exits (status 130; jkvm-qemu exits 0 as QEMU does). The previous handlers are
 * restored on close.
 */
final class InterruptHandler implements AutoCloseable {
    private static final Signal INT = new Signal("INT");
    private static final Signal TERM = new Signal("TERM");
    private final SignalHandler previousInt;
    private final SignalHandler previousTerm;

    private InterruptHandler(SignalHandler previousInt, SignalHandler previousTerm) {
        this.previousInt = previousInt;
        this.previousTerm = previousTerm;
    }

    static InterruptHandler install(Runnable onInterrupt) {
        return new InterruptHandler(Signal.handle(INT, sig -> onInterrupt.run()), Signal.handle(TERM, sig -> onInterrupt.run()));
    }

    @Override
    public void close() {
        Signal.handle(INT, previousInt);
        Signal.handle(TERM, previousTerm);
    }
}
