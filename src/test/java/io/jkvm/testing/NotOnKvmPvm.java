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
 * The mirror of {@link OnlyOnKvmPvm}: a test that needs what the nested kvm-pvm host cannot do
 * (HOST-NOTES.md: 64-bit guest system calls) does not apply there; reported disabled with a
 * {@code NOT APPLICABLE: ...} line, never a skip.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(NotOnKvmPvm.Condition.class)
public @interface NotOnKvmPvm {
    /** Why kvm-pvm cannot run it, and what covers it there, for the console line. */
    String why();

    final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            if (HostKind.detect() != HostKind.KVM_PVM) return ConditionEvaluationResult.enabled("not a kvm-pvm host");
            String why = "not on nested kvm-pvm hosts: " + context.getElement().map(e -> e.getAnnotation(NotOnKvmPvm.class))
                    .map(NotOnKvmPvm::why).orElse("");
            return NotApplicable.here(context, why);
        }
    }
}
