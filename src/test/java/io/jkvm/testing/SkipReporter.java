package io.jkvm.testing;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.opentest4j.TestAbortedException;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Every skipped test on the console, with its reason ({@code SKIPPED: Class.method: reason}), and
 * a KVM test's skip turned into a failure under {@code CI=true} ({@link SkipPolicy}). Registered
 * for every test through {@code META-INF/services} and {@code junit-platform.properties}
 * (extension auto-detection), so no test needs to print its own skip.
 *
 * <p>The line goes to the JVM's own stderr, not {@code System.err}: surefire sends
 * {@code System.err} of a test to target/surefire-reports/*-output.txt
 * (redirectTestOutputToFile), and some tests capture it (CliTest); surefire copies what the
 * forked JVM writes to its stderr onto the console.
 */
public final class SkipReporter implements TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {
    private static final PrintStream CONSOLE = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        throw judged(context, throwable);
    }

    @Override
    public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        throw judged(context, throwable);
    }

    @Override
    public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        throw judged(context, throwable);
    }

    @Override
    public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        throw judged(context, throwable);
    }

    @Override
    public void handleAfterAllMethodExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        throw judged(context, throwable);
    }

    /** The throwable itself unless it is a skip: then the skip (printed) or an AssertionError. */
    private static Throwable judged(ExtensionContext context, Throwable throwable) {
        if (!(throwable instanceof TestAbortedException)) return throwable;
        SkipPolicy.Verdict verdict = SkipPolicy.judge(context.getTags(), System.getenv(), throwable.getMessage());
        String test = name(context);
        if (verdict.fail()) {
            CONSOLE.println("FAILED (skip under CI): " + test + ": " + verdict.message());
            return new AssertionError(verdict.message(), throwable);
        }
        CONSOLE.println("SKIPPED: " + test + ": " + verdict.message());
        return throwable;
    }

    /** Class.method, with the invocation's display name for a parameterized or repeated test; Class.* for the whole class. */
    static String name(ExtensionContext context) {
        String cls = context.getTestClass().map(Class::getSimpleName).orElse(context.getDisplayName());
        if (context.getTestMethod().isEmpty()) return cls + ".*";
        String method = context.getTestMethod().get().getName();
        String display = context.getDisplayName();
        boolean plain = display.equals(method + "()") || display.startsWith(method + "(");
        return cls + "." + method + (plain ? "" : " " + display);
    }
}
