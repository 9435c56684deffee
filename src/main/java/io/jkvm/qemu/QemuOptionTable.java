package io.jkvm.qemu;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Every option of qemu-system-x86_64 7.2 (its qemu-options.hx table, checked against the 7.2
 * binary): whether it takes an argument, and for those jkvm does not support, the reason given
 * after "not supported by jkvm". A name not here is not a QEMU option ("invalid option").
 */
final class QemuOptionTable {
    private QemuOptionTable() {}

    /** One option: whether it takes the next argv element, and why jkvm lacks it (null: jkvm has it). */
    record Info(boolean hasArg, String unsupported) {
        boolean supported() { return unsupported == null; }
    }

    private static final Map<String, Info> OPTIONS = new HashMap<>();

    private static void supported(boolean hasArg, String... names) {
        for (String n : names) OPTIONS.put(n, new Info(hasArg, null));
    }

    private static void flags(String reason, String... names) {
        for (String n : names) OPTIONS.put(n, new Info(false, reason));
    }

    private static void withArg(String reason, String... names) {
        for (String n : names) OPTIONS.put(n, new Info(true, reason));
    }

    static {
        supported(true, "machine", "M", "cpu", "accel", "smp", "m", "kernel", "initrd", "append", "serial", "display",
                "name", "monitor", "vga", "vnc", "parallel", "net", "nic", "device", "fw_cfg", "global", "drive", "chardev");
        supported(false, "h", "help", "version", "enable-kvm", "nographic", "nodefaults", "no-reboot", "no-user-config",
                "S");

        withArg("jkvm's disks are -drive if=virtio or if=none", "blockdev", "hda", "hdb", "hdc", "hdd", "fda", "fdb", "cdrom", "mtdblock",
                "sd", "pflash", "iscsi");
        flags("jkvm's disks are -drive if=virtio or if=none", "snapshot", "no-fd-bootchk");
        withArg("jkvm has no file sharing with the host", "fsdev", "virtfs");
        withArg("jkvm has no network devices", "netdev");
        withArg("jkvm has no monitor", "qmp", "qmp-pretty", "mon");
        withArg("jkvm has no gdb stub", "gdb");
        flags("jkvm has no gdb stub", "s");
        withArg("jkvm has no QEMU log", "d", "D", "dfilter");
        withArg("jkvm always runs the guest on KVM", "icount", "plugin", "xen-domid");
        flags("jkvm always runs the guest on KVM", "singlestep", "xen-attach", "xen-domid-restrict");
        withArg("jkvm has no firmware: it boots the -kernel image directly", "bios", "L", "boot", "option-rom",
                "acpitable", "smbios", "uuid", "dtb");
        flags("jkvm has no firmware: it boots the -kernel image directly", "no-acpi", "no-hpet");
        withArg("jkvm has no USB", "usbdevice");
        flags("jkvm has no USB", "usb");
        withArg("jkvm has no user-creatable objects", "object");
        withArg("jkvm has no NUMA topology", "numa");
        withArg("jkvm's guest RAM is anonymous host memory", "mem-path");
        flags("jkvm's guest RAM is anonymous host memory", "mem-prealloc");
        withArg("jkvm has no snapshots or migration", "loadvm", "incoming", "dump-vmstate");
        flags("jkvm has no snapshots or migration", "only-migratable");
        withArg("jkvm has no display", "spice", "g", "rotate", "k");
        flags("jkvm has no display", "full-screen", "portrait", "win2k-hack");
        withArg("jkvm has no sound", "audio", "audiodev");
        flags("jkvm has no sound", "audio-help");
        withArg("jkvm has no TPM", "tpmdev");
        withArg("jkvm has no debug console port", "debugcon");
        withArg("jkvm always runs in the foreground", "pidfile", "chroot", "runas");
        flags("jkvm always runs in the foreground", "daemonize", "async-teardown");
        withArg("jkvm has no QEMU trace events", "trace");
        withArg("jkvm has no run-state actions (-no-reboot is the one it has)", "action", "watchdog-action");
        flags("jkvm has no run-state actions (-no-reboot is the one it has)", "no-shutdown");
        withArg("jkvm has no real-time clock options", "rtc");
        withArg("jkvm has no option groups or configuration files", "set", "readconfig", "add-fd", "compat", "msg");
        flags("jkvm has no QMP configuration phase", "preconfig");
        withArg("jkvm has no qtest", "qtest", "qtest-log");
        withArg("", "overcommit", "seed", "sandbox", "echr", "prom-env", "semihosting-config");
        flags("", "enable-sync-profile", "semihosting", "old-param");
    }

    /** The option {@code name} (without its dashes), or null if qemu-system-x86_64 7.2 has no such option. */
    static Info lookup(String name) {
        return OPTIONS.get(name);
    }

    /** The names of all options (without dashes). */
    static Set<String> names() {
        return Set.copyOf(OPTIONS.keySet());
    }
}
