package io.jkvm.it;

import io.jkvm.api.VirtualMachine;
import io.jkvm.boot.Layout;
import io.jkvm.config.MachineType;
import io.jkvm.config.VmConfig;
import io.jkvm.exit.VmExit;
import io.jkvm.initramfs.CpioWriter;
import io.jkvm.config.LinuxKernel;
import io.jkvm.config.PcOptions;
import io.jkvm.testing.KvmTest;
import io.jkvm.testing.NotOnKvmPvm;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Stock Linux reads jkvm's PCI description: the DSDT's {@code \_SB.PCI0} (PNP0A03) with its
 * _CRS windows and _PRT, the host bridge in slot 0 (without which Linux rejects configuration
 * mechanism #1), and jkvm-msix-testdev in slot 3 with the BARs jkvm assigned. A busybox init
 * prints what the kernel found in sysfs and its log, then powers off.
 */
@KvmTest
@NotOnKvmPvm(why = "64-bit guest system calls cannot work there (HOST-NOTES.md), so no busybox init can run")
@Tag("slow")
class LinuxPciTest {
    private static final String MARK = "jkvm-pci: ";
    private static final String INIT = """
            #!/bin/busybox sh
            /bin/busybox --install -s /bin
            export PATH=/bin
            mount -t proc proc /proc
            mount -t sysfs sysfs /sys
            d=/sys/bus/pci/devices/0000:00:03.0
            echo "jkvm-pci: devices $(ls /sys/bus/pci/devices | tr '\\n' ' ')"
            echo "jkvm-pci: id $(cat $d/vendor) $(cat $d/device) class $(cat $d/class)"
            echo "jkvm-pci: capability pointer $(od -An -tx1 -j52 -N1 $d/config | tr -d ' ')"
            echo "jkvm-pci: bars $(head -3 $d/resource | cut -d' ' -f1,2 | tr '\\n' ' ')"
            dmesg | grep -o 'PCI Root Bridge \\[PCI0\\].*' | sed 's/^/jkvm-pci: /'
            dmesg | grep -o 'root bus resource .*' | sed 's/^/jkvm-pci: /'
            echo "jkvm-pci: acpi errors $(dmesg | grep -ci 'acpi.*error')"
            echo 1 > $d/enable
            i=$(cat $d/irq)
            echo "jkvm-pci: irq on $(cat /sys/kernel/irq/$i/chip_name) pin $(cat /sys/kernel/irq/$i/hwirq) $(cat /sys/kernel/irq/$i/type)"
            echo "jkvm-pci: powering off"
            poweroff -f
            """;

    @BeforeEach
    void stockKvm() {
        TestGuests.assumeKvm();
        Assumptions.assumeTrue(Files.isRegularFile(LinuxBusyboxBootTest.BUSYBOX), "no /bin/busybox (apt-get install busybox-static)");
    }

    @Test
    void linuxFindsTheRootBridgeItsWindowsAndTheDevice() throws Exception {
        byte[] initrd = new CpioWriter().directory("/bin", 0755)
                .file("/bin/busybox", 0755, Files.readAllBytes(LinuxBusyboxBootTest.BUSYBOX))
                .symlink("/bin/sh", "busybox").directory("/dev", 0755).charDevice("/dev/console", 0600, 5, 1)
                .directory("/proc", 0755).directory("/sys", 0755)
                .file("/init", 0755, INIT.getBytes(StandardCharsets.US_ASCII)).finish();
        TestDevices.Console console = new TestDevices.Console();
        VmConfig config = VmConfig.builder().memory(256L << 20)
                .linux(new LinuxKernel(DebianKernel.bytes(), "vmlinuz", initrd, "console=ttyS0 quiet panic=-1", true))
                .machine(MachineType.PC).pcOptions(PcOptions.builder().msixTestdev(3).build())
                .serial(console).build();
        try (VirtualMachine vm = VirtualMachine.create(config)) {
            VmExit exit = vm.run(Duration.ofSeconds(300)); // within the 6-minute limit: a hang fails with its console
            assertNotNull(exit);
            List<String> lines = console.text().lines().map(l -> l.replace("\r", "")).filter(l -> l.startsWith(MARK)).toList();
            assertEquals(List.of(
                    MARK + "devices 0000:00:00.0 0000:00:03.0 ",  // the host bridge and the device
                    MARK + "id 0x1234 0x6a6b class 0x00ff00",
                    MARK + "capability pointer 40",
                    // BAR0 (64-bit, the MSI-X table) where jkvm put it, BAR1 its upper half, BAR2 the I/O registers
                    MARK + "bars 0x00000000c0000000 0x00000000c0000fff 0x0000000000000000 0x0000000000000000 "
                            + "0x000000000000c000 0x000000000000c00f ",
                    MARK + "PCI Root Bridge [PCI0] (domain 0000 [bus 00-ff])",
                    MARK + "root bus resource [io  0x0000-0x0cf7 window]",
                    MARK + "root bus resource [io  0x0d00-0xffff window]",
                    MARK + String.format("root bus resource [mem 0x%08x-0x%08x window]",
                            Layout.PCI_MMIO32_START, Layout.PCI_MMIO32_START + Layout.PCI_MMIO32_SIZE - 1),
                    MARK + String.format("root bus resource [mem 0x%08x-0x%08x window]",
                            Layout.pciMmio64Start(256L << 20), Layout.pciMmio64Start(256L << 20) + Layout.PCI_MMIO64_SIZE - 1),
                    MARK + "root bus resource [bus 00-ff]",
                    MARK + "acpi errors 0",
                    // _PRT: slot 3 INTA# -> GSI 11, level-triggered as a PCI interrupt. (Linux's own IRQ
                    // number is dynamic: on a hardware-reduced ACPI platform it keeps no legacy IRQs 0-15.)
                    MARK + "irq on IO-APIC pin 11 level",
                    MARK + "powering off"), lines, console.text());
            assertEquals(VmExit.Reason.POWER_OFF, exit.reason(), exit.message());
        }
    }
}
