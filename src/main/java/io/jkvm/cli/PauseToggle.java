package io.jkvm.cli;

import io.jkvm.api.VirtualMachine;

import java.io.PrintStream;

/** Ctrl-A p on the console: pauses a running VM, resumes a paused one, and says so on stderr. */
final class PauseToggle implements StdinPump.PauseControl {
    private final VirtualMachine vm;
    private final PrintStream report;

    PauseToggle(VirtualMachine vm, PrintStream report) {
        this.vm = vm;
        this.report = report;
    }

    @Override
    public boolean toggle() {
        try {
            if (vm.state() == io.jkvm.vcpu.VcpuSet.State.PAUSED) {
                if (vm.resume()) report.print("\r\njkvm: resumed\r\n");
                return false;
            }
            boolean paused = vm.pause();
            if (paused) report.print("\r\njkvm: paused (Ctrl-A p resumes, Ctrl-A x quits)\r\n");
            return paused;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
