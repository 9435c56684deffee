package io.jkvm.testing;

import java.util.Map;
import java.util.Set;

/**
 * What a skipped test (a failed assumption) becomes: a skip, or, for a test tagged
 * {@value #KVM_TAG} when the environment says {@code CI=true}, a failure. CI machines are set up
 * to have KVM, so a KVM test that skips there tested nothing and must say so loudly.
 */
public final class SkipPolicy {
    public static final String KVM_TAG = "kvm";

    /** What JUnit's assumeTrue/assumeFalse put before the reason. */
    private static final String JUNIT_PREFIX = "Assumption failed:";

    private SkipPolicy() {}

    /** {@code message} is what to print (SKIPPED) or the failure's message (FAIL). */
    public record Verdict(boolean fail, String message) {}

    /** The decision, from the test's tags, the environment and the assumption's reason alone. */
    public static Verdict judge(Set<String> tags, Map<String, String> env, String reason) {
        String why = reason == null ? "" : reason.strip();
        if (why.startsWith(JUNIT_PREFIX)) why = why.substring(JUNIT_PREFIX.length()).strip();
        if (why.isEmpty()) why = "an assumption failed (no reason given)";
        boolean ci = "true".equals(env.get("CI"));
        if (ci && tags.contains(KVM_TAG)) {
            return new Verdict(true, "a test tagged '" + KVM_TAG + "' may not be skipped under CI=true: " + why);
        }
        return new Verdict(false, why);
    }
}
