package io.jkvm.qemu;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The option table against qemu-system-x86_64 7.2 itself: the lists below were probed from the
 * 7.2.22 binary ({@code qemu-system-x86_64 -NAME -zzz}: "-NAME: invalid option" means no such
 * option, "-zzz: invalid option" a flag, anything else an option with an argument).
 */
class QemuOptionTableTest {
    static final List<String> WITH_ARGUMENT = List.of("D", "L", "M", "accel", "acpitable", "action", "add-fd", "append",
            "audio", "audiodev", "bios", "blockdev", "boot", "cdrom", "chardev", "chroot", "compat", "cpu", "d", "debugcon",
            "device", "dfilter", "display", "drive", "dtb", "dump-vmstate", "echr", "fda", "fdb", "fsdev", "fw_cfg", "g",
            "gdb", "global", "hda", "hdb", "hdc", "hdd", "icount", "incoming", "initrd", "iscsi", "k", "kernel", "loadvm",
            "m", "machine", "mem-path", "mon", "monitor", "msg", "mtdblock", "name", "net", "netdev", "nic", "numa",
            "object", "option-rom", "overcommit", "parallel", "pflash", "pidfile", "plugin", "prom-env", "qmp",
            "qmp-pretty", "qtest", "qtest-log", "readconfig", "rotate", "rtc", "runas", "sandbox", "sd", "seed",
            "semihosting-config", "serial", "set", "smbios", "smp", "spice", "tpmdev", "trace", "usbdevice", "uuid", "vga",
            "virtfs", "vnc", "watchdog-action", "xen-domid");

    static final List<String> FLAGS = List.of("preconfig", "S", "async-teardown", "audio-help", "daemonize", "enable-kvm",
            "enable-sync-profile", "full-screen", "h", "help", "mem-prealloc", "no-acpi", "no-fd-bootchk", "no-hpet",
            "no-reboot", "no-shutdown", "no-user-config", "nodefaults", "nographic", "only-migratable", "portrait", "s",
            "singlestep", "snapshot", "usb", "version", "win2k-hack", "xen-attach", "xen-domid-restrict", "semihosting",
            "old-param");

    static final List<String> ABSENT = List.of("curses", "sdl", "alt-grab", "ctrl-grab", "soundhw", "watchdog", "perfmap",
            "jitdump", "enable-fips", "tb-size", "realtime", "show-cursor", "no-quit", "no-frame", "balloon", "no-kvm",
            "xen-create", "memory", "run-with", "mem-merge", "nouserconfig", "writeconfig", "tdf",
            "no-kvm-pit-reinjection", "rtc-td-hack", "", "-m");

    @Test
    void optionsWithAnArgument() {
        for (String n : WITH_ARGUMENT) {
            assertNotNull(QemuOptionTable.lookup(n), n);
            assertTrue(QemuOptionTable.lookup(n).hasArg(), n);
        }
    }

    @Test
    void flags() {
        for (String n : FLAGS) {
            assertNotNull(QemuOptionTable.lookup(n), n);
            assertFalse(QemuOptionTable.lookup(n).hasArg(), n);
        }
    }

    @Test
    void noOtherOptions() {
        Set<String> all = new HashSet<>(WITH_ARGUMENT);
        all.addAll(FLAGS);
        assertEquals(122, all.size());
        assertEquals(all, QemuOptionTable.names());
        for (String n : ABSENT) assertNull(QemuOptionTable.lookup(n), n);
    }

    @Test
    void supportedOptions() {
        Set<String> supported = new HashSet<>();
        for (String n : QemuOptionTable.names()) {
            if (QemuOptionTable.lookup(n).supported()) supported.add(n);
        }
        assertEquals(Set.of("machine", "M", "cpu", "accel", "smp", "m", "kernel", "initrd", "append", "serial", "display",
                "name", "monitor", "vga", "vnc", "parallel", "net", "nic", "device", "fw_cfg", "global", "h", "help",
                "version", "enable-kvm", "nographic", "nodefaults", "no-reboot", "no-user-config", "S", "drive", "chardev"), supported);
    }

    /** Every option reaches a handler: none falls through to "not supported" without a reason. */
    @Test
    void everyOptionHasAnOutcome() {
        for (String n : QemuOptionTable.names()) {
            List<String> args = QemuOptionTable.lookup(n).hasArg() ? List.of("-kernel", "k", "-" + n, "x")
                    : List.of("-kernel", "k", "-" + n);
            try {
                QemuCommandLine.parse(args);
            } catch (QemuUsageException e) {
                assertTrue(e.getMessage().startsWith("-" + n), e.getMessage());
            }
        }
    }
}
