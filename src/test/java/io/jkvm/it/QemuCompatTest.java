package io.jkvm.it;

import io.jkvm.testing.KvmTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Differential: our multiboot kernels (guests/mb_*.S) run by {@code qemu-system-x86_64 -accel kvm}
 * and by {@code ./jkvm-qemu} with the same arguments; the serial output (stdout) and the exit
 * status must be identical. stderr is not compared: QEMU warns about host CPU features there.
 *
 * <p>mb_smp passes {@code -cpu host}: QEMU's default CPU model (qemu64) hides the TSC-deadline
 * timer, while jkvm always passes the host CPU through (as QEMU's -cpu host).
 */
@KvmTest
class QemuCompatTest {
    @TempDir
    static Path dir;

    @BeforeEach
    void peers() throws Exception {
        TestGuests.assumeKvm();
        TestGuests.assumeQemu();
        QemuLauncher.writeModules(dir);
    }

    /** Each row: expected status | guest file | arguments after -kernel FILE ('|' separated; $D = the module directory). */
    @ParameterizedTest(name = "{1} {2}")
    @CsvSource(delimiter = ';', value = {
            "33;  mb_hello.bin;   -device|isa-debug-exit,iobase=0xf4,iosize=4",
            "33;  mb_hello.bin;   -M|microvm|-device|isa-debug-exit,iobase=0xf4,iosize=4",
            "85;  mb_compute.bin; -device|isa-debug-exit,iobase=0xf4,iosize=4|-m|64M",
            "0;   mb_fault.bin;   -device|isa-debug-exit,iobase=0xf4,iosize=4",
            "97;  mb_info.elf;    -device|isa-debug-exit,iobase=0xf4,iosize=4",
            "97;  mb_info.elf;    -append|hello world|-initrd|$D/mod1.txt arg1 arg2,$D/mod2.bin|-device|isa-debug-exit,iobase=0xf4,iosize=4",
            "97;  mb_info.elf;    -m|256|-append|a  b |-initrd|$D/mod2.bin|-device|isa-debug-exit,iobase=0xf4,iosize=4",
            "117; mb_plain.elf;   -device|isa-debug-exit,iobase=0xf4,iosize=4",
            "117; mb_plain.elf;   -M|microvm|-append|hello|-initrd|$D/mod1.txt arg|-device|isa-debug-exit,iobase=0xf4,iosize=4",
            "101; mb_fwcfg.bin;   -smp|2|-m|256|-fw_cfg|name=opt/jkvm/greeting,string=hello from fw_cfg|-fw_cfg|name=opt/jkvm/blob,file=$D/blob.bin|-device|isa-debug-exit,iobase=0xf4,iosize=4",
            "101; mb_fwcfg.bin;   -smp|4|-device|isa-debug-exit,iobase=0xf4,iosize=4",
            "101; mb_fwcfg.bin;   -append|a  b |-initrd|$D/mod1.txt arg1 arg2,$D/mod2.bin|-device|isa-debug-exit,iobase=0xf4,iosize=4",
            "105; mb_smp.bin;     -cpu|host|-smp|1|-device|isa-debug-exit,iobase=0xf4,iosize=4",
            "105; mb_smp.bin;     -cpu|host|-smp|2|-device|isa-debug-exit,iobase=0xf4,iosize=4",
            "105; mb_smp.bin;     -cpu|host|-smp|4|-device|isa-debug-exit,iobase=0xf4,iosize=4",
            "113; mb_testdev.bin; -M|pc|-device|pc-testdev|-device|pci-testdev|-device|isa-debug-exit,iobase=0x501,iosize=2",
            "115; mb_testdev.bin; -M|pc|-device|isa-debug-exit,iobase=0x501,iosize=2",
    })
    void sameOutputAndStatus(int status, String guest, String extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("-accel", "kvm", "-kernel", TestGuests.dir().resolve(guest).toString()));
        for (String a : extra.split("\\|")) args.add(a.replace("$D", dir.toString()));
        args.addAll(Arrays.asList("-serial", "stdio", "-display", "none", "-nodefaults", "-no-reboot"));
        QemuLauncher.Result qemu = QemuLauncher.runQemu(args);
        QemuLauncher.Result jkvm = QemuLauncher.runJkvmQemu(args);
        assertFalse(qemu.stdout().isEmpty(), "QEMU printed nothing: " + qemu.stderr());
        assertEquals(qemu.stdout(), jkvm.stdout(), "serial output; jkvm-qemu stderr: " + jkvm.stderr());
        assertEquals(status, qemu.status(), "QEMU's status");
        assertEquals(status, jkvm.status(), "jkvm-qemu's status; stderr: " + jkvm.stderr());
    }
}
