package io.jkvm.qemu;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * What jkvm-qemu refuses in -drive, -chardev and the virtio -devices: one line at the option at fault.
 * Where QEMU refuses too, the text after the location is QEMU 7.2.22's (each line below marked "qemu"
 * was run with that binary), sometimes followed by jkvm's hint in parentheses; "jkvm" marks what QEMU
 * accepts and jkvm does not.
 */
class QemuVirtioRefusalTest {
    private static final String PC = "pc";
    private static final String MICROVM = "microvm";

    private static String refusal(String machine, List<String> args) {
        List<String> all = new ArrayList<>(List.of("-kernel", "vmlinuz", "-M", machine));
        all.addAll(args);
        QemuUsageException e = assertThrows(QemuUsageException.class, () -> QemuCommandLine.parse(all));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    private static Arguments pc(String message, String... args) {
        return arguments(PC, List.of(args), message);
    }

    private static Arguments microvm(String message, String... args) {
        return arguments(MICROVM, List.of(args), message);
    }

    static Stream<Arguments> refusals() {
        String raw = "file=a.img,if=virtio,format=raw";
        return Stream.of(
                // -drive: formats (qemu refuses a format= it does not know; jkvm any but raw)
                pc("-drive file=a.img,if=virtio,format=qcow2: jkvm reads raw images only (format=qcow2): convert the image with 'qemu-img convert -O raw IN OUT' and give format=raw",
                        "-drive", "file=a.img,if=virtio,format=qcow2"),
                pc("-drive file=a.img,if=virtio,format=vmdk: jkvm reads raw images only (format=vmdk): convert the image with 'qemu-img convert -O raw IN OUT' and give format=raw",
                        "-drive", "file=a.img,if=virtio,format=vmdk"),
                pc("-drive file=a.img,if=virtio,format=help: jkvm reads raw images only (format=help): convert the image with 'qemu-img convert -O raw IN OUT' and give format=raw",
                        "-drive", "file=a.img,if=virtio,format=help"),
                pc("-drive file=a.img,if=virtio,format=foo: Unknown driver 'foo'", "-drive", "file=a.img,if=virtio,format=foo"),  // qemu
                // -drive: interfaces
                pc("-drive file=a.img,format=raw: not supported by jkvm (without if= the pc machine attaches the drive to IDE: jkvm has only if=virtio and if=none)",
                        "-drive", "file=a.img,format=raw"),
                pc("-drive file=a.img,if=ide,format=raw: not supported by jkvm (if=ide: jkvm has only if=virtio and if=none)",
                        "-drive", "file=a.img,if=ide,format=raw"),
                pc("-drive file=a.img,if=scsi,format=raw: not supported by jkvm (if=scsi: jkvm has only if=virtio and if=none)",
                        "-drive", "file=a.img,if=scsi,format=raw"),
                microvm("-drive file=a.img,if=floppy,format=raw: not supported by jkvm (if=floppy: jkvm has only if=virtio and if=none)",
                        "-drive", "file=a.img,if=floppy,format=raw"),
                pc("-drive file=a.img,if=foo,format=raw: unsupported bus type 'foo'", "-drive", "file=a.img,if=foo,format=raw"),  // qemu
                // QEMU 7.2 on x86 makes "virtio-blk" the PCI device whatever the machine (qdev_alias_table)
                microvm("-drive file=a.img,if=virtio,format=raw: No 'PCI' bus found for device 'virtio-blk-pci' (microvm has virtio-mmio: use virtio-blk-device with -drive if=none,id=ID)",
                        "-drive", raw),  // qemu
                // -drive: file, id
                pc("-drive if=virtio,format=raw: A block device must be specified for \"file\"", "-drive", "if=virtio,format=raw"),  // qemu
                pc("-drive if=virtio,format=raw,file=: A block device must be specified for \"file\"", "-drive", "if=virtio,format=raw,file="),
                pc("-drive if=none,id=x: not supported by jkvm (a drive without file=: jkvm has no removable media)", "-drive", "if=none,id=x"),
                pc("-drive file=a.img,if=none,format=raw,id=1x: Parameter 'id' expects an identifier", "-drive", "file=a.img,if=none,format=raw,id=1x"),  // qemu
                pc("-drive file=b.img,if=none,format=raw,id=x: Duplicate ID 'x' for drive",
                        "-drive", "file=a.img,if=none,format=raw,id=x", "-drive", "file=b.img,if=none,format=raw,id=x"),  // qemu
                // -drive: options
                pc("-drive " + raw + ",readonly=maybe: Parameter 'read-only' expects 'on' or 'off'", "-drive", raw + ",readonly=maybe"),  // qemu
                pc("-drive " + raw + ",cache=foo: invalid cache option", "-drive", raw + ",cache=foo"),  // qemu
                pc("-drive " + raw + ",cache=unsafe: not supported by jkvm (cache=unsafe: jkvm writes through the host page cache and flushes when the guest asks, as cache=writeback or none)",
                        "-drive", raw + ",cache=unsafe"),
                pc("-drive " + raw + ",cache=writethrough: not supported by jkvm (cache=writethrough: jkvm writes through the host page cache and flushes when the guest asks, as cache=writeback or none)",
                        "-drive", raw + ",cache=writethrough"),
                pc("-drive " + raw + ",aio=foo: invalid aio option", "-drive", raw + ",aio=foo"),  // qemu
                pc("-drive " + raw + ",aio=native: aio=native was specified, but it requires cache.direct=on, which was not specified.",
                        "-drive", raw + ",aio=native"),  // qemu
                pc("-drive " + raw + ",discard=foo: Invalid discard option", "-drive", raw + ",discard=foo"),  // qemu
                pc("-drive " + raw + ",detect-zeroes=foo: invalid parameter value: foo", "-drive", raw + ",detect-zeroes=foo"),  // qemu
                pc("-drive " + raw + ",detect-zeroes=unmap: not supported by jkvm (detect-zeroes=unmap: jkvm writes zeroes as given)",
                        "-drive", raw + ",detect-zeroes=unmap"),
                pc("-drive " + raw + ",foo=bar: Block format 'raw' does not support the option 'foo'", "-drive", raw + ",foo=bar"),  // qemu
                pc("-drive disk.img: Block format 'raw' does not support the option 'disk.img' (the image is given as file=disk.img)",
                        "-drive", "disk.img"),
                pc("-drive " + raw + ",serial=abc: not supported by jkvm (drive option 'serial': jkvm's -drive takes file, if=virtio|none, format=raw, readonly, id, cache, aio and discard)",
                        "-drive", raw + ",serial=abc"),
                pc("-drive " + raw + ",snapshot=on: not supported by jkvm (drive option 'snapshot': jkvm's -drive takes file, if=virtio|none, format=raw, readonly, id, cache, aio and discard)",
                        "-drive", raw + ",snapshot=on"),
                pc("-drive " + raw + ",media=cdrom: not supported by jkvm (drive option 'media': jkvm's -drive takes file, if=virtio|none, format=raw, readonly, id, cache, aio and discard)",
                        "-drive", raw + ",media=cdrom"),
                pc("-drive " + raw + ",throttling.bps-total=1: not supported by jkvm (drive option 'throttling.bps-total': jkvm's -drive takes file, if=virtio|none, format=raw, readonly, id, cache, aio and discard)",
                        "-drive", raw + ",throttling.bps-total=1"),
                // -drive used by devices
                pc("-device virtio-blk-pci,drive=d1: Property 'virtio-blk-device.drive' can't find value 'd1'",
                        "-drive", "if=none,id=d0,file=a.img,format=raw", "-device", "virtio-blk-pci,drive=d1"),  // qemu
                microvm("-device virtio-blk-device,drive=x: Property 'virtio-blk-device.drive' can't find value 'x'",
                        "-device", "virtio-blk-device,drive=x"),  // qemu
                pc("-device virtio-blk-pci,drive=d0: Drive 'd0' is already in use by another device",
                        "-drive", "if=none,id=d0,file=a.img,format=raw", "-device", "virtio-blk-pci,drive=d0", "-device", "virtio-blk-pci,drive=d0"),  // qemu
                pc("-drive file=a.img,format=raw,id=x,if=virtio: Drive 'x' is already in use because it has been automatically connected to another device (did you need 'if=none' in the drive options?)",
                        "-drive", "file=a.img,format=raw,id=x,if=virtio", "-device", "virtio-blk-pci,drive=x"),  // qemu
                pc("-device virtio-blk-pci: drive property not set", "-device", "virtio-blk-pci"),  // qemu
                // transports
                microvm("-device virtio-blk-pci,drive=d0: No 'PCI' bus found for device 'virtio-blk-pci' (microvm has virtio-mmio: use virtio-blk-device with -drive if=none,id=ID)",
                        "-drive", "if=none,id=d0,file=a.img,format=raw", "-device", "virtio-blk-pci,drive=d0"),  // qemu
                pc("-device virtio-blk-device,drive=d0: No 'virtio-bus' bus found for device 'virtio-blk-device' (the pc machine has virtio-pci: use virtio-blk-pci)",
                        "-drive", "if=none,id=d0,file=a.img,format=raw", "-device", "virtio-blk-device,drive=d0"),  // qemu
                microvm("-device virtio-rng-pci: No 'PCI' bus found for device 'virtio-rng-pci' (microvm has virtio-mmio: use virtio-rng-device)",
                        "-device", "virtio-rng-pci"),  // qemu
                microvm("-device virtio-rng: No 'PCI' bus found for device 'virtio-rng-pci' (microvm has virtio-mmio: use virtio-rng-device)",
                        "-device", "virtio-rng"),
                pc("-device virtio-rng-device: No 'virtio-bus' bus found for device 'virtio-rng-device' (the pc machine has virtio-pci: use virtio-rng-pci)",
                        "-device", "virtio-rng-device"),  // qemu
                microvm("-device virtio-serial-pci: No 'PCI' bus found for device 'virtio-serial-pci' (microvm has virtio-mmio: use virtio-serial-device)",
                        "-chardev", "stdio,id=c0", "-device", "virtio-serial-pci", "-device", "virtconsole,chardev=c0"),  // qemu
                pc("-device virtio-serial-device: No 'virtio-bus' bus found for device 'virtio-serial-device' (the pc machine has virtio-pci: use virtio-serial-pci)",
                        "-chardev", "stdio,id=c0", "-device", "virtio-serial-device"),  // qemu
                // virtio-blk properties
                pc("-device virtio-blk-pci,foo=1: Property 'virtio-blk-pci.foo' not found", "-device", "virtio-blk-pci,foo=1"),  // qemu
                pc("-device virtio-blk-pci,drive=d,num-queues=2: property 'num-queues' is not supported by jkvm (virtio-blk-pci takes only drive and serial)",
                        "-device", "virtio-blk-pci,drive=d,num-queues=2"),
                pc("-device virtio-blk-pci,drive=d,addr=5: property 'addr' is not supported by jkvm (virtio-blk-pci takes only drive and serial)",
                        "-device", "virtio-blk-pci,drive=d,addr=5"),
                microvm("-device virtio-blk-device,drive=d,addr=5: Property 'virtio-blk-device.addr' not found", "-device", "virtio-blk-device,drive=d,addr=5"),
                // virtio-rng properties
                pc("-device virtio-rng-pci,period=0: 'period' parameter expects a positive integer", "-device", "virtio-rng-pci,period=0"),  // qemu
                pc("-device virtio-rng-pci,period=-1: Parameter 'period' expects uint32_t", "-device", "virtio-rng-pci,period=-1"),  // qemu
                pc("-device virtio-rng-pci,period=4294967296: Parameter 'period' expects uint32_t", "-device", "virtio-rng-pci,period=4294967296"),  // qemu
                pc("-device virtio-rng-pci,max-bytes=-1: 'max-bytes' parameter must be non-negative, and less than 2^63", "-device", "virtio-rng-pci,max-bytes=-1"),  // qemu
                pc("-device virtio-rng-pci,max-bytes=9223372036854775808: 'max-bytes' parameter must be non-negative, and less than 2^63",
                        "-device", "virtio-rng-pci,max-bytes=9223372036854775808"),  // qemu
                pc("-device virtio-rng-pci,max-bytes=abc: Parameter 'max-bytes' expects integer", "-device", "virtio-rng-pci,max-bytes=abc"),  // qemu
                pc("-device virtio-rng-pci,max-bytes=1k: Parameter 'max-bytes' expects integer", "-device", "virtio-rng-pci,max-bytes=1k"),  // qemu
                pc("-device virtio-rng-pci,max-bytes=0: not supported by jkvm (max-bytes=0 lets no entropy through: give at least 1)",
                        "-device", "virtio-rng-pci,max-bytes=0"),
                pc("-device virtio-rng-pci,rng=r0: property 'rng' is not supported by jkvm (it needs -object rng-random; jkvm's virtio-rng reads the host's /dev/urandom)",
                        "-device", "virtio-rng-pci,rng=r0"),
                pc("-device virtio-rng-pci,foo=1: Property 'virtio-rng-pci.foo' not found", "-device", "virtio-rng-pci,foo=1"),  // qemu
                pc("-device virtio-rng-pci,id=r: Duplicate ID 'r' for device", "-device", "virtio-rng-pci,id=r", "-device", "virtio-rng-pci,id=r"),  // qemu
                // virtio-serial and virtconsole
                pc("-device virtconsole,chardev=c0: No 'virtio-serial-bus' bus found for device 'virtconsole'",
                        "-chardev", "stdio,id=c0", "-device", "virtconsole,chardev=c0", "-device", "virtio-serial-pci"),  // qemu
                pc("-device virtconsole,chardev=c1: Property 'virtconsole.chardev' can't find value 'c1'",
                        "-chardev", "stdio,id=c0", "-device", "virtio-serial-pci", "-device", "virtconsole,chardev=c1"),  // qemu
                pc("-device virtconsole,chardev=c0: Property 'virtconsole.chardev' can't take value 'c0': Device 'c0' is in use",
                        "-chardev", "stdio,id=c0", "-device", "virtio-serial-pci", "-device", "virtconsole,chardev=c0",
                        "-device", "virtconsole,chardev=c0"),  // qemu
                pc("-device virtconsole: not supported by jkvm (a virtconsole without a backend: give chardev=ID of a -chardev stdio,id=ID)",
                        "-device", "virtio-serial-pci", "-device", "virtconsole"),
                pc("-device virtconsole,chardev=c0,name=org.x: property 'name' is not supported by jkvm (virtconsole takes only chardev)",
                        "-chardev", "stdio,id=c0", "-device", "virtio-serial-pci", "-device", "virtconsole,chardev=c0,name=org.x"),
                pc("-device virtconsole,chardev=c0,foo=1: Property 'virtconsole.foo' not found", "-device", "virtconsole,chardev=c0,foo=1"),
                pc("-device virtio-serial-pci: not supported by jkvm (jkvm's virtio-serial carries exactly one virtconsole: add -chardev stdio,id=ID -device virtconsole,chardev=ID after it)",
                        "-device", "virtio-serial-pci"),
                pc("-device virtio-serial-pci,id=s2: not supported by jkvm (jkvm's virtio-serial carries exactly one virtconsole: add -chardev stdio,id=ID -device virtconsole,chardev=ID after it)",
                        "-chardev", "stdio,id=c0", "-device", "virtio-serial-pci", "-device", "virtconsole,chardev=c0", "-device", "virtio-serial-pci,id=s2"),
                pc("-device virtio-serial-pci,max_ports=1: property 'max_ports' is not supported by jkvm (virtio-serial-pci takes no properties)",
                        "-device", "virtio-serial-pci,max_ports=1"),
                pc("-device virtio-serial-pci,foo=1: Property 'virtio-serial-pci.foo' not found", "-device", "virtio-serial-pci,foo=1"),
                pc("-device virtserialport,chardev=c0: 'virtserialport' is not a jkvm device (jkvm has isa-debug-exit, pc-testdev, pci-testdev, virtio-blk-pci, virtio-blk-device, virtio-rng-pci, virtio-rng-device, virtio-serial-pci, virtio-serial-device and virtconsole; see -device help)",
                        "-device", "virtserialport,chardev=c0"),
                // -chardev
                pc("-chardev stdio: chardev: no id specified", "-chardev", "stdio"),  // qemu
                pc("-chardev id=c0: chardev: \"c0\" missing backend", "-chardev", "id=c0"),  // qemu
                pc("-chardev stdio,id=1c: Parameter 'id' expects an identifier", "-chardev", "stdio,id=1c"),  // qemu
                pc("-chardev stdio,id=c0,foo=1: Invalid parameter 'foo'", "-chardev", "stdio,id=c0,foo=1"),  // qemu
                pc("-chardev stdio,id=c0,signal=maybe: Parameter 'signal' expects 'on' or 'off'", "-chardev", "stdio,id=c0,signal=maybe"),  // qemu
                pc("-chardev stdio,id=c0,mux=maybe: Parameter 'mux' expects 'on' or 'off'", "-chardev", "stdio,id=c0,mux=maybe"),  // qemu
                pc("-chardev stdio,id=c0,mux=on: not supported by jkvm (mux=on: jkvm connects stdio to one virtconsole)", "-chardev", "stdio,id=c0,mux=on"),
                pc("-chardev stdio,id=c0,logfile=x: not supported by jkvm (chardev option 'logfile': -chardev stdio takes id, signal and mux=off)",
                        "-chardev", "stdio,id=c0,logfile=x"),
                pc("-chardev file,id=c0,path=x: not supported by jkvm (jkvm's -chardev backend is stdio)", "-chardev", "file,id=c0,path=x"),
                pc("-chardev socket,id=c0,path=s,server=on: not supported by jkvm (jkvm's -chardev backend is stdio)", "-chardev", "socket,id=c0,path=s,server=on"),
                pc("-chardev foo,id=c: 'foo' is not a valid char driver name", "-chardev", "foo,id=c"),  // qemu
                pc("-chardev stdio,id=c1: cannot use stdio by multiple character devices", "-chardev", "stdio,id=c0", "-chardev", "stdio,id=c1"),  // qemu
                pc("-chardev stdio,id=c0: Duplicate ID 'c0' for chardev", "-chardev", "stdio,id=c0", "-chardev", "stdio,id=c0"),  // qemu
                // stdio shared with the serial port or QEMU's monitor
                pc("-serial stdio: cannot use stdio by multiple character devices (-chardev stdio has it)",
                        "-chardev", "stdio,id=c0", "-serial", "stdio"),  // qemu
                pc("-serial stdio: cannot use stdio by multiple character devices (-chardev stdio has it)",
                        "-serial", "stdio", "-chardev", "stdio,id=c0"),  // qemu: chardevs are opened first
                pc("-nographic: cannot use stdio by multiple character devices (-nographic puts the serial port and QEMU's monitor on stdio, which -chardev stdio has: add -nodefaults)",
                        "-nographic", "-chardev", "stdio,id=c0"),  // qemu
                pc("-nographic: cannot use stdio by multiple character devices (-nographic puts QEMU's monitor on stdio, which -chardev stdio has: add -nodefaults or -monitor none)",
                        "-nographic", "-serial", "none", "-chardev", "stdio,id=c0"),  // qemu
                pc("-nographic: cannot use stdio by multiple character devices (-nographic puts the serial port and QEMU's monitor on stdio, which -chardev stdio has: add -nodefaults)",
                        "-nographic", "-monitor", "none", "-chardev", "stdio,id=c0"));  // qemu
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("refusals")
    void refused(String machine, List<String> args, String message) {
        assertEquals(message, refusal(machine, args));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("refusals")
    void theMessageStartsAtAnOptionOfTheLine(String machine, List<String> args, String message) {
        String head = message.substring(0, message.indexOf(':'));
        String option = head.split(" ", 2)[0];
        assertTrue(args.contains(option), message);
        if (head.contains(" ")) assertTrue(args.contains(head.split(" ", 2)[1]), message);
    }
}
