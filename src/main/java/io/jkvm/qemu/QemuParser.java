package io.jkvm.qemu;

import io.jkvm.qemu.QemuSuboptions.Pair;
import io.jkvm.qemu.QemuSuboptions.Parsed;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The loops of softmmu/vl.c qemu_init over argv, for the options jkvm has. QEMU's order of checks is
 * kept where it shows: a first pass over the whole line reports an unknown option or a missing
 * argument; in the second, {@code -h}, {@code -version}, {@code -machine help} and {@code -accel help}
 * act at once; -append/-initrd without -kernel is checked after it, then {@code -cpu help} and
 * {@code -device help}, then the machine ({@code -cpu} model, {@code -smp}, accelerator). Unlike
 * QEMU, jkvm checks -machine, -device, -drive and -chardev properties as it meets them, and refuses the
 * options it lacks where they stand (so {@code -hda x -version} is refused, where QEMU prints its version).
 * What depends on the whole line is settled at the end, in QEMU's order: -chardev stdio against the
 * serial ports and the monitor, the drives' interfaces (the machine's default), then the devices in the
 * order QEMU creates them ({@link QemuDeviceParser#resolve}).
 */
final class QemuParser {
    private static final Pattern PC_VERSIONED = Pattern.compile("pc-i440fx-(\\d+)\\.(\\d+)");

    private static final int MAX_SERIALS = 2;

    private static final Pattern ID = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]*");

    /** QEMU 7.2's chardev backends ({@code -chardev help}). */
    private static final Set<String> CHARDEV_BACKENDS = Set.of("stdio", "ringbuf", "mux", "pipe", "qemu-vdagent", "null",
            "msmouse", "socket", "vc", "parallel", "udp", "memory", "file", "serial", "wctablet", "pty", "testdev",
            "tty", "console", "braille", "spicevmc", "spiceport", "dbus");

    private final List<String> args;
    private int next;

    private QemuMachine machine = QemuMachine.PC;
    private boolean preferSockets;
    private boolean machineAccel;   // -machine accel= or -enable-kvm
    private boolean accelOption;    // -accel
    private String cpuOption;
    private String cpuOptionName;
    private long memory = QemuCommandLine.DEFAULT_MEMORY;
    private final Map<String, Long> smpConfig = new LinkedHashMap<>();
    private String smpLocation;
    private String kernel;
    private String initrd;
    private String append;
    private boolean serialGiven;
    private final List<SerialBackend> serials = new ArrayList<>();
    private boolean noGraphic;
    private boolean displayNone;
    private boolean noDefaults;
    private boolean noReboot;
    private boolean monitorGiven;
    private String name;
    private final QemuDeviceParser devices = new QemuDeviceParser();
    private final QemuDriveParser drives = new QemuDriveParser();
    private QemuChardev chardev;
    private boolean chardevHelp;
    private String serialStdioOption;  // the -serial stdio as written, for QEMU's message about stdio
    private final List<FwCfgItem> fwCfg = new ArrayList<>();
    private String pitLostTickPolicy = "delay";
    private final List<String> warnings = new ArrayList<>();

    QemuParser(List<String> args) {
        this.args = List.copyOf(args);
    }

    QemuCommandLine parse() {
        firstPass();
        while (next < args.size()) {
            String option = args.get(next++);
            if (option.isEmpty() || option.charAt(0) != '-') {
                throw new QemuUsageException((option.isEmpty() ? "''" : option)
                        + ": not supported by jkvm (QEMU takes an argument that is not an option as an IDE disk image:"
                        + " use -drive file=PATH,if=virtio,format=raw)");
            }
            QemuAction action = option(option, optionName(option));
            if (action != null) return QemuCommandLine.defaults(action, null);
        }
        return finish();
    }

    /** vl.c's first pass (lookup_opt on every option): unknown options and missing arguments, before anything else. */
    private void firstPass() {
        int i = 0;
        while (i < args.size()) {
            String option = args.get(i++);
            if (option.isEmpty() || option.charAt(0) != '-') continue;
            QemuOptionTable.Info info = QemuOptionTable.lookup(optionName(option));
            if (info == null) throw fail(option, "invalid option");
            if (info.hasArg()) {
                if (i >= args.size()) throw fail(option, "requires an argument");
                i++;
            }
        }
    }

    /** QEMU treats --foo as -foo. */
    private static String optionName(String option) {
        return option.startsWith("--") ? option.substring(2) : option.substring(1);
    }

    /** Handles one option; returns an action that ends the parse at once, or null. */
    private QemuAction option(String option, String name) {
        switch (name) {
            case "h", "help" -> { return QemuAction.HELP; }
            case "version" -> { return QemuAction.VERSION; }
            case "machine", "M" -> { return machine(option, value(option)); }
            case "accel" -> { return accel(option, value(option)); }
            case "enable-kvm" -> machineAccel = true;
            case "cpu" -> {
                cpuOptionName = option;
                cpuOption = value(option);
            }
            case "m" -> memory(option, value(option));
            case "smp" -> smp(option, value(option));
            case "kernel" -> kernel = file(option, value(option));
            case "initrd" -> initrd = value(option);
            case "append" -> append = value(option);
            case "serial" -> serial(option, value(option));
            case "nographic" -> {
                noGraphic = true;
                displayNone = true;
            }
            case "display" -> {
                String v = value(option);
                if (!v.equals("none")) throw fail(option, v, "jkvm has no display: only -display none");
                displayNone = true;
            }
            case "nodefaults" -> noDefaults = true;
            case "no-reboot" -> noReboot = true;
            case "no-user-config" -> { }
            case "name" -> name(option, value(option));
            case "monitor" -> {
                String v = value(option);
                if (!v.equals("none")) throw fail(option, v, "not supported by jkvm (jkvm has no monitor: only -monitor none)");
                monitorGiven = true;
            }
            case "vga" -> none(option, "jkvm has no display adapter");
            case "vnc" -> none(option, "jkvm has no display");
            case "parallel" -> none(option, "jkvm has no parallel port");
            case "net", "nic" -> none(option, "jkvm has no network devices");
            case "device" -> devices.add(option, value(option));
            case "drive" -> drives.add(option, value(option));
            case "chardev" -> chardev(option, value(option));
            case "fw_cfg" -> fwCfg(option, value(option));
            case "global" -> global(option, value(option));
            case "S" -> throw fail(option,
                    "jkvm starts the guest at once; -S (start stopped) needs a monitor, which jkvm does not have");
            default -> {
                String reason = QemuOptionTable.lookup(name).unsupported();  // the first pass knows every option here
                throw fail(option, reason.isEmpty() ? "not supported by jkvm" : "not supported by jkvm (" + reason + ")");
            }
        }
        return null;
    }

    // ---- after the loop ----

    private QemuCommandLine finish() {
        if (kernel == null && append != null) throw new QemuUsageException("-append only allowed with -kernel option");
        if (kernel == null && initrd != null) throw new QemuUsageException("-initrd only allowed with -kernel option");
        if (cpuOption != null && QemuSuboptions.isHelp(cpuOption)) return QemuCommandLine.defaults(QemuAction.CPU_HELP, null);
        if (devices.helpRequested()) return QemuCommandLine.defaults(QemuAction.DEVICE_HELP, devices.helpDriver());
        if (chardevHelp) return QemuCommandLine.defaults(QemuAction.CHARDEV_HELP, null);

        String cpu = cpuOption == null ? null : cpu(cpuOptionName, cpuOption);
        QemuSmp smp;
        try {
            smp = smpConfig.isEmpty() ? QemuSmp.DEFAULT : QemuSmp.compute(smpConfig, machine, preferSockets);
        } catch (IllegalArgumentException e) {
            throw new QemuUsageException(smpLocation + ": " + e.getMessage());
        }
        if (accelOption && machineAccel) {
            throw new QemuUsageException("The -accel and \"-machine accel=\" options are incompatible");
        }
        if (kernel == null) {
            throw new QemuUsageException("no -kernel given: jkvm has no firmware to boot disks with, give -kernel FILE");
        }

        // vl.c qemu_disable_default_devices / qemu_create_default_devices, without the parallel port.
        boolean defaultSerial = !serialGiven && !noDefaults;
        boolean defaultMonitor = !monitorGiven && !noDefaults;
        if (chardev != null) {
            // QEMU opens -chardev before the serial ports and the monitor, which then find stdio taken.
            if (serialStdioOption != null) {
                throw new QemuUsageException(serialStdioOption + " stdio: cannot use stdio by multiple character devices"
                        + " (-chardev stdio has it)");
            }
            if (noGraphic && (defaultSerial || defaultMonitor)) {
                throw new QemuUsageException("-nographic: cannot use stdio by multiple character devices (-nographic puts "
                        + (defaultSerial ? "the serial port and " : "") + "QEMU's monitor on stdio, which -chardev stdio"
                        + " has: add -nodefaults" + (defaultSerial ? "" : " or -monitor none") + ")");
            }
        }
        List<QemuDrive> driveList = drives.resolve(machine);
        List<QemuDevice> deviceList = devices.resolve(machine, driveList, chardev == null ? null : chardev.id());
        boolean stdioMux = false;
        List<SerialBackend> resolved = new ArrayList<>(serials);
        if (noGraphic) {
            if (defaultSerial) {
                resolved.add(SerialBackend.STDIO);
                stdioMux = defaultMonitor;
            } else if (defaultMonitor && serials.contains(SerialBackend.STDIO)) {
                // QEMU puts its monitor on stdio too and fails: "cannot use stdio by multiple character devices".
                throw new QemuUsageException("-serial stdio: cannot use stdio by multiple character devices"
                        + " (-nographic puts QEMU's monitor on stdio: add -monitor none or -nodefaults)");
            }
        } else if (defaultSerial) {
            resolved.add(SerialBackend.VC);
        }
        // QEMU 7.2 boots an empty -initrd as no initrd (it still needs -kernel, checked above).
        String initrdFile = initrd == null || initrd.isEmpty() ? null : initrd;
        return new QemuCommandLine(QemuAction.RUN, null, machine, cpu, memory, smp, kernel, initrdFile, append, resolved,
                stdioMux, noGraphic, displayNone, noDefaults, noReboot, name, deviceList, fwCfg, pitLostTickPolicy, warnings,
                driveList, chardev);
    }

    // ---- option handlers ----

    private String value(String option) {
        if (next >= args.size()) throw fail(option, "requires an argument");
        return args.get(next++);
    }

    private static String file(String option, String path) {
        if (path.isEmpty()) throw fail(option, "empty file name");
        return path;
    }

    private void none(String option, String reason) {
        String v = value(option);
        if (!v.equals("none")) throw fail(option, v, "not supported by jkvm (" + reason + ": only " + option + " none)");
    }

    private QemuAction machine(String option, String arg) {
        Parsed parsed = keyval(option, arg, "type");
        if (parsed.help()) return QemuAction.MACHINE_HELP;
        for (Pair p : parsed.pairs()) {
            switch (p.key().replace('_', '-')) {
                case "type" -> machineType(option, arg, p.value());
                case "accel" -> {
                    String first = p.value().split(":", -1)[0];
                    if (!first.equals("kvm")) {
                        throw fail(option, arg, "jkvm always uses KVM: give accel=kvm or leave accel out");
                    }
                    machineAccel = true;
                }
                default -> throw fail(option, arg, "machine property '" + p.key()
                        + "' is not supported by jkvm (it takes only the type and accel=kvm)");
            }
        }
        return null;
    }

    private void machineType(String option, String arg, String type) {
        Matcher m = PC_VERSIONED.matcher(type);
        if (type.equals("pc")) {
            machine = QemuMachine.PC;
            preferSockets = false;
        } else if (m.matches()) {
            machine = QemuMachine.PC;
            int major = Integer.parseInt(m.group(1));
            int minor = Integer.parseInt(m.group(2));
            preferSockets = major < 6 || (major == 6 && minor < 2);
        } else if (type.equals("microvm")) {
            machine = QemuMachine.MICROVM;
            preferSockets = false;
        } else {
            throw fail(option, arg, "jkvm supports only the machines pc (also pc-i440fx-X.Y) and microvm, not '" + type
                    + "' (see -machine help)");
        }
    }

    private QemuAction accel(String option, String arg) {
        Parsed parsed = QemuSuboptions.opts(arg, "accel");
        String accel = parsed.get("accel");
        if (accel == null || QemuSuboptions.isHelp(accel)) return QemuAction.ACCEL_HELP;
        if (!accel.equals("kvm")) throw fail(option, arg, "jkvm always uses KVM: only -accel kvm");
        for (Pair p : parsed.pairs()) {
            if (!p.key().equals("accel") && !p.key().equals("id")) {
                throw fail(option, arg, "accelerator property '" + p.key() + "' is not supported by jkvm");
            }
        }
        accelOption = true;
        return null;
    }

    private static String cpu(String option, String arg) {
        int comma = arg.indexOf(',');
        String model = comma < 0 ? arg : arg.substring(0, comma);
        if (!model.equals("host") && !model.equals("max")) {
            throw fail(option, arg, "jkvm supports only -cpu host or max (the host CPU passed through by KVM)");
        }
        if (comma >= 0 && comma < arg.length() - 1) {
            throw fail(option, arg, "jkvm takes no CPU features or properties: -cpu " + model
                    + " is the host CPU as KVM passes it through");
        }
        return model;
    }

    private void memory(String option, String arg) {
        Parsed parsed = QemuSuboptions.opts(arg, "size");
        String size = null;
        for (Pair p : parsed.pairs()) {
            switch (p.key()) {
                case "size" -> size = p.value();
                case "slots", "maxmem" -> throw fail(option, arg,
                        "not supported by jkvm (no memory hotplug: give only the size, -m SIZE)");
                default -> throw fail(option, arg, "Invalid parameter '" + p.key() + "'");
            }
        }
        if (size == null) return;
        long bytes;
        try {
            bytes = QemuNumbers.size(size, 1);
            // vl.c parse_memory_options: a size ending in a digit is in MiB.
            char last = size.charAt(size.length() - 1);
            if (last >= '0' && last <= '9') bytes = Math.multiplyExact(bytes, QemuNumbers.MIB);
        } catch (NumberFormatException e) {
            throw fail(option, arg, "Parameter 'size' expects a non-negative number below 2^64"
                    + " (optional suffix k, M, G, T, P or E)");
        } catch (ArithmeticException e) {
            throw fail(option, arg, "Value '" + size + "' is out of range for parameter 'size'");
        }
        if (bytes == 0) throw fail(option, arg, "memory size must be greater than zero");
        if (bytes > Long.MAX_VALUE - 8191) throw fail(option, arg, "Value '" + size + "' is out of range for parameter 'size'");
        bytes = (bytes + 8191) & ~8191L;  // machine_set_mem: QEMU_ALIGN_UP(size, 8192)
        if (bytes < QemuNumbers.MIB) throw fail(option, arg, "jkvm needs at least 1M of guest RAM");
        memory = bytes;
    }

    private void smp(String option, String arg) {
        Parsed parsed = keyval(option, arg, "cpus");
        if (parsed.help()) {
            throw fail(option, arg, "jkvm-qemu has no -smp help: -smp takes cpus, sockets, dies, clusters, cores,"
                    + " threads and maxcpus");
        }
        for (Pair p : parsed.pairs()) {
            if (!QemuSmp.KEYS.contains(p.key())) throw fail(option, arg, "Parameter 'smp." + p.key() + "' is unexpected");
            long v;
            try {
                v = QemuNumbers.unsigned(p.value());
            } catch (NumberFormatException e) {
                throw fail(option, arg, "Parameter 'smp." + p.key() + "' expects integer");
            } catch (ArithmeticException e) {
                v = -1;
            }
            // QEMU 7.2 truncates values from 2^32 on to 32 bits without a word; jkvm refuses them.
            if (v < 0 || v > 0xffff_ffffL) throw fail(option, arg, "Parameter 'smp." + p.key() + "' expects uint32_t");
            if (v == 0) {
                throw fail(option, arg, "Invalid CPU topology: CPU topology parameters must be greater than zero");
            }
            smpConfig.put(p.key(), v);
        }
        smpLocation = option + " " + arg;
    }

    private void serial(String option, String arg) {
        serialGiven = true;
        SerialBackend backend;
        if (arg.equals("none")) {
            backend = SerialBackend.NONE;  // QEMU 7.2 keeps the slot: the next -serial is COM2
        } else if (arg.equals("stdio")) {
            if (serials.contains(SerialBackend.STDIO)) {
                throw fail(option, arg, "cannot use stdio by multiple character devices");
            }
            backend = SerialBackend.STDIO;
            serialStdioOption = option;
        } else if (arg.equals("null")) {
            backend = SerialBackend.NULL;
        } else if (arg.startsWith("file:")) {
            String path = arg.substring("file:".length());
            if (path.isEmpty()) throw fail(option, arg, "give a file name after file:");
            backend = new SerialBackend.File(path);
        } else if (arg.startsWith("mon:")) {
            throw fail(option, arg, "not supported by jkvm (jkvm has no monitor to multiplex: use -serial "
                    + arg.substring(4) + ")");
        } else {
            throw fail(option, arg, "not supported by jkvm (its serial backends are stdio, file:PATH, null and none)");
        }
        if (serials.size() == MAX_SERIALS) {
            throw fail(option, arg, "jkvm has two serial ports (COM1, COM2): at most two -serial");
        }
        serials.add(backend);
    }

    /** {@code -chardev}: only the stdio backend (chardev/char.c qemu_chr_new_from_opts, char-stdio.c). */
    private void chardev(String option, String arg) {
        Parsed parsed = QemuSuboptions.opts(arg, "backend");
        String backend = parsed.get("backend");
        if (backend != null && QemuSuboptions.isHelp(backend)) {
            chardevHelp = true;
            return;
        }
        // QemuOpts checks the id as it creates the options; char.c then wants an id, a backend, and the
        // backend's own options.
        String id = parsed.get("id");
        if (id != null && !ID.matcher(id).matches()) throw fail(option, arg, "Parameter 'id' expects an identifier");
        if (id == null) throw fail(option, arg, "chardev: no id specified");
        if (backend == null) throw fail(option, arg, "chardev: \"" + id + "\" missing backend");
        if (!backend.equals("stdio")) {
            if (CHARDEV_BACKENDS.contains(backend)) {
                throw fail(option, arg, "not supported by jkvm (jkvm's -chardev backend is stdio)");
            }
            throw fail(option, arg, "'" + backend + "' is not a valid char driver name");
        }
        boolean signal = true;
        for (Pair p : parsed.pairs()) {
            switch (p.key()) {
                case "backend", "id" -> { }
                case "signal" -> signal = QemuDriveParser.bool(option, arg, "signal", p.value());
                case "mux" -> {
                    if (QemuDriveParser.bool(option, arg, "mux", p.value())) {
                        throw fail(option, arg, "not supported by jkvm (mux=on: jkvm connects stdio to one virtconsole)");
                    }
                }
                case "logfile", "logappend" -> throw fail(option, arg, "not supported by jkvm (chardev option '" + p.key()
                        + "': -chardev stdio takes id, signal and mux=off)");
                default -> throw fail(option, arg, "Invalid parameter '" + p.key() + "'");
            }
        }
        if (chardev != null && chardev.id().equals(id)) throw fail(option, arg, "Duplicate ID '" + id + "' for chardev");
        if (chardev != null) throw fail(option, arg, "cannot use stdio by multiple character devices");
        chardev = new QemuChardev(id, signal);
    }

    private void name(String option, String arg) {
        Parsed parsed = QemuSuboptions.opts(arg, "guest");
        for (Pair p : parsed.pairs()) {
            switch (p.key()) {
                case "guest" -> name = p.value();
                case "debug-threads" -> {
                    // Names QEMU's host threads for debugging: nothing the guest sees; jkvm names its own threads.
                    if (!Set.of("on", "yes", "true", "y", "off", "no", "false", "n").contains(p.value())) {
                        throw fail(option, arg, "Parameter 'debug-threads' expects 'on' or 'off'");
                    }
                }
                case "process" -> throw fail(option, arg, "not supported by jkvm (it does not rename its process:"
                        + " -name takes the guest name and debug-threads)");
                default -> throw fail(option, arg, "Invalid parameter '" + p.key() + "'");
            }
        }
    }

    private void fwCfg(String option, String arg) {
        Parsed parsed = QemuSuboptions.opts(arg, "name");
        for (Pair p : parsed.pairs()) {
            if (!Set.of("name", "file", "string", "gen_id", "id").contains(p.key())) {
                throw fail(option, arg, "Invalid parameter '" + p.key() + "'");
            }
        }
        String itemName = parsed.get("name");
        String file = parsed.get("file");
        String string = parsed.get("string");
        String genId = parsed.get("gen_id");
        boolean hasFile = file != null && !file.isEmpty();
        boolean hasString = string != null && !string.isEmpty();
        boolean hasGenId = genId != null && !genId.isEmpty();
        if (itemName == null || itemName.isEmpty() || (hasFile ? 1 : 0) + (hasString ? 1 : 0) + (hasGenId ? 1 : 0) != 1) {
            throw fail(option, arg, "name, plus exactly one of file, string and gen_id, are needed");
        }
        if (itemName.length() > FwCfgItem.MAX_NAME) {
            throw fail(option, arg, "name too long (max. " + FwCfgItem.MAX_NAME + " char)");
        }
        if (hasGenId) throw fail(option, arg, "not supported by jkvm (gen_id needs -object, which jkvm does not have)");
        for (FwCfgItem item : fwCfg) {
            if (item.name().equals(itemName)) throw fail(option, arg, "duplicate fw_cfg file name: " + itemName);
        }
        if (!itemName.startsWith("opt/")) {
            warnings.add(option + " " + arg + ": warning: externally provided fw_cfg item names should be prefixed"
                    + " with \"opt/\"");
        }
        fwCfg.add(hasFile ? FwCfgItem.ofFile(itemName, file) : FwCfgItem.ofString(itemName, string));
    }

    private void global(String option, String arg) {
        String driver;
        String property;
        String value;
        // qdev-monitor.c qemu_global_option: "%63[^.=].%63[^=]%n" then '=', else QemuOpts driver=,property=,value=.
        int dot = indexOfAny(arg, ".=");
        int eq = dot < 0 ? -1 : arg.indexOf('=', dot + 1);
        if (dot > 0 && arg.charAt(dot) == '.' && eq > dot + 1) {
            driver = arg.substring(0, dot);
            property = arg.substring(dot + 1, eq);
            value = arg.substring(eq + 1);
        } else {
            Parsed parsed = QemuSuboptions.opts(arg, null);
            for (Pair p : parsed.pairs()) {
                if (!Set.of("driver", "property", "value").contains(p.key())) {
                    throw fail(option, arg, "Invalid parameter '" + p.key() + "'");
                }
            }
            driver = parsed.get("driver");
            property = parsed.get("property");
            value = parsed.get("value");
            if (driver == null || property == null || value == null) {
                throw fail(option, arg, "options 'driver', 'property', and 'value' are required");
            }
        }
        if (!driver.equals("kvm-pit") || !property.equals("lost_tick_policy")) {
            throw fail(option, arg, "not supported by jkvm (it takes only -global kvm-pit.lost_tick_policy=delay|discard)");
        }
        switch (value) {
            case "delay", "discard" -> pitLostTickPolicy = value;
            case "slew" -> throw fail(option, arg, "Lost tick policy not supported (kvm-pit takes delay or discard)");
            default -> throw fail(option, arg, "Parameter 'lost_tick_policy' does not accept value '" + value + "'");
        }
    }

    private static int indexOfAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) return i;
        }
        return -1;
    }

    private static Parsed keyval(String option, String arg, String impliedKey) {
        try {
            return QemuSuboptions.keyval(arg, impliedKey);
        } catch (IllegalArgumentException e) {
            throw fail(option, arg, e.getMessage());
        }
    }

    private static QemuUsageException fail(String option, String reason) {
        return QemuUsageException.at(option, reason);
    }

    private static QemuUsageException fail(String option, String arg, String reason) {
        return QemuUsageException.at(option, arg, reason);
    }
}
