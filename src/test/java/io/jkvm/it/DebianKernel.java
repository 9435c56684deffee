package io.jkvm.it;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/** Debian's cloud kernel as scripts/fetch-test-kernel.sh caches it; tests skip, saying why, without it. */
final class DebianKernel {
    private DebianKernel() {}

    static Path path() {
        String env = System.getenv("JKVM_CACHE");
        Path dir = (env != null && !env.isEmpty() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "jkvm"))
                .resolve("kernel");
        Optional<Path> found = Optional.empty();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                found = files.filter(p -> p.getFileName().toString().startsWith("vmlinuz-"))
                        .max(Comparator.comparing(p -> p.getFileName().toString()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        String reason = "no Debian cloud kernel in " + dir + ": run scripts/fetch-test-kernel.sh";
        Assumptions.assumeTrue(found.isPresent(), reason);
        return found.get();
    }

    static byte[] bytes() {
        try {
            return Files.readAllBytes(path());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
