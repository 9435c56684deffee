package io.jkvm.it;

import io.jkvm.api.VirtualMachine;
import io.jkvm.config.LinuxKernel;
import io.jkvm.config.MachineType;
import io.jkvm.config.VmConfig;
import io.jkvm.exit.VmExit;
import io.jkvm.initramfs.CpioWriter;
import io.jkvm.testing.KvmTest;
import io.jkvm.testing.NotOnKvmPvm;
import io.jkvm.vcpu.VcpuSet;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pause and resume from the Java API (issue 10): Debian's kernel boots a busybox init on the pc
 * machine with two vCPUs; the init prints a tick every 0.2 s. The test pauses the VM (no tick
 * may appear while it is paused), reads both vCPUs' registers (each must be in the kernel's
 * text on a kernel stack, or in user code on a user stack), resumes it (ticks come again), types a line, and the guest prints it and powers off.
 * Pause and resume in the other states answer without hanging.
 */
@KvmTest
@NotOnKvmPvm(why = "64-bit guest system calls cannot work there (HOST-NOTES.md), so no busybox init can run")
@Tag("slow")
class LinuxPauseTest {
    static final String INIT = """
            #!/bin/busybox sh
            /bin/busybox --install -s /bin
            export PATH=/bin
            mount -t proc proc /proc
            ( i=0; while true; do i=$((i+1)); echo "jkvm-pause: tick $i"; sleep 0.2; done ) &
            echo "jkvm-pause: ready"
            read -r line
            echo "jkvm-pause: typed [$line]"
            poweroff -f
            """;
    /** Within the 6-minute limit of a kvm test, so that a failure shows the console. */
    static final Duration BOOT = Duration.ofSeconds(200);
    /** Linux x86-64's kernel text lies in the top 2 GiB (Documentation/arch/x86/x86_64/mm.rst). */
    static final long KERNEL_TEXT = 0xffff_ffff_8000_0000L;
    /** 4-level paging: the kernel's half of the address space, and the top of user space (2^47). */
    static final long KERNEL_HALF = 0xffff_8000_0000_0000L, USER_TOP = 0x0000_8000_0000_0000L;

    /** COM1's output so far, as text. */
    static final class Console {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        synchronized void write(int b) { bytes.write(b); }

        synchronized String text() { return bytes.toString(StandardCharsets.ISO_8859_1); }

        int ticks() { return (int) text().lines().filter(l -> l.startsWith("jkvm-pause: tick")).count(); }

        /** Waits for {@code line}; false if the VM ended first or the time ran out. */
        boolean waitFor(String line, VirtualMachine vm, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (text().contains(line)) return true;
                if (vm.state() == VcpuSet.State.ENDED) return text().contains(line);
                Thread.sleep(100);
            }
            return false;
        }
    }

    @Test
    void pausedRegistersReadResumedAndFinishes() throws Exception {
        TestGuests.assumeKvm();
        Assumptions.assumeTrue(Files.isRegularFile(LinuxBusyboxBootTest.BUSYBOX), "no /bin/busybox (apt-get install busybox-static)");
        byte[] initramfs = new CpioWriter().directory("/bin", 0755)
                .file("/bin/busybox", 0755, Files.readAllBytes(LinuxBusyboxBootTest.BUSYBOX))
                .symlink("/bin/sh", "busybox").directory("/dev", 0755).charDevice("/dev/console", 0600, 5, 1)
                .charDevice("/dev/null", 0666, 1, 3) // the background loop's stdin
                .directory("/proc", 0755).file("/init", 0755, INIT.getBytes(StandardCharsets.US_ASCII)).finish();
        Console console = new Console();
        VmConfig config = VmConfig.builder().machine(MachineType.PC).memory(256L << 20).cpus(2)
                .linux(new LinuxKernel(DebianKernel.bytes(), "vmlinuz", initramfs, "console=ttyS0 quiet panic=-1", true))
                .serial(console::write).build();
        try (VirtualMachine vm = VirtualMachine.create(config)) {
            assertFalse(vm.pause(), "pause before start: not running");
            assertEquals(VcpuSet.State.CREATED, vm.state());
            vm.start();
            assertTrue(console.waitFor("jkvm-pause: tick 3", vm, BOOT),
                    "the init did not tick (" + vm.state() + ", " + vm.awaitExit(Duration.ZERO) + "):\n" + console.text());

            assertTrue(vm.pause(), "pause");
            assertEquals(VcpuSet.State.PAUSED, vm.state());
            assertTrue(vm.pause(), "pausing a paused VM answers true");
            int ticksAtPause = console.ticks();
            for (int cpu = 0; cpu < 2; cpu++) {
                Map<String, Long> regs = vm.registers(cpu);
                long rip = regs.get("rip"), rsp = regs.get("rsp");
                // Mostly in the kernel (idle), but a pause can catch a vCPU in busybox.
                boolean kernel = Long.compareUnsigned(rip, KERNEL_TEXT) >= 0 && Long.compareUnsigned(rsp, KERNEL_HALF) >= 0;
                boolean user = rip > 0 && rip < USER_TOP && rsp > 0 && rsp < USER_TOP;
                assertTrue(kernel || user, String.format(
                        "vCPU %d: rip 0x%x with rsp 0x%x is neither kernel text on a kernel stack nor user code on a user stack",
                        cpu, rip, rsp));
            }
            Thread.sleep(2000); // ten ticks' time
            assertEquals(ticksAtPause, console.ticks(), "the guest ticked while paused:\n" + console.text());

            assertTrue(vm.resume(), "resume");
            assertEquals(VcpuSet.State.RUNNING, vm.state());
            assertTrue(vm.resume(), "resuming a running VM answers true");
            assertTrue(console.waitFor("jkvm-pause: tick " + (ticksAtPause + 2), vm, Duration.ofSeconds(60)),
                    "no tick after resume:\n" + console.text());

            byte[] typed = "after the pause\n".getBytes(StandardCharsets.US_ASCII);
            vm.com1Input().feed(typed, 0, typed.length);
            VmExit exit = vm.awaitExit(Duration.ofSeconds(60));
            assertNotNull(exit, "the guest did not power off:\n" + console.text());
            assertEquals(VmExit.Reason.POWER_OFF, exit.reason(), exit.message() + "\n" + console.text());
            assertTrue(console.text().contains("jkvm-pause: typed [after the pause]"), console.text());
            assertFalse(vm.pause(), "pause after the end: not running");
            assertFalse(vm.resume(), "resume after the end: not running");
            assertEquals(VcpuSet.State.ENDED, vm.state());
        }
    }
}
