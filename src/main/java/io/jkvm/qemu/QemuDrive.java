package io.jkvm.qemu;

import java.util.Objects;

/**
 * A {@code -drive} jkvm has: a raw image file for a virtio-blk device. {@code if=virtio} drives get
 * their device from QEMU itself (after every {@code -device}, see {@link QemuCommandLine#devices()});
 * {@code if=none} drives wait for a {@code -device virtio-blk-pci,drive=ID} (or
 * {@code virtio-blk-device} on microvm), and one no device names is opened and left unused, as QEMU does.
 *
 * @param location  {@code -drive ARG}, as QEMU locates the drive's errors
 * @param iface     whether QEMU makes its device ({@code if=virtio}) or a {@code -device} must ({@code if=none})
 * @param id        {@code id=}, or null when not given (an if=virtio drive, or an if=none drive no device can name)
 * @param file      {@code file=}, the image; never empty
 * @param format    "raw", or null when {@code format=} was not given: QEMU then probes the file's format,
 *                  and the caller must check that the file is not an image of another format
 * @param readOnly  {@code readonly=on}
 */
public record QemuDrive(String location, Interface iface, String id, String file, String format, boolean readOnly) {
    /** QEMU's {@code if=}: the two jkvm has. */
    public enum Interface { VIRTIO, NONE }

    public QemuDrive {
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(iface, "iface");
        Objects.requireNonNull(file, "file");
        if (file.isEmpty()) throw new IllegalArgumentException("empty file");
        if (format != null && !format.equals("raw")) throw new IllegalArgumentException("format " + format);
    }

    /** Whether {@code format=raw} was given; otherwise QEMU probes the format (and warns when it guesses raw). */
    public boolean formatGiven() {
        return format != null;
    }
}
