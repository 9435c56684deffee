package io.jkvm.cli;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Turns SIGINT (Ctrl-C) into an orderly stop while a guest runs, instead of the JVM's default
 * exit: the vCPUs are kicked out of KVM_RUN, joined, and everything is closed before jkvm exits
 * with status 130. The previous handler is restored on close.
 */
final class InterruptHandler implements AutoCloseable {
    private static final Signal INT = new Signal("INT");
    private final SignalHandler previous;

    private InterruptHandler(SignalHandler previous) {
        this.previous = previous;
    }

    static InterruptHandler install(Runnable onInterrupt) {
        return new InterruptHandler(Signal.handle(INT, sig -> onInterrupt.run()));
    }

    @Override
    public void close() {
        Signal.handle(INT, previous);
    }
}
