package io.jkvm.qemu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Everything jkvm-qemu refuses: one line, naming the option, with QEMU's wording where QEMU refuses too. */
class QemuRefusalTest {
    /** The message for {@code -kernel vmlinuz} followed by {@code args}; asserts it is one line. */
    private static String refusal(List<String> args) {
        List<String> all = new ArrayList<>(List.of("-kernel", "vmlinuz"));
        all.addAll(args);
        QemuUsageException e = assertThrows(QemuUsageException.class, () -> QemuCommandLine.parse(all));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertFalse(e.getMessage().contains("\r"), e.getMessage());
        return e.getMessage();
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                // options
                arguments(List.of("-foo"), "-foo: invalid option"),
                arguments(List.of("--foo"), "--foo: invalid option"),
                arguments(List.of("-m=256"), "-m=256: invalid option"),
                arguments(List.of("--m=256"), "--m=256: invalid option"),
                arguments(List.of("-"), "-: invalid option"),
                arguments(List.of("--"), "--: invalid option"),
                arguments(List.of("---m", "1"), "---m: invalid option"),
                arguments(List.of("-Kernel", "k"), "-Kernel: invalid option"),
                arguments(List.of("-m"), "-m: requires an argument"),
                arguments(List.of("-device"), "-device: requires an argument"),
                arguments(List.of("-append"), "-append: requires an argument"),
                arguments(List.of("disk.img"), "disk.img: not supported by jkvm (QEMU takes an argument that is not an option as an IDE disk image: use -drive file=PATH,if=virtio,format=raw)"),
                arguments(List.of(""), "'': not supported by jkvm (QEMU takes an argument that is not an option as an IDE disk image: use -drive file=PATH,if=virtio,format=raw)"),
                arguments(List.of("-S"), "-S: jkvm starts the guest at once; -S (start stopped) needs a monitor, which jkvm does not have"),
                arguments(List.of("-hda", "x.img"), "-hda: not supported by jkvm (jkvm's disks are -drive if=virtio or if=none)"),
                arguments(List.of("-cdrom", "x.iso"), "-cdrom: not supported by jkvm (jkvm's disks are -drive if=virtio or if=none)"),
                arguments(List.of("-netdev", "user,id=n"), "-netdev: not supported by jkvm (jkvm has no network devices)"),
                arguments(List.of("-qmp", "stdio"), "-qmp: not supported by jkvm (jkvm has no monitor)"),
                arguments(List.of("-gdb", "tcp::1234"), "-gdb: not supported by jkvm (jkvm has no gdb stub)"),
                arguments(List.of("-s"), "-s: not supported by jkvm (jkvm has no gdb stub)"),
                arguments(List.of("-d", "int"), "-d: not supported by jkvm (jkvm has no QEMU log)"),
                arguments(List.of("-daemonize"), "-daemonize: not supported by jkvm (jkvm always runs in the foreground)"),
                arguments(List.of("-bios", "x.bin"), "-bios: not supported by jkvm (jkvm has no firmware: it boots the -kernel image directly)"),
                arguments(List.of("-snapshot"), "-snapshot: not supported by jkvm (jkvm's disks are -drive if=virtio or if=none)"),
                arguments(List.of("-overcommit", "mem-lock=on"), "-overcommit: not supported by jkvm"),
                arguments(List.of("--object", "x"), "--object: not supported by jkvm (jkvm has no user-creatable objects)"),
                // -cpu
                arguments(List.of("-cpu", "qemu64"), "-cpu qemu64: jkvm supports only -cpu host or max (the host CPU passed through by KVM)"),
                arguments(List.of("-cpu", "Host"), "-cpu Host: jkvm supports only -cpu host or max (the host CPU passed through by KVM)"),
                arguments(List.of("--cpu", "qemu64,+x2apic"), "--cpu qemu64,+x2apic: jkvm supports only -cpu host or max (the host CPU passed through by KVM)"),
                arguments(List.of("-cpu", "host,+x2apic"), "-cpu host,+x2apic: jkvm takes no CPU features or properties: -cpu host is the host CPU as KVM passes it through"),
                arguments(List.of("-cpu", "max,migratable=off"), "-cpu max,migratable=off: jkvm takes no CPU features or properties: -cpu max is the host CPU as KVM passes it through"),
                arguments(List.of("-cpu", "host", "-cpu", "qemu64"), "-cpu qemu64: jkvm supports only -cpu host or max (the host CPU passed through by KVM)"),
                // -machine, -accel
                arguments(List.of("-machine", "q35"), "-machine q35: jkvm supports only the machines pc (also pc-i440fx-X.Y) and microvm, not 'q35' (see -machine help)"),
                arguments(List.of("-M", "pc-q35-7.2"), "-M pc-q35-7.2: jkvm supports only the machines pc (also pc-i440fx-X.Y) and microvm, not 'pc-q35-7.2' (see -machine help)"),
                arguments(List.of("-M", "isapc"), "-M isapc: jkvm supports only the machines pc (also pc-i440fx-X.Y) and microvm, not 'isapc' (see -machine help)"),
                arguments(List.of("-machine", "pc,usb=off"), "-machine pc,usb=off: machine property 'usb' is not supported by jkvm (it takes only the type and accel=kvm)"),
                arguments(List.of("-machine", "pc,kernel_irqchip=on"), "-machine pc,kernel_irqchip=on: machine property 'kernel_irqchip' is not supported by jkvm (it takes only the type and accel=kvm)"),
                arguments(List.of("-machine", "pc,usb"), "-machine pc,usb: Expected '=' after parameter 'usb'"),
                arguments(List.of("-machine", "accel=tcg"), "-machine accel=tcg: jkvm always uses KVM: give accel=kvm or leave accel out"),
                arguments(List.of("-machine", "accel=tcg:kvm"), "-machine accel=tcg:kvm: jkvm always uses KVM: give accel=kvm or leave accel out"),
                arguments(List.of("-machine", "accel="), "-machine accel=: jkvm always uses KVM: give accel=kvm or leave accel out"),
                arguments(List.of("-accel", "tcg"), "-accel tcg: jkvm always uses KVM: only -accel kvm"),
                arguments(List.of("-accel", "kvm", "-accel", "tcg"), "-accel tcg: jkvm always uses KVM: only -accel kvm"),
                arguments(List.of("-accel", "kvm,kernel-irqchip=split"), "-accel kvm,kernel-irqchip=split: accelerator property 'kernel-irqchip' is not supported by jkvm"),
                arguments(List.of("-accel", "kvm", "-machine", "accel=kvm"), "The -accel and \"-machine accel=\" options are incompatible"),
                arguments(List.of("-enable-kvm", "-accel", "kvm"), "The -accel and \"-machine accel=\" options are incompatible"),
                // -m
                arguments(List.of("-m", "0"), "-m 0: memory size must be greater than zero"),
                arguments(List.of("-m", "size=0M"), "-m size=0M: memory size must be greater than zero"),
                arguments(List.of("-m", "512K"), "-m 512K: jkvm needs at least 1M of guest RAM"),
                arguments(List.of("-m", "1.5"), "-m 1.5: Parameter 'size' expects a non-negative number below 2^64 (optional suffix k, M, G, T, P or E)"),
                arguments(List.of("-m", "12Q"), "-m 12Q: Parameter 'size' expects a non-negative number below 2^64 (optional suffix k, M, G, T, P or E)"),
                arguments(List.of("-m", "-1"), "-m -1: Parameter 'size' expects a non-negative number below 2^64 (optional suffix k, M, G, T, P or E)"),
                arguments(List.of("-m", "0x10M"), "-m 0x10M: Parameter 'size' expects a non-negative number below 2^64 (optional suffix k, M, G, T, P or E)"),
                arguments(List.of("-m", "99999999999999"), "-m 99999999999999: Value '99999999999999' is out of range for parameter 'size'"),
                arguments(List.of("-m", "16E"), "-m 16E: Value '16E' is out of range for parameter 'size'"),
                arguments(List.of("-m", "256,slots=2"), "-m 256,slots=2: not supported by jkvm (no memory hotplug: give only the size, -m SIZE)"),
                arguments(List.of("-m", "256,maxmem=1G"), "-m 256,maxmem=1G: not supported by jkvm (no memory hotplug: give only the size, -m SIZE)"),
                arguments(List.of("-m", "256,foo=1"), "-m 256,foo=1: Invalid parameter 'foo'"),
                arguments(List.of("-m", "256,id=x"), "-m 256,id=x: Invalid parameter 'id'"),
                // -smp
                arguments(List.of("-smp", "0"), "-smp 0: Invalid CPU topology: CPU topology parameters must be greater than zero"),
                arguments(List.of("-smp", "4,cores=0"), "-smp 4,cores=0: Invalid CPU topology: CPU topology parameters must be greater than zero"),
                arguments(List.of("-smp", "foo"), "-smp foo: Parameter 'smp.cpus' expects integer"),
                arguments(List.of("-smp", "08"), "-smp 08: Parameter 'smp.cpus' expects integer"),
                arguments(List.of("-smp", "-1"), "-smp -1: Parameter 'smp.cpus' expects integer"),
                arguments(List.of("-smp", "4294967296"), "-smp 4294967296: Parameter 'smp.cpus' expects uint32_t"),
                arguments(List.of("-smp", "4,threads=99999999999999999999"), "-smp 4,threads=99999999999999999999: Parameter 'smp.threads' expects uint32_t"),
                arguments(List.of("-smp", "4,books=2"), "-smp 4,books=2: Parameter 'smp.books' is unexpected"),
                arguments(List.of("-smp", "4,sockets"), "-smp 4,sockets: Expected '=' after parameter 'sockets'"),
                arguments(List.of("-smp", "help"), "-smp help: jkvm-qemu has no -smp help: -smp takes cpus, sockets, dies, clusters, cores, threads and maxcpus"),
                arguments(List.of("-smp", "4,sockets=3"), "-smp 4,sockets=3: Invalid CPU topology: product of the hierarchy must match maxcpus: sockets (3) * dies (1) * cores (1) * threads (1) != maxcpus (4)"),
                arguments(List.of("-smp", "4,maxcpus=2"), "-smp 4,maxcpus=2: Invalid CPU topology: maxcpus must be equal to or greater than smp: sockets (1) * dies (1) * cores (2) * threads (1) == maxcpus (2) < smp_cpus (4)"),
                arguments(List.of("-smp", "256"), "-smp 256: Invalid SMP CPUs 256. The max CPUs supported by machine 'pc-i440fx-7.2' is 255"),
                arguments(List.of("-smp", "4,dies=2", "-M", "microvm"), "-smp 4,dies=2: dies not supported by this machine's CPU topology"),
                arguments(List.of("-smp", "4,clusters=2"), "-smp 4,clusters=2: clusters not supported by this machine's CPU topology"),
                arguments(List.of("-smp", "2", "-smp", "sockets=3"), "-smp sockets=3: Invalid CPU topology: product of the hierarchy must match maxcpus: sockets (3) * dies (1) * cores (0) * threads (1) != maxcpus (2)"),
                // -serial, display, monitor and friends
                arguments(List.of("-serial", "mon:stdio"), "-serial mon:stdio: not supported by jkvm (jkvm has no monitor to multiplex: use -serial stdio)"),
                arguments(List.of("-serial", "pty"), "-serial pty: not supported by jkvm (its serial backends are stdio, file:PATH, null and none)"),
                arguments(List.of("-serial", "tcp::4444,server,nowait"), "-serial tcp::4444,server,nowait: not supported by jkvm (its serial backends are stdio, file:PATH, null and none)"),
                arguments(List.of("-serial", "vc"), "-serial vc: not supported by jkvm (its serial backends are stdio, file:PATH, null and none)"),
                arguments(List.of("-serial", "/dev/ttyS0"), "-serial /dev/ttyS0: not supported by jkvm (its serial backends are stdio, file:PATH, null and none)"),
                arguments(List.of("-serial", "chardev:c0"), "-serial chardev:c0: not supported by jkvm (its serial backends are stdio, file:PATH, null and none)"),
                arguments(List.of("-serial", "file:"), "-serial file:: give a file name after file:"),
                arguments(List.of("-serial", "null", "-serial", "null", "-serial", "stdio"), "-serial stdio: jkvm has two serial ports (COM1, COM2): at most two -serial"),
                arguments(List.of("-serial", "none", "-serial", "none", "-serial", "none"), "-serial none: jkvm has two serial ports (COM1, COM2): at most two -serial"),
                arguments(List.of("-serial", "stdio", "-serial", "stdio"), "-serial stdio: cannot use stdio by multiple character devices"),
                arguments(List.of("-nographic", "-serial", "stdio"), "-serial stdio: cannot use stdio by multiple character devices (-nographic puts QEMU's monitor on stdio: add -monitor none or -nodefaults)"),
                arguments(List.of("-display", "gtk"), "-display gtk: jkvm has no display: only -display none"),
                arguments(List.of("-display", "none,gl=off"), "-display none,gl=off: jkvm has no display: only -display none"),
                arguments(List.of("-monitor", "stdio"), "-monitor stdio: not supported by jkvm (jkvm has no monitor: only -monitor none)"),
                arguments(List.of("-vga", "std"), "-vga std: not supported by jkvm (jkvm has no display adapter: only -vga none)"),
                arguments(List.of("-vnc", ":0"), "-vnc :0: not supported by jkvm (jkvm has no display: only -vnc none)"),
                arguments(List.of("-parallel", "stdio"), "-parallel stdio: not supported by jkvm (jkvm has no parallel port: only -parallel none)"),
                arguments(List.of("-net", "nic"), "-net nic: not supported by jkvm (jkvm has no network devices: only -net none)"),
                arguments(List.of("-nic", "user"), "-nic user: not supported by jkvm (jkvm has no network devices: only -nic none)"),
                arguments(List.of("-name", "g,process=qemu"), "-name g,process=qemu: not supported by jkvm (it does not rename its process: -name takes the guest name and debug-threads)"),
                arguments(List.of("-name", "g,debug-threads=maybe"), "-name g,debug-threads=maybe: Parameter 'debug-threads' expects 'on' or 'off'"),
                arguments(List.of("-name", "g,foo=1"), "-name g,foo=1: Invalid parameter 'foo'"),
                // -device
                arguments(List.of("-device", "virtio-net-pci"), "-device virtio-net-pci: 'virtio-net-pci' is not a jkvm device (jkvm has isa-debug-exit, pc-testdev, pci-testdev, virtio-blk-pci, virtio-blk-device, virtio-rng-pci, virtio-rng-device, virtio-serial-pci, virtio-serial-device and virtconsole; see -device help)"),
                arguments(List.of("-device", "isa-serial,chardev=c"), "-device isa-serial,chardev=c: 'isa-serial' is not a jkvm device (jkvm has isa-debug-exit, pc-testdev, pci-testdev, virtio-blk-pci, virtio-blk-device, virtio-rng-pci, virtio-rng-device, virtio-serial-pci, virtio-serial-device and virtconsole; see -device help)"),
                arguments(List.of("-device", "foo,help"), "-device foo,help: 'foo' is not a jkvm device (jkvm has isa-debug-exit, pc-testdev, pci-testdev, virtio-blk-pci, virtio-blk-device, virtio-rng-pci, virtio-rng-device, virtio-serial-pci, virtio-serial-device and virtconsole; see -device help)"),
                arguments(List.of("-device", "iobase=1"), "-device iobase=1: Parameter 'driver' is missing"),
                arguments(List.of("-device", "{\"driver\":\"pc-testdev\"}"), "-device {\"driver\":\"pc-testdev\"}: not supported by jkvm (JSON -device)"),
                arguments(List.of("-device", "isa-debug-exit,foo=1"), "-device isa-debug-exit,foo=1: Property 'isa-debug-exit.foo' not found"),
                arguments(List.of("-device", "isa-debug-exit,iobase=xyz"), "-device isa-debug-exit,iobase=xyz: Parameter 'iobase' expects integer"),
                arguments(List.of("-device", "isa-debug-exit,iobase=08"), "-device isa-debug-exit,iobase=08: Parameter 'iobase' expects integer"),
                arguments(List.of("-device", "isa-debug-exit,iobase"), "-device isa-debug-exit,iobase: Parameter 'iobase' expects integer"),
                arguments(List.of("-device", "isa-debug-exit,iobase=-1"), "-device isa-debug-exit,iobase=-1: Parameter 'iobase' expects uint32_t"),
                arguments(List.of("-device", "isa-debug-exit,iosize=0x100000000"), "-device isa-debug-exit,iosize=0x100000000: Parameter 'iosize' expects uint32_t"),
                arguments(List.of("-device", "isa-debug-exit,iobase=0x10000"), "-device isa-debug-exit,iobase=0x10000: iobase 0x10000 is not an I/O port (0 to 0xffff)"),
                arguments(List.of("-device", "isa-debug-exit,iobase=0xfffe,iosize=4"), "-device isa-debug-exit,iobase=0xfffe,iosize=4: iosize 0x4 does not fit: the ports must lie in 0 to 0xffff"),
                arguments(List.of("-device", "isa-debug-exit,iosize=0"), "-device isa-debug-exit,iosize=0: iosize 0x0 does not fit: the ports must lie in 0 to 0xffff"),
                arguments(List.of("-device", "pc-testdev,x=1"), "-device pc-testdev,x=1: Property 'pc-testdev.x' not found"),
                arguments(List.of("-device", "pci-testdev,membar=4K"), "-device pci-testdev,membar=4K: property 'membar' is not supported by jkvm (pci-testdev takes only addr)"),
                arguments(List.of("-device", "pci-testdev,bus=pci.0"), "-device pci-testdev,bus=pci.0: property 'bus' is not supported by jkvm (pci-testdev takes only addr)"),
                arguments(List.of("-device", "pci-testdev,foo=1"), "-device pci-testdev,foo=1: Property 'pci-testdev.foo' not found"),
                arguments(List.of("-device", "pci-testdev,addr=0x20"), "-device pci-testdev,addr=0x20: Property 'pci-testdev.addr' doesn't take value '0x20'"),
                arguments(List.of("-device", "pci-testdev,addr=3.8"), "-device pci-testdev,addr=3.8: Property 'pci-testdev.addr' doesn't take value '3.8'"),
                arguments(List.of("-device", "pci-testdev,addr=3x"), "-device pci-testdev,addr=3x: Property 'pci-testdev.addr' doesn't take value '3x'"),
                arguments(List.of("-device", "pc-testdev,id=1x"), "-device pc-testdev,id=1x: Parameter 'id' expects an identifier"),
                arguments(List.of("-device", "pc-testdev,id=t", "-device", "pci-testdev,id=t"), "-device pci-testdev,id=t: Duplicate ID 't' for device"),
                // -fw_cfg
                arguments(List.of("-fw_cfg", "opt/a"), "-fw_cfg opt/a: name, plus exactly one of file, string and gen_id, are needed"),
                arguments(List.of("-fw_cfg", "opt/a,file=f,string=s"), "-fw_cfg opt/a,file=f,string=s: name, plus exactly one of file, string and gen_id, are needed"),
                arguments(List.of("-fw_cfg", "opt/a,string="), "-fw_cfg opt/a,string=: name, plus exactly one of file, string and gen_id, are needed"),
                arguments(List.of("-fw_cfg", "file=f"), "-fw_cfg file=f: name, plus exactly one of file, string and gen_id, are needed"),
                arguments(List.of("-fw_cfg", ",string=s"), "-fw_cfg ,string=s: name, plus exactly one of file, string and gen_id, are needed"),
                arguments(List.of("-fw_cfg", "opt/" + "n".repeat(52) + ",string=x"), "-fw_cfg opt/" + "n".repeat(52) + ",string=x: name too long (max. 55 char)"),
                arguments(List.of("-fw_cfg", "opt/a,gen_id=g"), "-fw_cfg opt/a,gen_id=g: not supported by jkvm (gen_id needs -object, which jkvm does not have)"),
                arguments(List.of("-fw_cfg", "opt/a,string=x,foo=1"), "-fw_cfg opt/a,string=x,foo=1: Invalid parameter 'foo'"),
                arguments(List.of("-fw_cfg", "opt/a,string=x", "-fw_cfg", "opt/a,file=y"), "-fw_cfg opt/a,file=y: duplicate fw_cfg file name: opt/a"),
                // -global
                arguments(List.of("-global", "isa-fdc.driveA="), "-global isa-fdc.driveA=: not supported by jkvm (it takes only -global kvm-pit.lost_tick_policy=delay|discard)"),
                arguments(List.of("-global", "kvm-pit.iobase=0x40"), "-global kvm-pit.iobase=0x40: not supported by jkvm (it takes only -global kvm-pit.lost_tick_policy=delay|discard)"),
                arguments(List.of("-global", "kvm-pit.lost_tick_policy=slew"), "-global kvm-pit.lost_tick_policy=slew: Lost tick policy not supported (kvm-pit takes delay or discard)"),
                arguments(List.of("-global", "kvm-pit.lost_tick_policy=foo"), "-global kvm-pit.lost_tick_policy=foo: Parameter 'lost_tick_policy' does not accept value 'foo'"),
                arguments(List.of("-global", "driver=kvm-pit,property=lost_tick_policy"), "-global driver=kvm-pit,property=lost_tick_policy: options 'driver', 'property', and 'value' are required"),
                arguments(List.of("-global", "foo"), "-global foo: Invalid parameter 'foo'"),
                // -kernel and friends
                arguments(List.of("-kernel", ""), "-kernel: empty file name"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refused(List<String> args, String message) {
        assertEquals(message, refusal(args));
    }

    @ParameterizedTest
    @MethodSource("refusals")
    void everyRefusalStartsWithTheArgumentAtFault(List<String> args, String message) {
        if (message.startsWith("The -accel")) return;  // names both options
        String head = message.split("[ :]")[0];
        assertTrue(args.contains(head) || (head.equals("''") && args.contains("")), message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"blockdev", "hda", "hdb", "hdc", "hdd", "fda", "fdb", "cdrom", "netdev",
            "qmp", "mon", "gdb", "s", "d", "D", "daemonize", "snapshot", "bios", "boot", "usb", "usbdevice", "object", "numa",
            "icount", "rtc", "L", "pidfile", "loadvm", "incoming", "trace", "mem-path", "mem-prealloc", "no-acpi", "no-hpet",
            "no-shutdown", "action", "spice", "k", "audiodev", "tpmdev", "debugcon", "smbios", "acpitable", "uuid", "set",
            "readconfig", "add-fd", "option-rom", "virtfs", "fsdev", "pflash", "plugin", "singlestep", "dtb", "sandbox",
            "watchdog-action", "only-migratable", "preconfig", "msg", "seed", "qtest", "iscsi"})
    void realQemuOptionsAreNotSupported(String name) {
        String message = refusal(List.of("-" + name, "x"));
        assertTrue(message.startsWith("-" + name + ": not supported by jkvm"), message);
        String doubled = refusal(List.of("--" + name, "x"));
        assertTrue(doubled.startsWith("--" + name + ": not supported by jkvm"), doubled);
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "cpus", "kvm", "serial0", "no-graphic", "debug", "enable-tcg", "smp4", "netdevs", "?",
            "curses", "sdl", "alt-grab", "ctrl-grab", "soundhw", "watchdog", "balloon", "no-kvm", "tb-size", "realtime",
            "show-cursor", "no-quit", "writeconfig", "nouserconfig", "no-kvm-pit-reinjection", "enable-fips"})
    void optionsQemuDoesNotHaveEither(String name) {
        assertEquals("-" + name + ": invalid option", refusal(List.of("-" + name)));
    }

    @Test
    void appendAndInitrdNeedAKernel() {
        assertEquals("-append only allowed with -kernel option",
                assertThrows(QemuUsageException.class, () -> QemuCommandLine.parse(List.of("-append", "x"))).getMessage());
        assertEquals("-initrd only allowed with -kernel option",
                assertThrows(QemuUsageException.class, () -> QemuCommandLine.parse(List.of("-initrd", "x"))).getMessage());
        assertEquals("-initrd only allowed with -kernel option",
                assertThrows(QemuUsageException.class, () -> QemuCommandLine.parse(List.of("-initrd", ""))).getMessage());
        assertEquals("-append only allowed with -kernel option",
                assertThrows(QemuUsageException.class, () -> QemuCommandLine.parse(List.of("-append", "x", "-device", "help")))
                        .getMessage(), "checked before -device help, as QEMU");
    }

    @Test
    void aKernelIsNeeded() {
        for (List<String> args : List.of(List.<String>of(), List.of("-m", "64"), List.of("-nographic", "-serial", "stdio"))) {
            assertEquals("no -kernel given: jkvm has no firmware to boot disks with, give -kernel FILE",
                    assertThrows(QemuUsageException.class, () -> QemuCommandLine.parse(args)).getMessage());
        }
    }

    @Test
    void unknownOptionsAndMissingArgumentsComeFirst() {
        // QEMU's first pass looks up every option before any is acted on (checked with the 7.2 binary).
        assertEquals("-foo: invalid option", refusal(List.of("-foo", "-cpu", "qemu64", "-hda", "x")));
        assertEquals("-foo: invalid option", refusal(List.of("-hda", "x", "-foo")));
        assertEquals("-foo: invalid option", refusal(List.of("-version", "-foo")));
        assertEquals("-foo: invalid option", refusal(List.of("-h", "-m", "0", "-foo")));
        assertEquals("-m: requires an argument", refusal(List.of("-version", "-m")));
        assertEquals("-m: requires an argument", refusal(List.of("-cpu", "qemu64", "-m")));
        assertEquals("-hda: not supported by jkvm (jkvm's disks are -drive if=virtio or if=none)", refusal(List.of("-hda", "-version")),
                "-version is -hda's argument");
        assertEquals("-foo: invalid option", refusal(List.of("disk.img", "-foo")), "disk images are not looked at in pass 1");
    }

    @Test
    void otherwiseTheFirstProblemIsReported() {
        assertEquals("-hda: not supported by jkvm (jkvm's disks are -drive if=virtio or if=none)", refusal(List.of("-hda", "x", "-cpu", "qemu64")));
        assertEquals("-m 0: memory size must be greater than zero", refusal(List.of("-m", "0", "-hda", "x")));
        assertEquals("disk.img: not supported by jkvm (QEMU takes an argument that is not an option as an IDE disk image: use -drive file=PATH,if=virtio,format=raw)",
                refusal(List.of("disk.img", "-hda", "x")));
    }

    @Test
    void argumentsWithControlCharactersStayOnOneLine() {
        assertEquals("-cpu a\\nb: jkvm supports only -cpu host or max (the host CPU passed through by KVM)",
                refusal(List.of("-cpu", "a\nb")));
        assertEquals("-serial x\\r\\t\\x1b: not supported by jkvm (its serial backends are stdio, file:PATH, null and none)",
                refusal(List.of("-serial", "x\r\t\u001b")));
        assertEquals("a\\u2028b\\x7f", QemuUsageException.oneLine("a\u2028b\u007f"));
    }

    @Test
    void usageExceptionIsAJkvmException() {
        io.jkvm.JkvmException e = new QemuUsageException("-x: y");
        assertEquals("-x: y", e.getMessage());
    }
}
