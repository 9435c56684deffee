package io.jkvm.exit;

/**
 * Why a VM's run ended, the process exit status the CLI reports for it, and a message for the
 * user. Statuses (also in README.md):
 * <pre>
 *   0    every vCPU halted, the exit limit was reached, the guest powered off, or stopped by the host
 *   1    jkvm failed (host error)
 *   2    bad command line (CLI only)
 *   4    the guest crashed: triple fault (KVM_EXIT_SHUTDOWN) or a crash system event
 *   6    the guest hit an exit jkvm cannot handle: FAIL_ENTRY, INTERNAL_ERROR, UNKNOWN, DEBUG, ...
 *   124  --timeout expired
 *   130  interrupted (SIGINT / Ctrl-C)
 *   (V &lt;&lt; 1) | 1   the guest wrote V to the debug-exit port (QEMU isa-debug-exit), truncated to 8 bits
 * </pre>
 */
public record VmExit(Reason reason, int status, String message, Throwable cause) {
    public VmExit(Reason reason, int status, String message) {
        this(reason, status, message, null);
    }

    public enum Reason {
        HALTED, EXIT_LIMIT, POWER_OFF, RESET, STOPPED, DEBUG_EXIT, TRIPLE_FAULT, GUEST_ERROR, HOST_ERROR,
        TIMEOUT, INTERRUPTED
    }

    public static final int STATUS_OK = 0;
    public static final int STATUS_HOST_ERROR = 1;
    public static final int STATUS_USAGE = 2;
    public static final int STATUS_GUEST_CRASH = 4;
    public static final int STATUS_GUEST_ERROR = 6;
    public static final int STATUS_TIMEOUT = 124;
    public static final int STATUS_INTERRUPTED = 130;

    public static VmExit halted(String message) { return new VmExit(Reason.HALTED, STATUS_OK, message); }

    public static VmExit exitLimit(long exits) {
        return new VmExit(Reason.EXIT_LIMIT, STATUS_OK, "stopped after " + exits + " exits (--exits)");
    }

    public static VmExit powerOff(String message) { return new VmExit(Reason.POWER_OFF, STATUS_OK, message); }

    public static VmExit reset(String message) { return new VmExit(Reason.RESET, STATUS_OK, message); }

    public static VmExit stopped(String message) { return new VmExit(Reason.STOPPED, STATUS_OK, message); }

    /** QEMU isa-debug-exit: the process exits with (value << 1) | 1. */
    public static VmExit debugExit(long value) {
        int status = (int) (((value << 1) | 1) & 0xff);
        return new VmExit(Reason.DEBUG_EXIT, status,
                String.format("guest wrote 0x%x to the debug-exit port: exit status %d", value, status));
    }

    public static VmExit tripleFault(String message) { return new VmExit(Reason.TRIPLE_FAULT, STATUS_GUEST_CRASH, message); }

    public static VmExit guestError(String message) { return new VmExit(Reason.GUEST_ERROR, STATUS_GUEST_ERROR, message); }

    public static VmExit hostError(String message) { return new VmExit(Reason.HOST_ERROR, STATUS_HOST_ERROR, message); }

    /** jkvm itself failed; {@code cause} is kept for --debug. */
    public static VmExit hostError(String message, Throwable cause) {
        return new VmExit(Reason.HOST_ERROR, STATUS_HOST_ERROR, message, cause);
    }

    public static VmExit timeout(String message) { return new VmExit(Reason.TIMEOUT, STATUS_TIMEOUT, message); }

    public static VmExit interrupted() { return new VmExit(Reason.INTERRUPTED, STATUS_INTERRUPTED, "interrupted"); }
}
