package io.jkvm.qemu;

import java.util.Objects;

/**
 * {@code -chardev stdio,id=ID[,signal=on|off][,mux=off]}, the one chardev backend jkvm has: standard
 * input and output, for a {@code -device virtconsole,chardev=ID}. Only one chardev can use stdio
 * (QEMU: "cannot use stdio by multiple character devices"), so there is at most one.
 *
 * @param id     its id
 * @param signal {@code signal=}: QEMU (default on) keeps the terminal's signal keys, so Ctrl-C ends QEMU;
 *               off passes them to the guest
 */
public record QemuChardev(String id, boolean signal) {
    public QemuChardev {
        Objects.requireNonNull(id, "id");
    }
}
