package io.jkvm.testing;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** What the host-kind conditions ({@link OnlyOnKvmPvm}, {@link NotOnKvmPvm}) share: a disabled test, said on the console. */
final class NotApplicable {
    private static final PrintStream CONSOLE = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);

    private NotApplicable() {}

    static ConditionEvaluationResult here(ExtensionContext context, String why) {
        CONSOLE.println("NOT APPLICABLE: " + SkipReporter.name(context) + ": " + why);
        return ConditionEvaluationResult.disabled(why);
    }
}
