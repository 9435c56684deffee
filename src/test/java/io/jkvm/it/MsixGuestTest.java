package io.jkvm.it;

import io.jkvm.api.VirtualMachine;
import io.jkvm.config.MachineType;
import io.jkvm.config.VmConfig;
import io.jkvm.exit.VmExit;
import io.jkvm.config.MultibootKernel;
import io.jkvm.config.PcOptions;
import io.jkvm.testing.KvmTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A guest drives jkvm's PCI the way an OS does (guests/mb_msix.S): finds jkvm-msix-testdev
 * on bus 0, walks its capability list, sizes its 64-bit BAR, programs MSI-X table entries
 * (0xFEE00000, vectors 0x40 and 0x41), takes the interrupts in its IDT handlers (delivered
 * through KVM_SIGNAL_MSI), sees a masked vector's pending bit and its delivery on unmask, a
 * message to a RAM address refused, and INTA# reaching it through the IOAPIC on GSI 11.
 */
@KvmTest
class MsixGuestTest {
    private static final String EXPECTED = String.join("\n", List.of(
            "mb_msix",
            "found",
            "status caps 1",
            "caps 11@40",
            "msix vectors 2 table 0:00000000 pba 0:00000800",
            "bar0 type 4 size fffff004 ffffffff",
            "bar0 below 4g",
            "intx pin 1 line 11",             // slot 3, INTA#: PIRQC, GSI 11
            "vector 40 received",
            "vector 41 held, pba 00000002",
            "vector 41 received on unmask, pba 00000000",
            "function mask pba 00000001",
            "vector 40 received on function unmask",
            "bad address ignored, ram untouched",
            "intx vector 42 received",
            "intx deasserted, status 0",
            "triggers 5",
            ""));

    @BeforeEach
    void kvm() {
        TestGuests.assumeKvm();
    }

    @Test
    void guestReceivesMsixAndIntxInterruptsFromTheTestDevice() throws Exception {
        TestDevices.Console console = new TestDevices.Console();
        VmConfig config = VmConfig.builder()
                .memory(64L << 20)
                .multiboot(new MultibootKernel(TestGuests.load("mb_msix"), "mb_msix.bin", "", List.of()))
                .machine(MachineType.PC).pcOptions(PcOptions.builder().msixTestdev(3).build())
                .debugExit(0xf4, 4)
                .serial(console)
                .build();
        try (VirtualMachine vm = VirtualMachine.create(config)) {
            VmExit exit = vm.run(Duration.ofSeconds(60));
            assertEquals(EXPECTED, console.text(), "COM1; exit " + exit);
            assertEquals(VmExit.Reason.DEBUG_EXIT, exit.reason(), exit.message());
            assertEquals((0x3c << 1) | 1, exit.status());
        }
    }
}
