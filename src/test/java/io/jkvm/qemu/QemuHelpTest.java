package io.jkvm.qemu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The texts of --version, -h, -machine help, -device help, -cpu help, -accel help. */
class QemuHelpTest {
    @Test
    void versionFirstLineIsWhatScriptsGrep() {
        assertEquals("QEMU emulator version 7.2.0 (jkvm)\njkvm-qemu: the qemu-system-x86_64 command line for jkvm\n",
                QemuHelp.version());
    }

    @Test
    void usageStartsWithTheVersionAndListsTheOptions() {
        String usage = QemuHelp.usage();
        assertTrue(usage.startsWith(QemuHelp.version() + "usage: jkvm-qemu [options]\n"), usage);
        for (String opt : new String[] {"-machine", "-accel kvm", "-cpu host|max", "-smp", "-m ", "-kernel", "-initrd",
                "-append", "-serial", "-nographic", "-display none", "-nodefaults", "-device", "-drive", "-chardev stdio", "-fw_cfg", "-global",
                "-name", "-no-reboot", "-version", "-monitor none", "-vga none", "-net none", "-nic none", "-parallel none"}) {
            assertTrue(usage.contains("\n" + opt) || usage.contains(", " + opt), opt);
        }
        assertTrue(usage.endsWith("\n"));
    }

    @Test
    void machineHelpIsQemusTable() {
        String pc = "jkvm PC (in-kernel irqchip, 16550A, RTC, i8042, fw_cfg, PCI config ports), no firmware";
        assertEquals("Supported machines are:\n"
                + "microvm              the same platform in jkvm\n"
                + "pc                   " + pc + " (alias of pc-i440fx-7.2)\n"
                + "pc-i440fx-7.2        " + pc + " (default)\n", QemuHelp.machineHelp());
    }

    @Test
    void deviceList() {
        String help = QemuHelp.deviceHelp(null);
        // QEMU's categories, in its order; names as QEMU lists them, with its bus and alias.
        assertTrue(help.startsWith("Storage devices:\n"
                + "name \"virtio-blk-device\", bus virtio-bus, desc \"virtio-blk on virtio-mmio (microvm)\"\n"
                + "name \"virtio-blk-pci\", bus PCI, alias \"virtio-blk\", desc \"virtio-blk on virtio-pci (pc)\"\n"
                + "\n"
                + "Input devices:\n"
                + "name \"virtconsole\", bus virtio-serial-bus, desc \"a console port (hvc0) on a -chardev stdio\"\n"
                + "name \"virtio-serial-device\", bus virtio-bus, desc \"virtio-console on virtio-mmio (microvm), one virtconsole\"\n"
                + "name \"virtio-serial-pci\", bus PCI, alias \"virtio-serial\", desc \"virtio-console on virtio-pci (pc), one virtconsole\"\n"
                + "\n"
                + "Misc devices:\n"
                + "name \"isa-debug-exit\", bus ISA, desc \"a guest write of V to iobase exits with status (V << 1) | 1\"\n"
                + "name \"pc-testdev\", bus ISA, desc \"the kvm-unit-tests PC test device\"\n"
                + "name \"pci-testdev\", bus PCI, desc \"PCI Test Device (kvm-unit-tests)\"\n"
                + "name \"virtio-rng-device\", bus virtio-bus, desc \"entropy from the host's /dev/urandom, on virtio-mmio (microvm)\"\n"
                + "name \"virtio-rng-pci\", bus PCI, alias \"virtio-rng\", desc \"entropy from the host's /dev/urandom, on virtio-pci (pc)\"\n\n"), help);
        for (String builtIn : new String[] {"16550A serial ports COM1 (0x3f8, IRQ 4) and COM2 (0x2f8, IRQ 3)", "\nfw_cfg\n",
                "CMOS RTC", "i8042", "in-kernel PIC, IOAPIC, PIT and local APICs (KVM)"}) {
            assertTrue(help.contains(builtIn), builtIn);
        }
        assertEquals(help.length() - 1, help.lastIndexOf('\n'));
    }

    @Test
    void deviceProperties() {
        assertEquals("isa-debug-exit options:\n"
                + "  iobase=<uint32>        -  (default: 1281)\n"
                + "  iosize=<uint32>        -  (default: 2)\n", QemuHelp.deviceHelp("isa-debug-exit"));
        assertEquals("There are no options for pc-testdev.\n", QemuHelp.deviceHelp("pc-testdev"));
        assertEquals("pci-testdev options:\n"
                + "  addr=<int32>           - Slot and optional function number, example: 06.0 or 06 (default: -1)\n",
                QemuHelp.deviceHelp("pci-testdev"));
        assertThrows(IllegalArgumentException.class, () -> QemuHelp.deviceHelp("e1000"));
    }

    @Test
    void virtioDeviceProperties() {
        // The lines of qemu-system-x86_64 7.2.22's own help for the properties jkvm takes.
        for (String blk : new String[] {"virtio-blk-pci", "virtio-blk-device"}) {
            assertEquals(blk + " options:\n"
                    + "  drive=<str>            - Node name or ID of a block device to use as a backend\n"
                    + "  serial=<str>\n", QemuHelp.deviceHelp(blk));
        }
        for (String rng : new String[] {"virtio-rng-pci", "virtio-rng-device"}) {
            assertEquals(rng + " options:\n"
                    + "  max-bytes=<uint64>     -  (default: 9223372036854775807)\n"
                    + "  period=<uint32>        -  (default: 65536)\n", QemuHelp.deviceHelp(rng));
        }
        assertEquals("There are no options for virtio-serial-pci.\n", QemuHelp.deviceHelp("virtio-serial-pci"));
        assertEquals("There are no options for virtio-serial-device.\n", QemuHelp.deviceHelp("virtio-serial-device"));
        assertEquals("virtconsole options:\n"
                + "  chardev=<str>          - ID of a chardev to use as a backend\n", QemuHelp.deviceHelp("virtconsole"));
        assertEquals("Available chardev backend types: \n  stdio\n", QemuHelp.chardevHelp());
    }

    @Test
    void cpuAndAccelHelp() {
        assertEquals("Available CPUs:\n"
                + "x86 host                  the host CPU as KVM passes it through\n"
                + "x86 max                   the same as host in jkvm\n", QemuHelp.cpuHelp());
        assertEquals("Accelerators supported in QEMU binary:\nkvm\n", QemuHelp.accelHelp());
    }
}
