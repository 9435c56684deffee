package io.jkvm.cli;

import io.jkvm.api.VirtualMachine;
import io.jkvm.config.VirtioSpec;
import io.jkvm.config.VmConfig;
import io.jkvm.platform.ConsoleInput;
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
            CheckOnly.writeRwDirs(config);
            throw new CheckOnly.Passed();
        }
        try (VirtualMachine vm = VirtualMachine.create(config)) {
            attach.accept(vm);
            VmExit exit;
            // The console on stdio takes stdin (raw when it is a terminal; Ctrl-A x quits, Ctrl-A p
            // pauses): a virtio-console on stdio if there is one, else COM1 on stdio.
            ConsoleInput input = stdinTarget(config, vm);
            try (Terminal terminal = input != null ? Terminal.rawIfTty() : null) {
                if (input != null) StdinPump.start(System.in, input, vm::requestExit, new PauseToggle(vm, report));
                stop.running(vm);
                exit = vm.run(timeout);
            } finally {
                stop.running(null);
                vm.com1Input().close();
                if (input != null) input.close();
            }
            config.com1().flush();
            System.out.flush();
            if (stats) report.print(vm.stats().table());
            if (debug && exit.cause() != null) exit.cause().printStackTrace(report);
            return exit;
        }
    }

    /** Where stdin goes: the virtio-console whose output is stdout, else COM1 on stdout, else nowhere (null). */
    static ConsoleInput stdinTarget(VmConfig config, VirtualMachine vm) {
        if (!config.machine().pcFamily()) return null;
        for (VirtioSpec s : config.pcOptions().virtio()) {
            if (s instanceof VirtioSpec.Console c && SerialTarget.takesInput(c.output())) return vm.virtioConsoleInput();
        }
        return SerialTarget.takesInput(config.com1()) ? vm.com1Input() : null;
    }

    /**
     * Runs the VM as a PC does across resets, as QEMU does: a reset or a triple fault (how Linux
     * with reboot=t, and any PC, resets) of a PC machine starts a fresh VM from the same
     * configuration, unless {@code noReboot} (QEMU's -no-reboot). Returns the exit that ended
     * it all; {@link VmExit#interrupted()} when a signal stopped it.
     *
     * @param onRestart told of each reset that restarts the VM
     */
    static VmExit runRebooting(VmConfig config, Duration timeout, Consumer<VirtualMachine> attach, boolean stats,
                               boolean debug, PrintStream report, boolean noReboot, Consumer<VmExit> onRestart)
            throws InterruptedException {
        try (StopSignal stop = StopSignal.install()) {
            while (true) {
                VmExit exit = run(config, timeout, attach, stats, debug, report, stop);
                if (stop.requested()) return VmExit.interrupted();
                if (config.machine().pcFamily() && !noReboot && rebooted(exit)) {
                    onRestart.accept(exit);
                    continue;
                }
                return exit;
            }
        }
    }

    /** A reset, or a triple fault: what restarts a PC. */
    static boolean rebooted(VmExit exit) {
        return exit.reason() == VmExit.Reason.RESET || exit.reason() == VmExit.Reason.TRIPLE_FAULT;
    }
}
