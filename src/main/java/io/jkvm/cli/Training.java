package io.jkvm.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The AOT cache's training run (JEP 514/515; the ./jkvm launcher records it once per build):
 * the hello demo, then the multiboot hello through jkvm-qemu's command line, so the classes
 * both entry points load at start-up are in the cache. On a machine without /dev/kvm the
 * launcher trains with {@code JKVM_CHECK_ONLY=1}: the same two commands up to the point where
 * they would open /dev/kvm (parse, check, load the guest into RAM), which is all that runs on
 * such a machine before the emulated KVM host takes over.
 */
public final class Training {
    private Training() {}

    public static void main(String[] args) {
        boolean checkOnly = CheckOnly.requested();
        boolean ok = Main.execute("demo", "hello") == (checkOnly ? CheckOnly.STATUS : 0);
        Path kernel;
        try {
            kernel = Files.createTempFile("jkvm-training-", ".bin");
            Files.write(kernel, Images.builtIn("mb_hello"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            for (String machine : new String[] {"microvm", "pc"}) {
                int qemu = QemuMain.execute("-M", machine, "-accel", "kvm", "-m", "64M", "-kernel", kernel.toString(),
                        "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-serial", "stdio", "-display", "none",
                        "-nodefaults", "-no-reboot");
                ok &= qemu == (checkOnly ? CheckOnly.STATUS : 33); // mb_hello writes 16 to isa-debug-exit
            }
        } finally {
            try {
                Files.deleteIfExists(kernel);
            } catch (IOException ignored) {
                // a temporary file left in /tmp
            }
        }
        System.exit(ok ? 0 : 1);
    }
}
