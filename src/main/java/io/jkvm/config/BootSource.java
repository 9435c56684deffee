package io.jkvm.config;

/**
 * What a VM boots: a raw image copied to RAM and entered in the mode asked for (the bare
 * machine), a Linux kernel (Documentation/arch/x86/boot.rst) or a Multiboot v1 kernel
 * (Multiboot 0.6.96), the last two on a PC machine.
 */
public sealed interface BootSource permits RawImage, LinuxKernel, MultibootKernel {
    /** The name the user gave the image or kernel, for messages. */
    String name();
}
