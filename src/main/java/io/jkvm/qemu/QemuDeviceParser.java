package io.jkvm.qemu;

import io.jkvm.boot.PcPorts;
import io.jkvm.qemu.QemuSuboptions.Pair;
import io.jkvm.qemu.QemuSuboptions.Parsed;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code -device}: the drivers jkvm has (isa-debug-exit, pc-testdev, pci-testdev) with their
 * properties, {@code id=}, and the help requests ({@code -device help}, {@code -device DRIVER,help}).
 * Property errors use QEMU 7.2's wording (hw/core/qdev-properties*.c).
 */
final class QemuDeviceParser {
    private static final Pattern ID = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]*");

    private final List<QemuDevice> devices = new ArrayList<>();
    private final Set<String> ids = new HashSet<>();
    private boolean help;
    private String helpDriver;

    /** The devices so far, in order. */
    List<QemuDevice> devices() {
        return List.copyOf(devices);
    }

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
        if (!driver.equals("isa-debug-exit") && !driver.equals("pc-testdev") && !driver.equals("pci-testdev")) {
            throw fail(option, arg, "'" + driver + "' is not a jkvm device (jkvm has isa-debug-exit, pc-testdev and"
                    + " pci-testdev; see -device help)");
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
                devices.add(new QemuDevice.IsaDebugExit((int) iobase, (int) iosize));
            }
            case "pc-testdev" -> {
                for (Pair p : properties(parsed)) throw notFound(option, arg, driver, p.key());
                devices.add(new QemuDevice.PcTestdev());
            }
            default -> {
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
                devices.add(new QemuDevice.PciTestdev(devfn));
            }
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
