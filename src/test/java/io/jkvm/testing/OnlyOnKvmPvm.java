package io.jkvm.testing;

import io.jkvm.host.HostKind;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A test of the nested kvm-pvm host's own behaviour (HOST-NOTES.md: emulated CPL0 code, broken
 * 64-bit system calls), with no meaning on another kind of KVM host: it does not apply there.
 * That is not a skip for lack of KVM (which fails under CI, {@link SkipPolicy}): JUnit reports it
 * disabled, and the console says so ({@code NOT APPLICABLE: ...}). Where there is no KVM at all,
 * the test runs and skips through its own assumption like any KVM test.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(OnlyOnKvmPvm.Condition.class)
public @interface OnlyOnKvmPvm {
    /** What covers this on the other hosts, for the console line. */
    String elsewhere();

    final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            HostKind kind = HostKind.detect();
            if (kind == HostKind.KVM_PVM || kind == HostKind.NO_KVM) return ConditionEvaluationResult.enabled("kvm-pvm host, or no KVM");
            String elsewhere = context.getElement().map(e -> e.getAnnotation(OnlyOnKvmPvm.class))
                    .map(OnlyOnKvmPvm::elsewhere).orElse("");
            String why = "only on nested kvm-pvm hosts, this is " + kind.description() + (elsewhere.isEmpty() ? "" : "; " + elsewhere);
            return NotApplicable.here(context, why);
        }
    }
}
