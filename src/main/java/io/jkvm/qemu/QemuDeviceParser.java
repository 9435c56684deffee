package io.jkvm.qemu;

import io.jkvm.boot.PcPorts;
import io.jkvm.qemu.QemuSuboptions.Pair;
import io.jkvm.qemu.QemuSuboptions.Parsed;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code -device}: the drivers jkvm has with their properties, {@code id=}, and the help requests
 * ({@code -device help}, {@code -device DRIVER,help}). Property errors use QEMU 7.2's wording
 * (hw/core/qdev-properties*.c). Properties are checked as each {@code -device} is read; what depends on
 * the rest of the line (the machine's bus, the drive or chardev a property names, the virtio-serial bus a
 * virtconsole needs) is settled by {@link #resolve}, in the order QEMU creates the devices.
 */
final class QemuDeviceParser {
    private static final Pattern ID = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]*");

    /** qdev-monitor.c qdev_alias_table: on x86 the short virtio names are the PCI devices. */
    private static final Map<String, String> ALIASES = Map.of("virtio-blk", "virtio-blk-pci", "virtio-rng", "virtio-rng-pci",
            "virtio-serial", "virtio-serial-pci");

    private static final List<String> DRIVERS = List.of("isa-debug-exit", "pc-testdev", "pci-testdev", "virtio-blk-pci",
            "virtio-blk-device", "virtio-rng-pci", "virtio-rng-device", "virtio-serial-pci", "virtio-serial-device",
            "virtconsole");

    /** A -device as read, before the rest of the line is known. */
    private sealed interface Entry {
        String location();
    }

    private record Ready(String location, QemuDevice device) implements Entry {}

    private record Blk(String location, String driver, String drive, String serial) implements Entry {}

    private record Rng(String location, String driver, long maxBytes, long period) implements Entry {}

    private record Serial(String location, String driver) implements Entry {}

    private record Console(String location, String chardev) implements Entry {}

    private final List<Entry> entries = new ArrayList<>();
    private final Set<String> ids = new HashSet<>();
    private boolean help;
    private String helpDriver;

    /** Whether a {@code -device} asked for help. */
    boolean helpRequested() {
        return help;
    }

    /** The driver of the first help request, or null for the device list. */
    String helpDriver() {
        return helpDriver;
    }

    /** One {@code -device} argument. */
    void add(String option, String arg) {
        if (arg.startsWith("{")) throw fail(option, arg, "not supported by jkvm (JSON -device)");
        Parsed parsed = QemuSuboptions.opts(arg, "driver");
        String driver = parsed.get("driver");
        if (driver == null) throw fail(option, arg, "Parameter 'driver' is missing");
        if (QemuSuboptions.isHelp(driver)) {
            if (!help) {
                help = true;
                helpDriver = null;
            }
            return;
        }
        driver = ALIASES.getOrDefault(driver, driver);
        if (!DRIVERS.contains(driver)) {
            throw fail(option, arg, "'" + driver + "' is not a jkvm device (jkvm has "
                    + String.join(", ", DRIVERS.subList(0, DRIVERS.size() - 1)) + " and " + DRIVERS.getLast()
                    + "; see -device help)");
        }
        if (parsed.pairs().stream().anyMatch(p -> QemuSuboptions.isHelp(p.key()))) {
            if (!help) {
                help = true;
                helpDriver = driver;
            }
            return;
        }
        String id = parsed.get("id");
        if (id != null) {
            if (!ID.matcher(id).matches()) throw fail(option, arg, "Parameter 'id' expects an identifier");
            if (!ids.add(id)) throw fail(option, arg, "Duplicate ID '" + id + "' for device");
        }
        String location = option + " " + arg;
        switch (driver) {
            case "isa-debug-exit" -> {
                long iobase = PcPorts.QEMU_DEBUG_EXIT.base();
                long iosize = PcPorts.QEMU_DEBUG_EXIT.length();
                for (Pair p : properties(parsed)) {
                    switch (p.key()) {
                        case "iobase" -> iobase = uint32(option, arg, p);
                        case "iosize" -> iosize = uint32(option, arg, p);
                        default -> throw notFound(option, arg, driver, p.key());
                    }
                }
                if (iobase > 0xffff) throw fail(option, arg, String.format("iobase 0x%x is not an I/O port (0 to 0xffff)", iobase));
                if (iosize == 0 || iobase + iosize > 0x10000) {
                    throw fail(option, arg, String.format("iosize 0x%x does not fit: the ports must lie in 0 to 0xffff", iosize));
                }
                entries.add(new Ready(location, new QemuDevice.IsaDebugExit((int) iobase, (int) iosize)));
            }
            case "pc-testdev" -> {
                for (Pair p : properties(parsed)) throw notFound(option, arg, driver, p.key());
                entries.add(new Ready(location, new QemuDevice.PcTestdev()));
            }
            case "pci-testdev" -> {
                int devfn = QemuDevice.PciTestdev.AUTO;
                for (Pair p : properties(parsed)) {
                    switch (p.key()) {
                        case "addr" -> devfn = devfn(option, arg, driver, p.value());
                        case "membar", "bus", "romfile", "romsize", "rombar", "multifunction", "failover_pair_id",
                             "acpi-index", "x-pcie-lnksta-dllla", "x-pcie-extcap-init" -> throw fail(option, arg,
                                "property '" + p.key() + "' is not supported by jkvm (pci-testdev takes only addr)");
                        default -> throw notFound(option, arg, driver, p.key());
                    }
                }
                entries.add(new Ready(location, new QemuDevice.PciTestdev(devfn)));
            }
            case "virtio-blk-pci", "virtio-blk-device" -> {
                String drive = null;
                String serial = null;
                for (Pair p : properties(parsed)) {
                    switch (p.key()) {
                        case "drive" -> drive = p.value();
                        case "serial" -> serial = p.value();
                        default -> throw unsupported(option, arg, driver, p.key(), "only drive and serial");
                    }
                }
                entries.add(new Blk(location, driver, drive, serial));
            }
            case "virtio-rng-pci", "virtio-rng-device" -> {
                long maxBytes = QemuDevice.VirtioRng.NO_LIMIT;
                long period = QemuDevice.VirtioRng.DEFAULT_PERIOD;
                for (Pair p : properties(parsed)) {
                    switch (p.key()) {
                        case "max-bytes" -> maxBytes = maxBytes(option, arg, p);
                        case "period" -> period = uint32(option, arg, p);
                        case "rng" -> throw fail(option, arg, "property 'rng' is not supported by jkvm (it needs"
                                + " -object rng-random; jkvm's virtio-rng reads the host's /dev/urandom)");
                        default -> throw unsupported(option, arg, driver, p.key(), "only max-bytes and period");
                    }
                }
                // hw/virtio/virtio-rng.c virtio_rng_device_realize
                if (period == 0) throw fail(option, arg, "'period' parameter expects a positive integer");
                if (maxBytes == 0) {
                    throw fail(option, arg, "not supported by jkvm (max-bytes=0 lets no entropy through: give at least 1)");
                }
                entries.add(new Rng(location, driver, maxBytes, period));
            }
            case "virtio-serial-pci", "virtio-serial-device" -> {
                for (Pair p : properties(parsed)) throw unsupported(option, arg, driver, p.key(), "no properties");
                entries.add(new Serial(location, driver));
            }
            default -> {  // virtconsole
                String chardev = null;
                for (Pair p : properties(parsed)) {
                    if (!p.key().equals("chardev")) throw unsupported(option, arg, driver, p.key(), "only chardev");
                    chardev = p.value();
                }
                if (chardev == null || chardev.isEmpty()) {
                    throw fail(option, arg, "not supported by jkvm (a virtconsole without a backend: give"
                            + " chardev=ID of a -chardev stdio,id=ID)");
                }
                entries.add(new Console(location, chardev));
            }
        }
    }

    /**
     * The devices in the order QEMU 7.2 creates them (vl.c qemu_create_cli_devices): every {@code -device}
     * in command-line order, then the virtio-blk-pci of each {@code -drive if=virtio}, in order (blockdev.c
     * drive_new queues those behind the -device options; checked with the 7.2 binary's {@code info qtree}).
     * A virtconsole is folded into the virtio-serial device whose bus it is on.
     *
     * @param drives       the drives, in order
     * @param stdioChardev the id of the {@code -chardev stdio}, or null
     */
    List<QemuDevice> resolve(QemuMachine machine, List<QemuDrive> drives, String stdioChardev) {
        List<QemuDevice> out = new ArrayList<>();
        Map<String, QemuDrive> byId = new HashMap<>();
        for (QemuDrive d : drives) {
            if (d.id() != null) byId.put(d.id(), d);
        }
        Set<QemuDrive> used = new HashSet<>();
        int serialAt = -1;            // the virtio-serial in out still waiting for its virtconsole
        String serialLocation = null; // the last virtio-serial's -device
        boolean consoleUsed = false;
        for (Entry e : entries) {
            switch (e) {
                case Ready r -> out.add(r.device());
                case Blk b -> {
                    bus(machine, b.location(), b.driver());
                    if (b.drive() == null) throw new QemuUsageException(b.location() + ": drive property not set");
                    QemuDrive drive = byId.get(b.drive());
                    // QEMU names the virtio-blk-device inside the PCI proxy, whichever was given.
                    if (drive == null) {
                        throw new QemuUsageException(b.location() + ": Property 'virtio-blk-device.drive' can't find value '"
                                + b.drive() + "'");
                    }
                    if (!used.add(drive)) {
                        throw new QemuUsageException(b.location() + ": Drive '" + b.drive() + "' is already in use by another device");
                    }
                    out.add(new QemuDevice.VirtioBlk(b.driver(), drive, b.serial()));
                }
                case Rng r -> {
                    bus(machine, r.location(), r.driver());
                    out.add(new QemuDevice.VirtioRng(r.driver(), r.maxBytes(), r.period()));
                }
                case Serial s -> {
                    bus(machine, s.location(), s.driver());
                    if (serialAt >= 0) throw noConsole(serialLocation);
                    serialAt = out.size();
                    serialLocation = s.location();
                    out.add(new QemuDevice.VirtioConsole(s.driver(), ""));  // its virtconsole fills in the chardev
                }
                case Console c -> {
                    // qdev_device_add finds the bus before it sets properties; there is one stdio chardev, so a
                    // second virtconsole finds it in use.
                    if (serialLocation == null) {
                        throw new QemuUsageException(c.location() + ": No 'virtio-serial-bus' bus found for device 'virtconsole'");
                    }
                    if (!c.chardev().equals(stdioChardev)) {
                        throw new QemuUsageException(c.location() + ": Property 'virtconsole.chardev' can't find value '"
                                + c.chardev() + "'");
                    }
                    if (consoleUsed) {
                        throw new QemuUsageException(c.location() + ": Property 'virtconsole.chardev' can't take value '"
                                + c.chardev() + "': Device '" + c.chardev() + "' is in use");
                    }
                    out.set(serialAt, new QemuDevice.VirtioConsole(out.get(serialAt).driver(), c.chardev()));
                    consoleUsed = true;
                    serialAt = -1;
                }
            }
        }
        if (serialAt >= 0) throw noConsole(serialLocation);
        for (QemuDrive d : drives) {
            if (d.iface() != QemuDrive.Interface.VIRTIO) continue;
            // blockdev.c drive_new: "-device virtio-blk,drive=ID", which on x86 is virtio-blk-pci.
            bus(machine, d.location(), "virtio-blk-pci");
            if (!used.add(d)) {
                throw new QemuUsageException(d.location() + ": Drive '" + d.id() + "' is already in use because it has"
                        + " been automatically connected to another device (did you need 'if=none' in the drive options?)");
            }
            out.add(new QemuDevice.VirtioBlk("virtio-blk-pci", d, null));
        }
        return List.copyOf(out);
    }

    /** qdev-monitor.c qdev_device_add: the bus the driver plugs into must exist on the machine. */
    private static void bus(QemuMachine machine, String location, String driver) {
        if (driver.endsWith("-pci") && machine != QemuMachine.PC) {
            throw new QemuUsageException(location + ": No 'PCI' bus found for device '" + driver + "' (microvm has"
                    + " virtio-mmio: use " + driver.replace("-pci", "-device") + (driver.equals("virtio-blk-pci")
                    ? " with -drive if=none,id=ID" : "") + ")");
        }
        if (driver.endsWith("-device") && machine != QemuMachine.MICROVM) {
            throw new QemuUsageException(location + ": No 'virtio-bus' bus found for device '" + driver
                    + "' (the pc machine has virtio-pci: use " + driver.replace("-device", "-pci") + ")");
        }
    }

    private static QemuUsageException noConsole(String location) {
        return new QemuUsageException(location + ": not supported by jkvm (jkvm's virtio-serial carries exactly one"
                + " virtconsole: add -chardev stdio,id=ID -device virtconsole,chardev=ID after it)");
    }

    /** A property QEMU's driver has that jkvm does not take ({@code takes} says what it does), or QEMU's "not found". */
    private static QemuUsageException unsupported(String option, String arg, String driver, String property, String takes) {
        if (!QemuVirtioProperties.known(driver, property)) return notFound(option, arg, driver, property);
        return fail(option, arg, "property '" + property + "' is not supported by jkvm (" + driver + " takes " + takes + ")");
    }

    /** virtio-rng's max-bytes: a uint64 property (strtoull wraps a negative one), then realize's check that it is below 2^63. */
    private static long maxBytes(String option, String arg, Pair p) {
        String value = p.value();
        boolean negative = value.startsWith("-");
        try {
            long v = QemuNumbers.unsigned(negative ? value.substring(1) : value);
            if (negative && v != 0) throw new ArithmeticException();
            return v;
        } catch (NumberFormatException e) {
            throw fail(option, arg, "Parameter '" + p.key() + "' expects integer");
        } catch (ArithmeticException e) {
            throw fail(option, arg, "'max-bytes' parameter must be non-negative, and less than 2^63");
        }
    }

    /** The device's own properties: all but driver and id. */
    private static List<Pair> properties(Parsed parsed) {
        return parsed.pairs().stream().filter(p -> !p.key().equals("driver") && !p.key().equals("id")).toList();
    }

    private static QemuUsageException notFound(String option, String arg, String driver, String property) {
        return fail(option, arg, "Property '" + driver + "." + property + "' not found");
    }

    /** A uint32 device property, with QEMU's messages (a negative number is out of range, as strtoull wraps it). */
    private static long uint32(String option, String arg, Pair p) {
        String value = p.value();
        boolean negative = value.startsWith("-");
        long v;
        try {
            v = QemuNumbers.unsigned(negative ? value.substring(1) : value);
        } catch (NumberFormatException e) {
            throw fail(option, arg, "Parameter '" + p.key() + "' expects integer");
        } catch (ArithmeticException e) {
            v = -1;
        }
        if (negative || v < 0 || v > 0xffff_ffffL) throw fail(option, arg, "Parameter '" + p.key() + "' expects uint32_t");
        return v;
    }

    /** hw/core/qdev-properties-system.c set_pci_devfn: "SLOT[.FN]" in hex (sscanf %x), slot <= 31, fn <= 7. */
    private static int devfn(String option, String arg, String driver, String value) {
        int dot = value.indexOf('.');
        long slot = hex(dot < 0 ? value : value.substring(0, dot));
        long fn = dot < 0 ? 0 : hex(value.substring(dot + 1));
        if (slot < 0 || fn < 0 || slot > 31 || fn > 7) {
            throw fail(option, arg, "Property '" + driver + ".addr' doesn't take value '" + value + "'");
        }
        return (int) (slot << 3 | fn);
    }

    /** sscanf's %x over the whole string: an optional 0x, hex digits; -1 if it is not that. */
    private static long hex(String s) {
        String digits = s.startsWith("0x") || s.startsWith("0X") ? s.substring(2) : s;
        if (digits.isEmpty() || digits.length() > 8) return -1;
        long v = 0;
        for (int i = 0; i < digits.length(); i++) {
            char c = digits.charAt(i);
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (d < 0) return -1;
            v = v * 16 + d;
        }
        return v;
    }

    private static QemuUsageException fail(String option, String arg, String reason) {
        return QemuUsageException.at(option, arg, reason);
    }
}
