package io.jkvm.cli;

import picocli.CommandLine.Option;

/** Options every command that runs a guest shares. */
final class CommonOptions {
    @Option(names = "--trace", paramLabel = "WHAT", description = "Trace events; 'exits' prints every exit (reason, port or address, direction, size, count, data).")
    String trace;

    @Option(names = "--stats", description = "Print a table of exits per reason, run time and exits per second at the end (on stderr).")
    boolean stats;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "Stop the guest after this long (e.g. 500ms, 10s, 2m): exit status 124.")
    String timeout;

    @Option(names = "--debug", description = "Show stack traces for errors.")
    boolean debug;

    @Option(names = "--kvm", paramLabel = "PATH", defaultValue = "/dev/kvm", description = "The KVM device (default: ${DEFAULT-VALUE}).")
    String kvmDevice;

    /** The --timeout value, or null for none. */
    java.time.Duration timeout() {
        if (timeout == null) return null;
        try {
            return io.jkvm.api.Sizes.parseDuration(timeout);
        } catch (io.jkvm.JkvmException e) {
            throw new UsageException("--timeout: " + e.getMessage());
        }
    }

    boolean traceExits() {
        if (trace == null) return false;
        if (!trace.equals("exits")) throw new UsageException("unknown --trace '" + trace + "': the only one is 'exits'");
        return true;
    }
}
