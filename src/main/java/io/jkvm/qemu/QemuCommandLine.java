package io.jkvm.qemu;

import java.util.List;
import java.util.Objects;

/**
 * A {@code qemu-system-x86_64} command line in the subset jkvm supports, as {@link #parse} reads it.
 * Only {@link #action()} {@link QemuAction#RUN} describes a guest; for the other actions (help and
 * version requests) the remaining components are defaults, except {@link #deviceHelpDriver()}.
 *
 * @param action           what to do
 * @param deviceHelpDriver for {@code -device DRIVER,help}, the driver; null for the list or no help
 * @param machine          {@code -machine}, default pc
 * @param cpu              {@code -cpu} (host or max), or null when not given (jkvm gives the host CPU either way)
 * @param memory           guest RAM in bytes, rounded up to 8 KiB as QEMU does; default 128 MiB
 * @param smp              {@code -smp}, default one vCPU
 * @param kernel           {@code -kernel}; never null for RUN
 * @param initrd           {@code -initrd} as given (for multiboot kernels a module list, see {@link #multibootModules()}),
 *                         or null when not given or empty (QEMU 7.2 boots {@code -initrd ""} without one)
 * @param append           {@code -append}, or null
 * @param serials          backends of COM1 and COM2 in order (at most two); a port beyond the list, or
 *                         {@link SerialBackend.None}, has none
 * @param stdioMux         QEMU would multiplex its monitor onto the stdio serial port ({@code -nographic}
 *                         without {@code -serial}, {@code -monitor none} or {@code -nodefaults}): QEMU then takes
 *                         Ctrl-A commands on stdin (Ctrl-A X quits)
 * @param noGraphic        {@code -nographic}
 * @param displayNone      no display: {@code -display none} or {@code -nographic}
 * @param noDefaults       {@code -nodefaults}
 * @param noReboot         {@code -no-reboot}: a guest reset ends the run
 * @param name             {@code -name}, or null
 * @param devices          the devices in the order QEMU creates them: every {@code -device} in order (a
 *                         virtconsole folded into its virtio-serial), then the virtio-blk-pci of each
 *                         {@code -drive if=virtio}; the virtio devices get their transports in this order
 * @param fwCfg            {@code -fw_cfg} items in order, names unique
 * @param pitLostTickPolicy {@code -global kvm-pit.lost_tick_policy}: "delay" (QEMU's default: KVM reinjects
 *                         missed PIT ticks) or "discard" (KVM_REINJECT_CONTROL with reinjection off)
 * @param warnings         warnings QEMU would print, each a line without the program name
 *                         (e.g. {@code -fw_cfg name=x,string=y: warning: ...})
 * @param drives           {@code -drive}s in order, each used by one virtio-blk device in {@link #devices()}
 *                         or (if=none) by none; the caller opens them all, as QEMU does
 * @param chardev          {@code -chardev stdio}, or null; when a virtconsole uses it, standard input goes to
 *                         the virtio console (no serial port can be on stdio then)
 */
public record QemuCommandLine(
        QemuAction action,
        String deviceHelpDriver,
        QemuMachine machine,
        String cpu,
        long memory,
        QemuSmp smp,
        String kernel,
        String initrd,
        String append,
        List<SerialBackend> serials,
        boolean stdioMux,
        boolean noGraphic,
        boolean displayNone,
        boolean noDefaults,
        boolean noReboot,
        String name,
        List<QemuDevice> devices,
        List<FwCfgItem> fwCfg,
        String pitLostTickPolicy,
        List<String> warnings,
        List<QemuDrive> drives,
        QemuChardev chardev) {

    /** QEMU's default guest RAM (mc->default_ram_size). */
    public static final long DEFAULT_MEMORY = 128L << 20;

    public QemuCommandLine {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(machine, "machine");
        Objects.requireNonNull(smp, "smp");
        Objects.requireNonNull(pitLostTickPolicy, "pitLostTickPolicy");
        serials = List.copyOf(serials);
        devices = List.copyOf(devices);
        fwCfg = List.copyOf(fwCfg);
        warnings = List.copyOf(warnings);
        drives = List.copyOf(drives);
    }

    /**
     * Reads {@code args} (without the program name) as qemu-system-x86_64 7.2 would, for the options
     * jkvm supports.
     *
     * @throws QemuUsageException in one line naming the option, for anything jkvm does not support
     *                            or QEMU would refuse
     */
    public static QemuCommandLine parse(List<String> args) {
        return new QemuParser(args).parse();
    }

    /** The defaults of an empty command line, with the given action (for help and version requests). */
    static QemuCommandLine defaults(QemuAction action, String deviceHelpDriver) {
        return new QemuCommandLine(action, deviceHelpDriver, QemuMachine.PC, null, DEFAULT_MEMORY, QemuSmp.DEFAULT,
                null, null, null, List.of(), false, false, false, false, false, null, List.of(), List.of(), "delay",
                List.of(), List.of(), null);
    }

    public boolean help() { return action == QemuAction.HELP; }

    public boolean version() { return action == QemuAction.VERSION; }

    public boolean machineHelp() { return action == QemuAction.MACHINE_HELP; }

    public boolean deviceHelp() { return action == QemuAction.DEVICE_HELP; }

    public boolean cpuHelp() { return action == QemuAction.CPU_HELP; }

    public boolean accelHelp() { return action == QemuAction.ACCEL_HELP; }

    /** Whether a virtconsole uses the {@code -chardev stdio}: standard input then feeds the guest's hvc0. */
    public boolean virtioConsoleOnStdio() {
        return devices.stream().anyMatch(d -> d instanceof QemuDevice.VirtioConsole);
    }

    /** The text to print for a help or version action; null for RUN. */
    public String helpText() {
        return switch (action) {
            case RUN -> null;
            case HELP -> QemuHelp.usage();
            case VERSION -> QemuHelp.version();
            case MACHINE_HELP -> QemuHelp.machineHelp();
            case ACCEL_HELP -> QemuHelp.accelHelp();
            case CPU_HELP -> QemuHelp.cpuHelp();
            case DEVICE_HELP -> QemuHelp.deviceHelp(deviceHelpDriver);
            case CHARDEV_HELP -> QemuHelp.chardevHelp();
        };
    }

    /**
     * {@code -initrd} as a multiboot module list, split as QEMU 7.2 does: at each comma,
     * {@code ,,} standing for a comma; each module is its file name, then after the first space its
     * arguments (the whole string is the module's multiboot command line). Empty without
     * {@code -initrd}; a trailing comma adds no module, a leading one an empty file name (as in
     * QEMU, which then fails to open it).
     */
    public List<String> multibootModules() {
        return initrd == null ? List.of() : splitMultibootModules(initrd);
    }

    /** {@link #multibootModules()} for any string in -initrd's syntax (jkvm run --initrd uses it too). */
    public static List<String> splitMultibootModules(String initrd) {
        return initrd.isEmpty() ? List.of() : List.copyOf(QemuSuboptions.splitList(initrd));
    }

    /** A multiboot module's file: the module string up to its first space. */
    public static String multibootModuleFile(String module) {
        int space = module.indexOf(' ');
        return space < 0 ? module : module.substring(0, space);
    }
}
