package io.jkvm.testing;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * With {@code -Djkvm.test.progress=true} (scripts/kvm-tests.sh sets it), one line per finished
 * test and class on the JVM's own stderr, at once: result and seconds, and for a failure the
 * first lines of its reason. Inside the emulated KVM host the tests run slowly, and this shows
 * where the time goes while they run, and why a test failed even when the host dies before
 * the launcher's summary. Registered through META-INF/services; silent otherwise.
 *
 * <p>With {@code -Djkvm.test.finished=FILE} as well, FILE gets a line, synced at once, for each
 * failure ({@code FAILED class method}) and each finished test class ({@code FINISHED class}):
 * when an emulated host fails, scripts/test.sh reads it to run again only the classes that
 * had not passed.
 */
public final class ProgressPrinter implements TestExecutionListener {
    private static final boolean ENABLED = Boolean.getBoolean("jkvm.test.progress");
    private static final String FINISHED = System.getProperty("jkvm.test.finished", "");
    /** Lines of a failure's reason shown on the console: enough for an assertion message. */
    private static final int REASON_LINES = 12;
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
        result.getThrowable().ifPresent(t -> reason(t).lines().limit(REASON_LINES)
                .forEach(line -> console.println("jkvm-test:   | " + line)));
        if (FINISHED.isEmpty()) return;
        switch (id.getSource().get()) {
            case ClassSource c -> {
                if (result.getStatus() == TestExecutionResult.Status.FAILED) record("FAILED " + c.getClassName() + " (class)");
                record("FINISHED " + c.getClassName());
            }
            case MethodSource m when result.getStatus() == TestExecutionResult.Status.FAILED ->
                    record("FAILED " + m.getClassName() + " " + m.getMethodName());
            default -> { }
        }
    }

    private static String reason(Throwable t) {
        String message = t.getMessage();
        return t.getClass().getName() + (message == null ? "" : ": " + message);
    }

    private static synchronized void record(String line) {
        try {
            Files.writeString(Path.of(FINISHED), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new UncheckedIOException("jkvm.test.finished: " + FINISHED, e);
        }
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
