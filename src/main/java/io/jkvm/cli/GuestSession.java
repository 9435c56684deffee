package io.jkvm.cli;

import io.jkvm.api.VirtualMachine;
import io.jkvm.api.VmConfig;
import io.jkvm.api.VmExit;

import java.io.PrintStream;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Runs one VM for a command: creates it, lets the command attach devices, runs it with the
 * timeout, turns Ctrl-C (SIGINT) into a clean stop, and reports how it ended.
 */
final class GuestSession {
    private GuestSession() {}

    /** Runs the VM; returns its exit. Everything is closed on return, whatever happened. */
    static VmExit run(VmConfig config, Duration timeout, Consumer<VirtualMachine> attach, boolean stats, boolean debug,
                      PrintStream report)
            throws InterruptedException {
        try (VirtualMachine vm = VirtualMachine.create(config)) {
            attach.accept(vm);
            VmExit exit;
            try (InterruptHandler ignored = InterruptHandler.install(() -> vm.requestExit(VmExit.interrupted()))) {
                exit = vm.run(timeout);
            }
            config.serial().flush();
            System.out.flush();
            if (stats) report.print(vm.stats().table());
            if (debug && exit.cause() != null) exit.cause().printStackTrace(report);
            return exit;
        }
    }
}
