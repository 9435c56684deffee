package io.jkvm.it;

import io.jkvm.api.VirtualMachine;
import io.jkvm.boot.CpuMode;
import io.jkvm.config.VmConfig;
import io.jkvm.event.EventFd;
import io.jkvm.event.EventLoop;
import io.jkvm.exit.VmExit;
import io.jkvm.irq.MsiSink;
import io.jkvm.kvm.IoEvent;
import io.jkvm.pci.GuestErrorLog;
import io.jkvm.pci.PciBus;
import io.jkvm.pci.PciConfigSpace;
import io.jkvm.testing.KvmTest;
import io.jkvm.virtio.IoEventBinder;
import io.jkvm.virtio.VirtioHost;
import io.jkvm.virtio.pci.FakeVirtioDevice;
import io.jkvm.virtio.pci.VirtioPci;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link VirtioPci}'s ioeventfds under KVM (guests/virtio_notify.S): bound where firmware put
 * BAR4, moved and moved back with the BAR (KVM_IOEVENTFD assign and deassign with the same
 * arguments), a second function over the first refused by KVM (EEXIST) and logged, not thrown;
 * then the guest's 16-bit notification writes reach the device through the event loop with no
 * MMIO exit.
 */
@KvmTest
class VirtioPciKvmTest {
    private static final long BAR4 = 0xc000_0000L;
    private static final int BAR4_REGISTER = PciConfigSpace.BASE_ADDRESS_0 + 4 * VirtioPci.VIRTIO_BAR;

    @BeforeEach
    void kvm() {
        TestGuests.assumeKvm();
    }

    @Test
    void notificationsReachTheDeviceWithoutExits() throws Exception {
        VmConfig config = VmConfig.builder().mode(CpuMode.LONG).irqchip(true).image(TestGuests.load("virtio_notify"), "virtio_notify")
                .build();
        List<String> errors = new CopyOnWriteArrayList<>();
        GuestErrorLog log = new GuestErrorLog(errors::add);
        try (VirtualMachine vm = VirtualMachine.create(config); EventLoop loop = EventLoop.start("virtio-test", 1)) {
            IoEventBinder binder = new IoEventBinder() {
                @Override public boolean bind(IoEvent where, EventFd fd) { vm.ioeventfd(where, fd); return true; }
                @Override public void unbind(IoEvent where, EventFd fd) { vm.deassignIoeventfd(where, fd); }
            };
            VirtioHost host = new VirtioHost(vm.memory(), loop, binder, vm::interruptLine, log);
            FakeVirtioDevice device = new FakeVirtioDevice();
            FakeVirtioDevice other = new FakeVirtioDevice();
            try (VirtioPci pci = new VirtioPci(device, host, MsiSink.NONE); VirtioPci second = new VirtioPci(other, host, MsiSink.NONE)) {
                PciBus bus = new PciBus(vm::interruptLine, log);
                bus.add(3, pci);
                bus.assignResources(BAR4, 0xc000);
                assertEquals(BAR4, pci.notifyBase(), "largest BAR first: BAR4 at the window's start");
                bus.attach(vm.ports(), vm.mmio());

                pci.configWrite(BAR4_REGISTER, 4, 0xd000_0000);
                assertEquals(0xd000_0000L, pci.notifyBase());
                pci.configWrite(BAR4_REGISTER, 4, (int) BAR4);
                assertEquals(BAR4, pci.notifyBase());
                assertEquals(List.of(), errors, "KVM took every assign and deassign");

                bus.add(4, second);
                second.configWrite(BAR4_REGISTER, 4, (int) BAR4);
                second.configWrite(PciConfigSpace.COMMAND, 2, PciConfigSpace.COMMAND_MEMORY);
                assertTrue(errors.stream().anyMatch(e -> e.contains("no ioeventfd at 0xc0003000")), errors.toString());
                second.configWrite(PciConfigSpace.COMMAND, 2, 0); // unbinds nothing of the first's

                VmExit exit = vm.run(Duration.ofSeconds(120));
                assertEquals(VmExit.Reason.DEBUG_EXIT, exit.reason(), exit.message());
                assertEquals(3, exit.status());
                for (int i = 0; i < 1000 && !(device.notified.contains(0) && device.notified.contains(1)); i++) Thread.sleep(10);
                assertTrue(device.notified.contains(0) && device.notified.contains(1), device.notified.toString());
                assertTrue(device.notified.stream().allMatch(q -> q == 0 || q == 1), device.notified.toString());
                assertEquals(List.of(), other.notified);
                Map<String, Long> exits = vm.stats().exitsByReason();
                assertNull(exits.get("KVM_EXIT_MMIO"), "MMIO exits: " + exits);
            }
        }
    }
}
