package io.jkvm.config;

import java.util.List;
import java.util.Objects;

/**
 * A Multiboot v1 kernel to boot (Multiboot 0.6.96): the file's bytes, the name it was given by
 * (QEMU passes it as the first word of the kernel's command line), the rest of the command line,
 * and the boot modules, each with its own string.
 */
public record MultibootKernel(byte[] kernel, String name, String append, List<Module> modules) implements BootSource {
    /** One boot module: its bytes and its string (QEMU: the -initrd entry, "path args..."). */
    public record Module(byte[] data, String string) {
        public Module {
            Objects.requireNonNull(data, "data");
            Objects.requireNonNull(string, "string");
        }
    }

    public MultibootKernel {
        Objects.requireNonNull(kernel, "kernel");
        if (name == null) name = "kernel";
        if (append == null) append = "";
        modules = List.copyOf(modules);
    }

    /** The command line the kernel sees: "NAME APPEND", exactly as QEMU builds it (hw/i386/multiboot.c). */
    public String cmdline() {
        return name + " " + append;
    }
}
