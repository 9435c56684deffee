package io.jkvm.testing;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * With {@code -Djkvm.test.progress=true} (scripts/kvm-tests.sh sets it), one line per finished
 * test and class on the JVM's own stderr, at once: result and seconds. Inside the emulated KVM
 * host the tests run slowly, and this shows where the time goes while they run. Registered
 * through META-INF/services; silent otherwise.
 */
public final class ProgressPrinter implements TestExecutionListener {
    private static final boolean ENABLED = Boolean.getBoolean("jkvm.test.progress");
    private final PrintStream console = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
    private final Map<String, Long> started = new ConcurrentHashMap<>();

    @Override
    public void executionStarted(TestIdentifier id) {
        if (ENABLED) started.put(id.getUniqueId(), System.nanoTime());
    }

    @Override
    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        if (!ENABLED) return;
        Long t0 = started.remove(id.getUniqueId());
        if (t0 == null || id.getSource().isEmpty()) return;
        double seconds = (System.nanoTime() - t0) / 1e9;
        String what = id.isContainer() ? "class " : "";
        console.printf("jkvm-test: %-10s %6.1f s  %s%s%n", result.getStatus(), seconds, what, name(id));
    }

    private static String name(TestIdentifier id) {
        return switch (id.getSource().orElseThrow()) {
            case MethodSource m -> simple(m.getClassName()) + "." + m.getMethodName()
                    + (id.getLegacyReportingName().startsWith("[") ? " " + id.getLegacyReportingName() : "");
            case ClassSource c -> simple(c.getClassName());
            default -> id.getDisplayName();
        };
    }

    private static String simple(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }
}
