package io.jkvm.qemu;

import io.jkvm.boot.PcPorts;


/**
 * The texts {@code jkvm-qemu} prints for {@code --version}, {@code -h}, {@code -machine help},
 * {@code -device help}, {@code -chardev help}, {@code -cpu help} and {@code -accel help}, in QEMU's formats. Each ends with
 * a newline.
 */
public final class QemuHelp {
    private QemuHelp() {}

    /** The QEMU version jkvm-qemu presents itself as (its option syntax is 7.2's). */
    public static final String QEMU_VERSION = "7.2.0";

    private static final String PC_DESCRIPTION =
            "jkvm PC (in-kernel irqchip, 16550A, RTC, i8042, fw_cfg, PCI config ports), no firmware";

    /** {@code -version}: scripts grep the first line, as for QEMU. */
    public static String version() {
        return "QEMU emulator version " + QEMU_VERSION + " (jkvm)\n"
                + "jkvm-qemu: the qemu-system-x86_64 command line for jkvm\n";
    }

    /** {@code -h}: the version, then the options jkvm supports. */
    public static String usage() {
        return version()
                + "usage: jkvm-qemu [options]\n"
                + "\n"
                + "The qemu-system-x86_64 options jkvm supports; any other option is refused.\n"
                + "\n"
                + "-h or -help      display this help and exit\n"
                + "-version         display version information and exit\n"
                + "-machine [type=]pc|microvm[,accel=kvm]\n"
                + "                 select the machine ('-machine help' for list); -M is the same\n"
                + "-accel kvm       KVM, which jkvm always uses; -enable-kvm is the same\n"
                + "-cpu host|max    the host CPU as KVM passes it through ('-cpu help' for list)\n"
                + "-smp [cpus=]n[,maxcpus=cpus][,sockets=s][,dies=d][,cores=c][,threads=t]\n"
                + "                 set the number of CPUs to 'n' [default=1]\n"
                + "-m [size=]megs   guest RAM, in MiB without a suffix (K, M, G, T) [default=128M]\n"
                + "-kernel file     the kernel to boot (jkvm has no firmware: -kernel is required)\n"
                + "-initrd file     the initial ram disk; for multiboot kernels the modules,\n"
                + "                 'file args,file args' (',,' is a comma)\n"
                + "-append cmdline  the kernel command line\n"
                + "-serial dev      COM1, then COM2: stdio, file:path, null or none\n"
                + "-nographic       no display; serial 0 on stdio unless -serial is given\n"
                + "-display none    no display\n"
                + "-nodefaults      no default serial port\n"
                + "-device driver[,prop=value][,...]\n"
                + "                 add a device: isa-debug-exit, pc-testdev, pci-testdev; on pc virtio-blk-pci,\n"
                + "                 virtio-rng-pci, virtio-serial-pci; on microvm virtio-blk-device,\n"
                + "                 virtio-rng-device, virtio-serial-device; virtconsole on a virtio-serial\n"
                + "                 ('-device help' for list, '-device driver,help' for properties)\n"
                + "-drive file=file,if=virtio|none,format=raw[,readonly=on][,id=name][,cache=none|writeback]\n"
                + "       [,aio=threads|native|io_uring][,discard=ignore|unmap]\n"
                + "                 a raw disk image: if=virtio makes a virtio-blk-pci (pc only), if=none\n"
                + "                 waits for -device virtio-blk-pci|virtio-blk-device,drive=name\n"
                + "-chardev stdio,id=id[,signal=on|off][,mux=off]\n"
                + "                 standard input and output, for -device virtconsole,chardev=id\n"
                + "-fw_cfg [name=]name,file=file | -fw_cfg [name=]name,string=str\n"
                + "                 add a named fw_cfg file\n"
                + "-global kvm-pit.lost_tick_policy=delay|discard\n"
                + "                 what the in-kernel PIT does with ticks the guest missed\n"
                + "-name string     the name of the guest (also -name guest=string[,debug-threads=on|off])\n"
                + "-no-reboot       exit instead of rebooting\n"
                + "-no-user-config, -monitor none, -vga none, -vnc none, -parallel none, -net none, -nic none\n"
                + "                 accepted: jkvm has none of these anyway\n";
    }

