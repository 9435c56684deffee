package io.jkvm.qemu;

import io.jkvm.qemu.QemuSuboptions.Pair;
import io.jkvm.qemu.QemuSuboptions.Parsed;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code -drive}: raw image files for virtio-blk, {@code if=virtio} or {@code if=none}, with QEMU
 * 7.2's wording (blockdev.c drive_new, block.c) where QEMU refuses too. Options that change nothing
 * a guest sees are accepted: {@code cache=none|writeback} (jkvm writes through the host's page cache
 * and flushes when the guest asks, which a guest cannot tell from either), {@code aio=threads|native|io_uring}
 * (jkvm does its own I/O) and {@code discard=unmap|ignore} (jkvm always punches holes for discards;
 * both answer the guest's discard with success). What would change the guest's view is refused.
 * The interface is settled at {@link #resolve}, once the machine is known: without {@code if=} it is
 * the machine's default, {@code ide} on pc and {@code none} on microvm.
 */
final class QemuDriveParser {
    /** A drive as read, before the machine is known. */
    private record Read(String location, String iface, String id, String file, String format, boolean readOnly) {}

    private static final Pattern ID = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]*");

    /** QEMU 7.2's if= values jkvm lacks (block/block-backend.c if_name). */
    private static final Set<String> OTHER_INTERFACES = Set.of("ide", "scsi", "floppy", "pflash", "mtd", "sd", "xen");

    /** QEMU 7.2's block drivers ({@code -drive format=help}), all but raw. */
    private static final Set<String> OTHER_FORMATS = Set.of("blkdebug", "blklogwrites", "blkreplay", "blkverify", "bochs",
            "cloop", "compress", "copy-before-write", "copy-on-read", "dmg", "file", "ftp", "ftps", "gluster", "host_cdrom",
            "host_device", "http", "https", "iscsi", "iser", "luks", "nbd", "nfs", "null-aio", "null-co", "nvme", "parallels",
            "preallocate", "qcow", "qcow2", "qed", "quorum", "rbd", "replication", "snapshot-access", "ssh", "throttle", "vdi",
            "vhdx", "vmdk", "vpc", "vvfat");

    /** -drive options QEMU 7.2 has and jkvm does not (blockdev.c qemu_common_drive_opts, qemu_legacy_drive_opts, block opts). */
    private static final Set<String> OTHER_OPTIONS = Set.of("bus", "unit", "index", "media", "snapshot", "copy-on-read",
            "werror", "rerror", "addr", "boot", "cyls", "heads", "secs", "trans", "serial", "node-name", "auto-read-only",
            "force-share", "locking", "group", "cache.direct", "cache.no-flush", "cache.writeback", "file.locking",
            "file.aio", "throttling.group", "bps", "bps_rd", "bps_wr", "iops", "iops_rd", "iops_wr", "iops_size");

    private final List<Read> drives = new ArrayList<>();
    private final Set<String> ids = new HashSet<>();

    /** One {@code -drive} argument. */
    void add(String option, String arg) {
        Parsed parsed = QemuSuboptions.opts(arg, null);
        String iface = null;
        String id = null;
        String file = null;
        String format = null;
        boolean readOnly = false;
        String cache = null;
        String aio = null;
        for (Pair p : parsed.pairs()) {
            String v = p.value();
            switch (p.key()) {
                case "if" -> {
                    if (!v.equals("virtio") && !v.equals("none")) {
                        if (OTHER_INTERFACES.contains(v)) {
                            throw fail(option, arg, "not supported by jkvm (if=" + v + ": jkvm has only if=virtio and if=none)");
                        }
                        throw fail(option, arg, "unsupported bus type '" + v + "'");
                    }
                    iface = v;
                }
                case "id" -> id = v;
                case "file" -> file = v;
                case "format" -> {
                    if (!v.equals("raw")) {
                        if (OTHER_FORMATS.contains(v) || QemuSuboptions.isHelp(v)) {
                            throw fail(option, arg, "jkvm reads raw images only (format=" + v
                                    + "): convert the image with 'qemu-img convert -O raw IN OUT' and give format=raw");
                        }
                        throw fail(option, arg, "Unknown driver '" + v + "'");
                    }
                    format = v;
                }
                case "readonly", "read-only" -> readOnly = bool(option, arg, "read-only", v);
                case "cache" -> {
                    switch (v) {
                        case "none", "writeback" -> cache = v;
                        case "writethrough", "directsync", "unsafe" -> throw fail(option, arg, "not supported by jkvm"
                                + " (cache=" + v + ": jkvm writes through the host page cache and flushes when the guest"
                                + " asks, as cache=writeback or none)");
                        default -> throw fail(option, arg, "invalid cache option");
                    }
                }
                case "aio" -> {
                    if (!v.equals("threads") && !v.equals("native") && !v.equals("io_uring")) {
                        throw fail(option, arg, "invalid aio option");
                    }
                    aio = v;
                }
                case "discard" -> {
                    if (!v.equals("ignore") && !v.equals("off") && !v.equals("unmap") && !v.equals("on")) {
                        throw fail(option, arg, "Invalid discard option");
                    }
                }
                case "detect-zeroes" -> {
                    switch (v) {
                        case "off" -> { }
                        case "on", "unmap" -> throw fail(option, arg,
                                "not supported by jkvm (detect-zeroes=" + v + ": jkvm writes zeroes as given)");
                        default -> throw fail(option, arg, "invalid parameter value: " + v);
                    }
                }
                default -> {
                    if (OTHER_OPTIONS.contains(p.key()) || p.key().startsWith("throttling.") || p.key().startsWith("file.")) {
                        throw fail(option, arg, "not supported by jkvm (drive option '" + p.key() + "': jkvm's -drive takes"
                                + " file, if=virtio|none, format=raw, readonly, id, cache, aio and discard)");
                    }
                    // A bare word is QEMU's short form of KEY=on, so "-drive disk.img" lands here too.
                    boolean bare = !arg.contains(p.key() + "=");
                    throw fail(option, arg, "Block format 'raw' does not support the option '" + p.key() + "'"
                            + (bare ? " (the image is given as file=" + p.key() + ")" : ""));
                }
            }
        }
        // blockdev.c: aio=native needs O_DIRECT (cache=none).
        if ("native".equals(aio) && !"none".equals(cache)) {
            throw fail(option, arg, "aio=native was specified, but it requires cache.direct=on, which was not specified.");
        }
        if (id != null) {
            if (!ID.matcher(id).matches()) throw fail(option, arg, "Parameter 'id' expects an identifier");
            if (!ids.add(id)) throw fail(option, arg, "Duplicate ID '" + id + "' for drive");
        }
        drives.add(new Read(option + " " + arg, iface, id, file == null || file.isEmpty() ? null : file, format, readOnly));
    }

    /** The drives in command-line order, for {@code machine}. */
    List<QemuDrive> resolve(QemuMachine machine) {
        List<QemuDrive> out = new ArrayList<>();
        for (Read r : drives) {
            String iface = r.iface();
            if (iface == null) {
                if (machine == QemuMachine.PC) {
                    throw new QemuUsageException(r.location() + ": not supported by jkvm (without if= the pc machine"
                            + " attaches the drive to IDE: jkvm has only if=virtio and if=none)");
                }
                iface = "none";  // microvm's block_default_type
            }
            if (r.file() == null) {
                // QEMU makes an if=none drive without file= an empty drive (removable media, for a CD-ROM).
                throw new QemuUsageException(r.location() + (iface.equals("virtio")
                        ? ": A block device must be specified for \"file\""
                        : ": not supported by jkvm (a drive without file=: jkvm has no removable media)"));
            }
            out.add(new QemuDrive(r.location(), iface.equals("virtio") ? QemuDrive.Interface.VIRTIO : QemuDrive.Interface.NONE,
                    r.id(), r.file(), r.format(), r.readOnly()));
        }
        return out;
    }

    /** QEMU's boolean (qapi_bool_parse). */
    static boolean bool(String option, String arg, String name, String v) {
        return switch (v) {
            case "on", "yes", "true", "y" -> true;
            case "off", "no", "false", "n" -> false;
            default -> throw fail(option, arg, "Parameter '" + name + "' expects 'on' or 'off'");
        };
    }

    private static QemuUsageException fail(String option, String arg, String reason) {
        return QemuUsageException.at(option, arg, reason);
    }
}
