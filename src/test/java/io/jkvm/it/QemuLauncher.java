package io.jkvm.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs {@code qemu-system-x86_64} or jkvm's {@code ./jkvm-qemu} launcher (the real script at the
 * repository root, on the classes Maven just compiled: JKVM_CLASSPATH) with the same arguments,
 * and collects stdout (the guest's COM1), stderr and the exit status.
 */
final class QemuLauncher {
    record Result(String stdout, String stderr, int status) {}

    private QemuLauncher() {}

    /** The jkvm-qemu script in the checkout under test. */
    static Path jkvmQemu() {
        return Path.of(System.getProperty("jkvm.basedir", ".")).resolve("jkvm-qemu").toAbsolutePath();
    }

    static Result runQemu(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(TestGuests.assumeQemu());
        cmd.addAll(args);
        return run(new ProcessBuilder(cmd));
    }

    static Result runJkvmQemu(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(jkvmQemu().toString());
        cmd.addAll(args);
        return run(withClasspath(new ProcessBuilder(cmd)));
    }

    /** Makes the launcher run the compiled classes instead of building target/jkvm.jar. */
    static ProcessBuilder withClasspath(ProcessBuilder pb) {
        pb.environment().put("JKVM_CLASSPATH", System.getProperty("java.class.path"));
        return pb;
    }

    static Result run(ProcessBuilder pb) throws IOException, InterruptedException {
        return run(pb, 120);
    }

    static Result run(ProcessBuilder pb, int timeoutSeconds) throws IOException, InterruptedException {
        Process p = pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                return new byte[0];
            }
        });
        byte[] out = p.getInputStream().readAllBytes();
        boolean ended = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!ended) p.destroyForcibly();
        assertTrue(ended, String.join(" ", pb.command()) + " did not finish");
        return new Result(new String(out, StandardCharsets.ISO_8859_1), new String(err.join(), StandardCharsets.UTF_8), p.exitValue());
    }

    /** Writes the module files the multiboot guests read into {@code dir}. */
    static void writeModules(Path dir) throws IOException {
        Files.writeString(dir.resolve("mod1.txt"), "Hello from module one\nsecond line\n");
        byte[] mod2 = new byte[5000];
        for (int i = 0; i < mod2.length; i++) mod2[i] = (byte) (i % 4);
        Files.write(dir.resolve("mod2.bin"), mod2);
        byte[] blob = new byte[320];
        byte[] pattern = {0x01, 0x23, 0x45, 0x67, (byte) 0x89, (byte) 0xab, (byte) 0xcd, (byte) 0xef};
        for (int i = 0; i < blob.length; i++) blob[i] = pattern[i % 8];
        Files.write(dir.resolve("blob.bin"), blob);
    }
}
