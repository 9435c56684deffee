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
 * A KVM test that the emulated KVM host (QEMU TCG emulating SVM, scripts/emulated-kvm-host.sh)
 * cannot carry: reported disabled there with a {@code NOT APPLICABLE: ...} line and the reason,
 * never a silent skip. It runs on every real KVM host (bare metal, nested VMX/SVM, kvm-pvm).
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(NotOnEmulatedHost.Condition.class)
public @interface NotOnEmulatedHost {
    /** Why the emulated host cannot run it, for the console line. */
    String why();

    final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            if (HostKind.detect() != HostKind.EMULATED) return ConditionEvaluationResult.enabled("not the emulated KVM host");
            String why = "not on the emulated KVM host: " + context.getElement().map(e -> e.getAnnotation(NotOnEmulatedHost.class))
                    .map(NotOnEmulatedHost::why).orElse("");
            return NotApplicable.here(context, why);
        }
    }
}
