package io.jkvm.it;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The guests assembled by the build (guests/*.S), and the checks that skip tests where KVM or QEMU are absent. */
final class TestGuests {
    private TestGuests() {}

    static Path dir() {
        return Path.of(System.getProperty("jkvm.guests", "target/classes/guests"));
    }

    static Path path(String name) {
        return dir().resolve(name + ".bin");
    }

    static byte[] load(String name) {
        try {
            return Files.readAllBytes(path(name));
        } catch (IOException e) {
            throw new UncheckedIOException("guest " + name + " not built (run mvn generate-resources)", e);
        }
    }

    /** Skips, with the reason, where /dev/kvm cannot be used (SkipReporter prints it; under CI=true a kvm test fails). */
    static void assumeKvm() {
        Path kvm = Path.of("/dev/kvm");
        boolean usable = Files.isReadable(kvm) && Files.isWritable(kvm);
        Assumptions.assumeTrue(usable, "/dev/kvm is absent or not accessible on this host");
    }

    static String qemu() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir, "qemu-system-x86_64");
            if (Files.isExecutable(p)) return p.toString();
        }
        return null;
    }

    /** Skips, with the reason, where qemu-system-x86_64 is not installed. */
    static String assumeQemu() {
        String q = qemu();
        Assumptions.assumeTrue(q != null, "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)");
        return q;
    }
}
