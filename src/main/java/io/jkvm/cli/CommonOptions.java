package io.jkvm.cli;

import io.jkvm.JkvmException;
import io.jkvm.Sizes;

import java.time.Duration;
import java.util.List;

/** Options every command that runs a guest shares. */
final class CommonOptions {
    static final List<Args.Option> OPTIONS = List.of(
            Args.Option.value("--trace", "WHAT", "Trace events: 'exits' prints every exit (reason, port or address, direction, size, count, data)."),
            Args.Option.flag("--stats", "At the end, print exits per reason, run time and exits per second (stderr)."),
            Args.Option.value("--timeout", "DURATION", "Stop the guest after this long (500ms, 10s, 2m): exit status 124."),
            Args.Option.value("--kvm", "PATH", "The KVM device (default /dev/kvm)."),
            Args.Option.flag("--debug", "Show stack traces for errors."));

    final String trace;
    final boolean stats;
    final String timeout;
    final String kvmDevice;
    final boolean debug;

    CommonOptions(Args.Parsed p) {
        debug = p.has("--debug");
        trace = p.get("--trace");
        stats = p.has("--stats");
        timeout = p.get("--timeout");
        kvmDevice = p.get("--kvm", "/dev/kvm");
    }

    /** The --timeout value, or null for none. */
    Duration timeout() {
        if (timeout == null) return null;
        try {
            return Sizes.parseDuration(timeout);
        } catch (JkvmException e) {
            throw new UsageException("--timeout: " + e.getMessage());
        }
    }

    boolean traceExits() {
        if (trace == null) return false;
        if (!trace.equals("exits")) throw new UsageException("unknown --trace '" + trace + "': the only one is 'exits'");
        return true;
    }

    static List<Args.Option> with(Args.Option... specific) {
        List<Args.Option> all = new java.util.ArrayList<>(List.of(specific));
        all.addAll(OPTIONS);
        return List.copyOf(all);
    }
}
