package io.jkvm.loader;

import io.jkvm.JkvmException;

/**
 * What a kernel file is, told by its content (never by its name), so that
 * {@code jkvm run --kernel FILE} picks the loader: a bzImage has "HdrS" at 0x202 and 0xAA55 at
 * 0x1FE (checked first: an EFI-stub bzImage also starts with a PE "MZ"); an ELF64 starts with
 * 7f 'E' 'L' 'F' and class 2. Anything else (a raw binary, a 32-bit ELF, a multiboot image, a
 * compressed vmlinux) is UNKNOWN for now.
 */
public enum KernelImage {
    BZIMAGE,
    ELF64,
    UNKNOWN;

    public static KernelImage detect(byte[] bytes) {
        if (bytes.length >= SetupHeader.HEADER + 4
                && (bytes[SetupHeader.BOOT_FLAG] & 0xff) == 0x55 && (bytes[SetupHeader.BOOT_FLAG + 1] & 0xff) == 0xAA
                && bytes[SetupHeader.HEADER] == 'H' && bytes[SetupHeader.HEADER + 1] == 'd'
                && bytes[SetupHeader.HEADER + 2] == 'r' && bytes[SetupHeader.HEADER + 3] == 'S') {
            return BZIMAGE;
        }
        if (isElf(bytes) && bytes.length > 4 && bytes[4] == 2) return ELF64;
        return UNKNOWN;
    }

    static boolean isElf(byte[] bytes) {
        return bytes.length >= 4 && (bytes[0] & 0xff) == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' && bytes[3] == 'F';
    }

    /** Like {@link #detect}, but an UNKNOWN image is an error naming what was found. */
    public static KernelImage require(byte[] bytes, String name) {
        KernelImage kind = detect(bytes);
        if (kind != UNKNOWN) return kind;
        String what;
        if (isElf(bytes)) what = "a 32-bit ELF file (multiboot kernels are not supported yet)";
        else if (PayloadFormat.detect(bytes, 0, bytes.length) != PayloadFormat.UNKNOWN) {
            what = "a " + PayloadFormat.detect(bytes, 0, bytes.length) + "-compressed file: decompress it, or give the bzImage";
        } else what = "neither a bzImage nor an ELF64 kernel";
        throw new JkvmException(name + " is " + what);
    }
}
