package io.jkvm.cli;

import io.jkvm.qemu.QemuDrive;
import io.jkvm.qemu.QemuUsageException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * What QEMU 7.2 checks when it opens a {@code -drive} (block.c bdrv_open, block/file-posix.c), with its
 * wording: the image exists and is a regular file, and, when {@code format=} was not given, what the
 * file's first bytes say it is. QEMU then probes the format and opens whatever it finds; jkvm reads raw
 * images only, so an image that starts with another format's magic is refused, and otherwise QEMU's
 * warning about guessing raw is given. The virtio-blk device opens (and locks) the file itself.
 */
final class QemuDrives {
    private QemuDrives() {}

    /** Formats QEMU 7.2 recognises by their first bytes (block/*.c probe functions), with those bytes. */
    private enum Magic {
        QCOW2("qcow2", new byte[] {'Q', 'F', 'I', (byte) 0xfb}),   // qcow too: same magic, version 1
        QED("qed", new byte[] {'Q', 'E', 'D', 0}),
        VMDK("vmdk", new byte[] {'K', 'D', 'M', 'V'}),
        VHDX("vhdx", new byte[] {'v', 'h', 'd', 'x', 'f', 'i', 'l', 'e'}),
        LUKS("luks", new byte[] {'L', 'U', 'K', 'S', (byte) 0xba, (byte) 0xbe}),
        VPC("vpc", new byte[] {'c', 'o', 'n', 'e', 'c', 't', 'i', 'x'});

        final String format;
        final byte[] bytes;

        Magic(String format, byte[] bytes) {
            this.format = format;
            this.bytes = bytes;
        }
    }

    /**
     * Checks {@code drive}'s image.
     *
     * @param warn gets QEMU's warning, one line at a time, when the format was not given and is guessed raw
     * @throws QemuUsageException one line, at the -drive, when QEMU would fail to open it or it is not raw
     */
    static void check(QemuDrive drive, Consumer<String> warn) {
        Path path = Path.of(drive.file());
        if (Files.isDirectory(path)) {
            throw new QemuUsageException(drive.location() + ": 'file' driver requires '" + drive.file() + "' to be a regular file");
        }
        byte[] head = new byte[8];
        int n;
        try (InputStream in = Files.newInputStream(path)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (NoSuchFileException e) {
            throw new QemuUsageException(drive.location() + ": Could not open '" + drive.file() + "': No such file or directory");
        } catch (IOException e) {
            throw new QemuUsageException(drive.location() + ": Could not open '" + drive.file() + "': " + reason(e));
        }
        if (drive.formatGiven()) return;
        for (Magic m : Magic.values()) {
            if (n >= m.bytes.length && Arrays.equals(head, 0, m.bytes.length, m.bytes, 0, m.bytes.length)) {
                throw new QemuUsageException(drive.location() + ": jkvm reads raw images only, and '" + drive.file()
                        + "' is a " + m.format + " image: convert it with 'qemu-img convert -O raw " + drive.file()
                        + " OUT' and give format=raw");
            }
        }
        // block.c bdrv_open_inherit's warning: its first line as QEMU prints it; QEMU goes on to restrict the
        // guest's writes to block 0, which jkvm does not, and the next lines say so.
        warn.accept("WARNING: Image format was not specified for '" + drive.file() + "' and probing guessed raw.");
        warn.accept("         Automatically detecting the format is dangerous for raw images; unlike QEMU, jkvm does"
                + " not restrict write operations on block 0.");
        warn.accept("         Specify the 'raw' format explicitly to remove this warning.");
    }

    private static String reason(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) return "Permission denied";
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
