package io.jkvm.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The AOT cache's training run (JEP 514/515; the ./jkvm launcher records it once per build):
 * the hello demo, then the multiboot hello through jkvm-qemu's command line, so the classes
 * both entry points load at start-up are in the cache.
 */
public final class Training {
    private Training() {}

    public static void main(String[] args) {
        int demo = Main.execute("demo", "hello");
        Path kernel;
        try {
            kernel = Files.createTempFile("jkvm-training-", ".bin");
            Files.write(kernel, Images.builtIn("mb_hello"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            int qemu = QemuMain.execute("-M", "pc", "-accel", "kvm", "-m", "64M", "-kernel", kernel.toString(),
                    "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-serial", "stdio", "-display", "none",
                    "-nodefaults", "-no-reboot");
            System.exit(demo == 0 && qemu == 33 ? 0 : 1);
        } finally {
            try {
                Files.deleteIfExists(kernel);
            } catch (IOException ignored) {
                // a temporary file left in /tmp
            }
        }
    }
}
