package io.jkvm.cli;

import io.jkvm.api.VirtualMachine;
import io.jkvm.api.VmConfig;
import io.jkvm.exit.VmExit;

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
        try (StopSignal stop = StopSignal.install()) {
            return run(config, timeout, attach, stats, debug, report, stop);
        }
    }

    /**
     * Runs the VM under a {@link StopSignal} the caller holds across several runs (a guest that
     * reboots): a signal stops this VM, or the next one as soon as it exists.
     */
    static VmExit run(VmConfig config, Duration timeout, Consumer<VirtualMachine> attach, boolean stats, boolean debug,
                      PrintStream report, StopSignal stop)
            throws InterruptedException {
        if (CheckOnly.requested()) {
            VirtualMachine.check(config);
            throw new CheckOnly.Passed();
        }
        try (VirtualMachine vm = VirtualMachine.create(config)) {
            attach.accept(vm);
            VmExit exit;
            // A PC guest's COM1 on stdio takes stdin (raw when it is a terminal; Ctrl-A x quits).
            boolean console = vm.platform() != null && SerialTarget.takesInput(config.serial());
            try (Terminal terminal = console ? Terminal.rawIfTty() : null) {
                if (console) StdinPump.start(System.in, vm.platform().com1Input(), vm::requestExit);
                stop.running(vm);
                exit = vm.run(timeout);
            } finally {
                stop.running(null);
                if (vm.platform() != null) vm.platform().com1Input().close();
            }
            config.serial().flush();
            System.out.flush();
            if (stats) report.print(vm.stats().table());
            if (debug && exit.cause() != null) exit.cause().printStackTrace(report);
            return exit;
        }
    }
}
