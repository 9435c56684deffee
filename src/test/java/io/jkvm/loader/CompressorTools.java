package io.jkvm.loader;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Command-line compressors (xz, lzma, bzip2, zstd) run as the kernel build runs them: data through a pipe. */
final class CompressorTools {
    private CompressorTools() {}

    static boolean onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && new File(dir, name).canExecute()) return true;
        }
        return false;
    }

    /** {@code data} through {@code command} (stdin to stdout); the test is skipped without the tool. */
    static byte[] pipe(byte[] data, List<String> command) {
        assumeTrue(onPath(command.get(0)), command.get(0) + " is not installed");
        try {
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            CompletableFuture<Void> feed = CompletableFuture.runAsync(() -> {
                try (OutputStream in = p.getOutputStream()) {
                    in.write(data);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            byte[] out;
            try (InputStream stdout = p.getInputStream()) {
                out = stdout.readAllBytes();
            }
            feed.join();
            assertEquals(0, p.waitFor(), String.join(" ", command));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static List<String> command(String name, List<String> first, String... options) {
        List<String> command = new ArrayList<>(List.of(name));
        command.addAll(first);
        command.addAll(List.of(options));
        return command;
    }
}
