package io.jkvm.config;

import java.util.Objects;

/**
 * A Linux kernel to boot: the file's bytes (bzImage or ELF vmlinux, told apart by content), an
 * optional initrd, the command line, and whether jkvm decompresses a bzImage's payload itself
 * and enters the uncompressed kernel directly (skipping the guest's own decompressor, which
 * runs at CPL0 and so is slow on hosts that emulate guest supervisor code).
 */
public record LinuxKernel(byte[] kernel, String name, byte[] initrd, String cmdline, boolean hostDecompress)
        implements BootSource {
    public LinuxKernel {
        Objects.requireNonNull(kernel, "kernel");
        if (name == null) name = "kernel";
        if (cmdline == null) cmdline = "";
    }
}
