package io.jkvm.testing;

import org.junit.jupiter.api.Tag;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a test class or method that needs {@code /dev/kvm} (it opens KVM or runs a guest): JUnit
 * tag {@value SkipPolicy#KVM_TAG}. A test without it must never need KVM. Select or leave out
 * these tests with surefire's groups, e.g. {@code -Djkvm.test.excludedGroups=kvm}; under
 * {@code CI=true} a skipped one fails ({@link SkipReporter}).
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag(SkipPolicy.KVM_TAG)
public @interface KvmTest {}
