package io.jkvm.loader.multiboot;

/** The two magic numbers of Multiboot 0.6.96, and its 4 GiB limit. */
public final class Multiboot {
    private Multiboot() {}

    /** In the OS image's header, field 'magic' (Multiboot 0.6.96, 3.1.2 The magic fields of Multiboot header). */
    public static final int MAGIC_HEADER = 0x1BADB002;

    /** In EAX when the boot loader enters the OS (Multiboot 0.6.96, 3.2 Machine state). */
    public static final int MAGIC_BOOTLOADER = 0x2BADB002;

    /**
     * A multiboot kernel runs in 32-bit protected mode without paging (Multiboot 0.6.96, 3.2):
     * its image and entry point must lie below 4 GiB, and the information structure's fields
     * are 32-bit.
     */
    public static final long ADDRESS_LIMIT = 1L << 32;
}
