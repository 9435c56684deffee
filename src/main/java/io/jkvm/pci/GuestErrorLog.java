package io.jkvm.pci;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Where a device says that the guest did something wrong (an MSI-X entry with a bad address, a
 * BAR placed over RAM), rate-limited to once per kind: a hostile or buggy guest may repeat the
 * mistake millions of times, and each repeat costs a vCPU exit, never a line of log. The message
 * is built only the first time, so repeats allocate nothing.
 *
 * <p>Thread-safe.
 */
public final class GuestErrorLog {
    /** A new log (its own set of kinds seen) whose lines go to standard error, prefixed "jkvm: guest error: ". */
    public static GuestErrorLog stderr() {
        return new GuestErrorLog(line -> System.err.println("jkvm: guest error: " + line));
    }

    private final Consumer<String> sink;
    private final Set<String> seen = ConcurrentHashMap.newKeySet();

    public GuestErrorLog(Consumer<String> sink) {
        this.sink = sink;
    }

    /**
     * Logs {@code message} if nothing of {@code kind} was logged before. {@code kind} should be
     * a constant string (it is kept); {@code message} runs at most once per kind.
     */
    public void once(String kind, Supplier<String> message) {
        if (seen.contains(kind) || !seen.add(kind)) return;
        try {
            sink.accept(message.get());
        } catch (RuntimeException e) {
            // A failing sink must not turn a guest mistake into an exception out of a device.
        }
    }

    /** Whether something of {@code kind} was logged. */
    public boolean logged(String kind) {
        return seen.contains(kind);
    }
}
