package io.jkvm.testing;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SkipPolicyTest {
    private static final String REASON = "/dev/kvm is absent or not accessible on this host";

    @Test
    void aKvmTestSkippedUnderCiFailsWithTheReason() {
        SkipPolicy.Verdict v = SkipPolicy.judge(Set.of("kvm"), Map.of("CI", "true"), REASON);
        assertTrue(v.fail());
        assertEquals("a test tagged 'kvm' may not be skipped under CI=true: " + REASON, v.message());
    }

    @Test
    void aKvmTestAmongOtherTagsFailsToo() {
        assertTrue(SkipPolicy.judge(Set.of("slow", "kvm"), Map.of("CI", "true", "PATH", "/bin"), REASON).fail());
    }

    @Test
    void aKvmTestOutsideCiSkips() {
        SkipPolicy.Verdict v = SkipPolicy.judge(Set.of("kvm"), Map.of(), REASON);
        assertFalse(v.fail());
        assertEquals(REASON, v.message());
    }

    @Test
    void onlyCiEqualToTrueCounts() {
        for (String ci : new String[] {"false", "1", "TRUE", "", "yes"}) {
            assertFalse(SkipPolicy.judge(Set.of("kvm"), Map.of("CI", ci), REASON).fail(), "CI=" + ci);
        }
    }

    @Test
    void anUntaggedOrOtherwiseTaggedTestSkipsEvenUnderCi() {
        assertFalse(SkipPolicy.judge(Set.of(), Map.of("CI", "true"), "qemu-system-x86_64 is not installed").fail());
        assertFalse(SkipPolicy.judge(Set.of("slow"), Map.of("CI", "true"), "no kernel").fail());
        assertFalse(SkipPolicy.judge(Set.of("KVM", "kvm-ish"), Map.of("CI", "true"), "tag is exact").fail());
    }

    @Test
    void aMissingReasonIsNamed() {
        assertEquals("an assumption failed (no reason given)", SkipPolicy.judge(Set.of(), Map.of(), null).message());
        assertEquals("an assumption failed (no reason given)", SkipPolicy.judge(Set.of(), Map.of(), " ").message());
        assertTrue(SkipPolicy.judge(Set.of("kvm"), Map.of("CI", "true"), "").message().endsWith("(no reason given)"));
    }

    @Test
    void junitsAssumptionPrefixIsDropped() {
        assertEquals(REASON, SkipPolicy.judge(Set.of(), Map.of(), "Assumption failed: " + REASON).message());
        assertEquals("an assumption failed (no reason given)", SkipPolicy.judge(Set.of(), Map.of(), "Assumption failed: ").message());
    }

    @Test
    void theComposedAnnotationCarriesExactlyTheKvmTag() {
        org.junit.jupiter.api.Tag tag = KvmTest.class.getAnnotation(org.junit.jupiter.api.Tag.class);
        assertEquals("kvm", tag.value());
    }
}
