package io.jkvm.virtio.pci;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jkvm.bus.BusDevice;
import io.jkvm.irq.InterruptLine;
import io.jkvm.memory.DmaRange;
import io.jkvm.memory.GuestMemory;
import io.jkvm.pci.GuestErrorLog;
import io.jkvm.pci.PciBar;
import io.jkvm.pci.PciBus;
import io.jkvm.virtio.Activation;
import io.jkvm.virtio.VirtioHost;
import io.jkvm.virtio.queue.DescriptorChain;
import org.junit.jupiter.api.AfterAll;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link VirtioPci} fed a hostile driver: the fuzzer's bytes are guest RAM (the queues'
 * contents) and a program of configuration-space accesses, BAR accesses of every width and
 * offset, steps of a proper initialization (so activation and the queues are reached), queue
 * kicks and device interrupts. Nothing may throw; every chain the device is handed lies in
 * guest RAM; every MSI-X message that leaves is in the local APIC window.
 *
 * <p>A plain {@code mvn test} replays the committed inputs in
 * {@code src/test/resources/io/jkvm/virtio/pci/VirtioPciFuzzTestInputs/fuzzVirtioPci/}. To fuzz:
 * <pre>
 * JAZZER_FUZZ=1 JAZZER_MAX_DURATION=2m mvn -o test -Djkvm.test.excludedGroups=kvm -Dtest=VirtioPciFuzzTest
 * </pre>
 *
 * <p>Input, little-endian, zeros past the end: u16 blob length (&amp; 0x3fff) and the blob,
 * written at guest address 0; then op bytes (see {@link #step}).
 */
class VirtioPciFuzzTest {
    /** RAM: [0, 0x8000), a hole, [0x10000, 0x11000). */
    private static final long[][] RAM = {{0, 0x8000}, {0x10000, 0x11000}};
    private static final GuestMemory MEMORY = GuestMemory.allocate(List.of(
            new GuestMemory.Range(0, 0x8000), new GuestMemory.Range(0x10000, 0x1000)));
    private static final byte[] ZEROS = new byte[0x8000];
    private static final int SLOT = 3;
    private static final int[] WIDTHS = {1, 2, 4, 8, 1, 2, 4, 3};

    @AfterAll
    static void close() {
        MEMORY.close();
    }

    @FuzzTest
    void fuzzVirtioPci(byte[] data) {
        ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        for (long[] r : RAM) MEMORY.write(r[0], java.util.Arrays.copyOf(ZEROS, (int) (r[1] - r[0])));
        int blob = Math.min(u16(in) & 0x3fff, in.remaining());
        MEMORY.write(0, java.util.Arrays.copyOfRange(data, in.position(), in.position() + blob));
        in.position(in.position() + blob);

        FakeVirtioDevice device = new FakeVirtioDevice();
        device.onChain = VirtioPciFuzzTest::check;
        GuestErrorLog quiet = new GuestErrorLog(line -> { });
        VirtioPci pci = new VirtioPci(device, new VirtioHost(MEMORY, null, io.jkvm.virtio.IoEventBinder.NONE,
                gsi -> InterruptLine.NONE, quiet), message -> {
                    if (!message.valid()) fail("MSI-X message " + message + " left the function");
                    return true;
                });
        PciBus bus = new PciBus(gsi -> InterruptLine.NONE, quiet);
        bus.add(SLOT, pci);
        bus.assignResources(0xc000_0000L, 0xc000);
        BusDevice virtio = region(pci, VirtioPci.VIRTIO_BAR);
        BusDevice msix = region(pci, VirtioPci.MSIX_BAR);
        try {
            for (int ops = 0; in.hasRemaining() && ops < 4096; ops++) step(in, pci, bus, virtio, msix, device);
        } finally {
            pci.close();
        }
    }

    private static BusDevice region(VirtioPci pci, int index) {
        for (PciBar b : pci.config().bars()) if (b.index() == index) return b.region();
        throw new AssertionError("no BAR " + index);
    }

    private static void step(ByteBuffer in, VirtioPci pci, PciBus bus, BusDevice virtio, BusDevice msix, FakeVirtioDevice device) {
        int op = u8(in) % 10;
        switch (op) {
            case 0 -> bus.configRead(0, SLOT, 0, u8(in), u8(in) % 4 + 1);
            case 1 -> bus.configWrite(0, SLOT, 0, u8(in), u8(in) % 4 + 1, u32(in));
            case 2 -> virtio.read(offset(in), WIDTHS[u8(in) & 7]);
            case 3 -> virtio.write(offset(in), WIDTHS[u8(in) & 7], u64(in));
            case 4 -> {
                int width = WIDTHS[u8(in) & 7];
                long at = u16(in) & 0xfff;
                if ((at & 1) == 0) msix.write(at, width, u32(in) & 0xffff_ffffL); else msix.read(at, width);
            }
            case 5 -> initStep(in, virtio);
            case 6 -> virtio.write(VirtioPci.NOTIFY_OFFSET + 4L * (u8(in) % 3), 2, u8(in));
            case 7 -> {
                Activation a = device.activation;
                int which = u8(in) % 3;
                if (a != null) {
                    if (which == 2) a.interrupt().config(); else a.interrupt().queue(which);
                }
            }
            case 8 -> MEMORY.writeInt(u16(in) & 0x7ffc, u32(in)); // the driver changes a ring or descriptor
            default -> {
                // enable MSI-X and bus mastering, as a driver would before its vectors
                bus.configWrite(0, SLOT, 0, 0x04, 2, 0x7);
                int cap = io.jkvm.pci.PciCapabilities.find(pci, io.jkvm.pci.PciCapabilities.ID_MSIX);
                bus.configWrite(0, SLOT, 0, cap + 2, 2, (u8(in) & 1) << 15);
            }
        }
    }

    /** A BAR4 offset: mostly inside the four regions' used parts, sometimes anywhere (or past the BAR). */
    private static long offset(ByteBuffer in) {
        int sel = u8(in);
        int at = u16(in);
        if (sel < 0xf0) return (sel & 3) * 0x1000L + (at & 0x3f);
        return sel == 0xff ? at * 0x10000L : at;
    }

    /** One step of §3.1.1 through the common configuration, with driver-chosen values: reaches DRIVER_OK often. */
    private static void initStep(ByteBuffer in, BusDevice virtio) {
        switch (u8(in) % 6) {
            case 0 -> virtio.write(CommonConfig.DEVICE_STATUS, 1, u8(in));
            case 1 -> {
                virtio.write(CommonConfig.DRIVER_FEATURE_SELECT, 4, 1);
                virtio.write(CommonConfig.DRIVER_FEATURE, 4, 1); // VERSION_1
                virtio.write(CommonConfig.DEVICE_STATUS, 1, 1 | 2 | 8);
            }
            case 2 -> {
                virtio.write(CommonConfig.QUEUE_SELECT, 2, u8(in) % 3);
                virtio.write(CommonConfig.QUEUE_SIZE, 2, u8(in));
                virtio.write(CommonConfig.QUEUE_DESC, 8, u16(in) * 2L);
                virtio.write(CommonConfig.QUEUE_DRIVER, 8, u16(in) * 2L);
                virtio.write(CommonConfig.QUEUE_DEVICE, 8, u16(in) * 2L);
                virtio.write(CommonConfig.QUEUE_MSIX_VECTOR, 2, u8(in) % 4);
                virtio.write(CommonConfig.QUEUE_ENABLE, 2, 1);
            }
            case 3 -> virtio.write(CommonConfig.DEVICE_STATUS, 1, 1 | 2 | 4 | 8);
            case 4 -> virtio.write(CommonConfig.CONFIG_MSIX_VECTOR, 2, u8(in) % 4);
            default -> virtio.read(VirtioPci.ISR_OFFSET, 1);
        }
    }

    private static void check(DescriptorChain c) {
        int n = c.readableCount() + c.writableCount();
        if (n < 1 || n > FakeVirtioDevice.MAX_QUEUE_SIZE) fail("chain of " + n + " buffers");
        for (int i = 0; i < n; i++) {
            DmaRange b = i < c.readableCount() ? c.readable(i) : c.writable(i - c.readableCount());
            assertTrue(b.valid() && b.length() > 0 && inRam(b.gpa(), b.length()), () -> "buffer " + b + " outside RAM");
        }
    }

    private static boolean inRam(long gpa, long length) {
        for (long[] r : RAM) if (gpa >= r[0] && length <= r[1] - gpa) return true;
        return false;
    }

    private static int u8(ByteBuffer b) { return b.hasRemaining() ? b.get() & 0xff : 0; }

    private static int u16(ByteBuffer b) { return b.remaining() >= 2 ? b.getShort() & 0xffff : 0; }

    private static int u32(ByteBuffer b) { return b.remaining() >= 4 ? b.getInt() : 0; }

    private static long u64(ByteBuffer b) { return b.remaining() >= 8 ? b.getLong() : 0; }
}
