package io.jkvm.it;

import io.jkvm.api.VirtualMachine;
import io.jkvm.config.VmConfig;
import io.jkvm.boot.CpuMode;
import io.jkvm.exit.VmExit;
import io.jkvm.kvm.IrqchipState;
import io.jkvm.kvm.KvmIrqchip;
import io.jkvm.kvm.LapicState;
import io.jkvm.kvm.PitState;
import io.jkvm.state.StateReader;
import io.jkvm.state.StateWriter;
import io.jkvm.testing.KvmTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * KVM's in-kernel PIC, IOAPIC, PIT and local APIC: save, restore, save gives the same bytes. The
 * guest (pit_irq) programs the master PIC and PIT channel 0 and takes three timer interrupts
 * before it ends through the debug-exit port; the chips' state is taken after the run.
 */
@KvmTest
class KvmDeviceStateTest {
    @BeforeEach
    void kvm() {
        TestGuests.assumeKvm();
    }

    private static VmConfig pitGuest(int ticks) {
        return VmConfig.builder().mode(CpuMode.LONG).irqchip(true).image(TestGuests.load("pit_irq"), "pit_irq")
                .register("rcx", ticks).build();
    }

    private record Saved(IrqchipState irqchip, PitState pit, LapicState lapic) {
        byte[] bytes() {
            StateWriter out = new StateWriter();
            irqchip.writeTo(out);
            pit.writeTo(out);
            lapic.writeTo(out);
            return out.toByteArray();
        }

        static Saved take(VirtualMachine vm) throws InterruptedException {
            return new Saved(vm.irqchipState(), vm.pitState(), vm.lapicState(0));
        }

        static Saved read(byte[] bytes) {
            StateReader in = new StateReader(bytes);
            Saved s = new Saved(IrqchipState.readFrom(in), PitState.readFrom(in), LapicState.readFrom(in));
            in.end();
            return s;
        }

        void restore(VirtualMachine vm) throws InterruptedException {
            vm.restore(irqchip);
            vm.restore(pit);
            vm.restore(0, lapic);
        }
    }

    @Test
    void saveRestoreSaveAfterTheGuestProgrammedThePicAndPit() throws Exception {
        try (VirtualMachine vm = VirtualMachine.create(pitGuest(3))) {
            VmExit exit = vm.run(Duration.ofSeconds(60));
            assertEquals(VmExit.Reason.DEBUG_EXIT, exit.reason(), exit.message());
            assertEquals((3 << 1) | 1, exit.status());
            // The PIT keeps running after the exit: let its next tick latch IRR 0 in the PIC (in
            // reinject mode KVM then holds further ticks until the guest acknowledges this one),
            // so the state no longer changes while the test looks at it.
            Thread.sleep(500);

            Saved first = Saved.take(vm);
            byte[] bytes = first.bytes();
            assertEquals(0xde, first.irqchip().pic(true, KvmIrqchip.PIC_IMR), "the guest's mask: IRQ0 and IRQ5 open");
            assertEquals(0x20, first.irqchip().pic(true, KvmIrqchip.PIC_IRQ_BASE), "ICW2: vectors from 0x20");
            assertEquals(11932, first.pit().count(0), "channel 0's divisor");
            assertEquals(2, first.pit().mode(0), "channel 0 in mode 2, rate generator");
            assertEquals(PitState.MODE_UNPROGRAMMED, first.pit().mode(1), "channel 1 as KVM's reset left it");

            // Loading a changed state changes the chip: KVM_SET_IRQCHIP is not a no-op.
            byte[] masked = first.irqchip().picMaster();
            masked[(int) KvmIrqchip.PIC_IMR] = (byte) 0xff;
            vm.restore(new IrqchipState(masked, first.irqchip().picSlave(), first.irqchip().ioapic()));
            assertEquals(0xff, vm.irqchipState().pic(true, KvmIrqchip.PIC_IMR));

            Saved.read(bytes).restore(vm);
            byte[] again = Saved.take(vm).bytes();
            assertArrayEquals(bytes, again, () -> "first:\n" + HexFormat.of().formatHex(bytes) + "\nagain:\n" + HexFormat.of().formatHex(again));
        }
    }

    @Test
    void saveRestoreSaveBeforeTheFirstRun() throws Exception {
        try (VirtualMachine vm = VirtualMachine.create(pitGuest(1))) {
            byte[] bytes = Saved.take(vm).bytes();
            Saved.read(bytes).restore(vm);
            assertArrayEquals(bytes, Saved.take(vm).bytes());
        }
    }
}