    /** {@code -machine help}: QEMU's "name description" table, in its order (microvm's family sorts first). */
    public static String machineHelp() {
        return "Supported machines are:\n"
                + String.format("%-20s %s\n", QemuMachine.MICROVM.qemuName(), "the same platform in jkvm")
                + String.format("%-20s %s (alias of %s)\n", "pc", PC_DESCRIPTION, QemuMachine.PC.qemuName())
                + String.format("%-20s %s (default)\n", QemuMachine.PC.qemuName(), PC_DESCRIPTION);
    }

    /** {@code -cpu help}. */
    public static String cpuHelp() {
        return "Available CPUs:\n"
                + "x86 host                  the host CPU as KVM passes it through\n"
                + "x86 max                   the same as host in jkvm\n";
    }

    /** {@code -chardev help}: QEMU's list (its first line ends in a space, as QEMU's does). */
    public static String chardevHelp() {
        return "Available chardev backend types: \n  stdio\n";
    }

    /** {@code -accel help}. */
    public static String accelHelp() {
        return "Accelerators supported in QEMU binary:\nkvm\n";
    }

    /**
     * {@code -device help} (driver null): the devices {@code -device} adds and those the machine
     * always has; {@code -device DRIVER,help}: that device's properties.
     */
    public static String deviceHelp(String driver) {
        if (driver == null) {
            return "Storage devices:\n"
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
                    + "name \"virtio-rng-pci\", bus PCI, alias \"virtio-rng\", desc \"entropy from the host's /dev/urandom, on virtio-pci (pc)\"\n"
                    + "\n"
                    + "Built into the machine (always present, not for -device):\n"
                    + String.format("16550A serial ports COM1 (0x%x, IRQ %d) and COM2 (0x%x, IRQ %d)\n",
                            PcPorts.COM1.base(), PcPorts.COM1.irq(), PcPorts.COM2.base(), PcPorts.COM2.irq())
                    + "fw_cfg\n"
                    + "CMOS RTC\n"
                    + "i8042 keyboard controller\n"
                    + "in-kernel PIC, IOAPIC, PIT and local APICs (KVM)\n";
        }
        return switch (driver) {
            case "isa-debug-exit" -> "isa-debug-exit options:\n"
                    + String.format("  %-22s -  (default: %d)\n", "iobase=<uint32>", PcPorts.QEMU_DEBUG_EXIT.base())
                    + String.format("  %-22s -  (default: %d)\n", "iosize=<uint32>", PcPorts.QEMU_DEBUG_EXIT.length());
            case "pc-testdev" -> "There are no options for pc-testdev.\n";
            case "pci-testdev" -> "pci-testdev options:\n"
                    + String.format("  %-22s - Slot and optional function number, example: 06.0 or 06 (default: -1)\n",
                    "addr=<int32>");
            case "virtio-blk-pci", "virtio-blk-device" -> driver + " options:\n"
                    + String.format("  %-22s - Node name or ID of a block device to use as a backend\n", "drive=<str>")
                    + "  serial=<str>\n";
            case "virtio-rng-pci", "virtio-rng-device" -> driver + " options:\n"
                    + String.format("  %-22s -  (default: %d)\n", "max-bytes=<uint64>", Long.MAX_VALUE)
                    + String.format("  %-22s -  (default: %d)\n", "period=<uint32>", QemuDevice.VirtioRng.DEFAULT_PERIOD);
            case "virtio-serial-pci", "virtio-serial-device" -> "There are no options for " + driver + ".\n";
            case "virtconsole" -> "virtconsole options:\n"
                    + String.format("  %-22s - ID of a chardev to use as a backend\n", "chardev=<str>");
            default -> throw new IllegalArgumentException("not a jkvm device: " + driver);
        };
    }
}
