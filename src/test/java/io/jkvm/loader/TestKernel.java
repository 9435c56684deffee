package io.jkvm.loader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Debian's linux-image-cloud-amd64 kernel as scripts/fetch-test-kernel.sh caches it
 * ($JKVM_CACHE/kernel, default ~/.cache/jkvm/kernel). Tests that need it are skipped, with the
 * reason, when it is absent; it is never committed to the repo.
 */
final class TestKernel {
    private static byte[] bzImage;
    private static byte[] vmlinux;

    private TestKernel() {}

    static Path cacheDir() {
        String env = System.getenv("JKVM_CACHE");
        Path root = env != null && !env.isEmpty() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "jkvm");
        return root.resolve("kernel");
    }

    /** The newest cached vmlinuz-*, if any. */
    static Optional<Path> path() {
        Path dir = cacheDir();
        if (!Files.isDirectory(dir)) return Optional.empty();
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("vmlinuz-"))
                    .max(Comparator.comparing(p -> p.getFileName().toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The kernel's bytes, or the test is skipped with the reason. */
    static synchronized byte[] bzImage() {
        Optional<Path> p = path();
        String reason = "no Debian cloud kernel in " + cacheDir() + ": run scripts/fetch-test-kernel.sh to fetch it";
        assumeTrue(p.isPresent(), reason);
        if (bzImage == null) {
            try {
                bzImage = Files.readAllBytes(p.get());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return bzImage;
    }

    /** The kernel's /boot/config-* beside it, which names the payload compression. */
    static Optional<String> config() {
        Optional<Path> p = path();
        if (p.isEmpty()) return Optional.empty();
        Path config = p.get().resolveSibling(p.get().getFileName().toString().replaceFirst("^vmlinuz-", "config-"));
        try {
            return Files.exists(config) ? Optional.of(Files.readString(config)) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The vmlinux decompressed from the kernel's payload on the host (skipped if jkvm cannot decompress it). */
    static synchronized byte[] vmlinux() {
        BzImage kernel = BzImage.parse(bzImage());
        assumeTrue(VmlinuxExtractor.supports(kernel.payloadFormat()),
                "the kernel's payload is " + kernel.payloadFormat() + ", which jkvm cannot decompress on the host");
        if (vmlinux == null) vmlinux = VmlinuxExtractor.extract(kernel);
        return vmlinux;
    }
}
