package io.jkvm.exit;

/**
 * How a device ends the VM's run (a debug-exit port, a power-off register): the first request
 * wins, every vCPU is kicked out of KVM_RUN, and the run ends with that {@link VmExit}.
 */
@FunctionalInterface
public interface ExitRequester {
    void requestExit(VmExit exit);
}
