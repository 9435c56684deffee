package io.jkvm.virtio.rng;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jkvm.memory.GuestMemory;
import io.jkvm.pci.GuestErrorLog;
import io.jkvm.virtio.Activation;
import io.jkvm.virtio.FuzzGuest;
import io.jkvm.virtio.VirtioInterrupt;
import io.jkvm.virtio.queue.SplitQueue;
import org.junit.jupiter.api.AfterAll;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import static io.jkvm.virtio.FuzzGuest.u16;
import static io.jkvm.virtio.FuzzGuest.u8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RngDevice} fed a hostile driver: the fuzzer's bytes are the queue's setup, guest memory,
 * and a program of driver writes, notifications, resets and clock ticks. Nothing may throw, every
 * notification ends, the rate limit holds exactly (the host source gives no more than the bucket
 * allows over the elapsed fake time), at most one retry is pending, and a broken queue asks for
 * reset once per activation.
 *
 * <p>A plain {@code mvn test} replays {@code src/test/resources/io/jkvm/virtio/rng/RngDeviceFuzzTestInputs/fuzzRng/}.
 * To fuzz: {@code JAZZER_FUZZ=1 JAZZER_MAX_DURATION=2m mvn -o test -Djkvm.test.excludedGroups=kvm -Dtest=RngDeviceFuzzTest}.
 *
 * <p>Input, little-endian, zeros past the end: u8 size selector ({@link FuzzGuest#size}); u8 mode
 * (bit 0 event-idx, bit 1 queue not ready, bit 2 a u16 rate - 1 follows, bit 3 three u16 ring
 * addresses / 2 follow, else 0x0/0x1000/0x2000); u16 starting index; the RAM blob
 * ({@link FuzzGuest#reset}); then op bytes (see the switch).
 */
class RngDeviceFuzzTest {
    private static final GuestMemory MEMORY = FuzzGuest.allocate();

    @AfterAll
    static void close() {
        MEMORY.close();
    }

    @FuzzTest
    void fuzzRng(byte[] data) {
        ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        int size = FuzzGuest.size(u8(in));
        int mode = u8(in);
        long rate = (mode & 4) != 0 ? u16(in) + 1 : 0;
        long desc = 0, avail = 0x1000, used = 0x2000;
        if ((mode & 8) != 0) {
            desc = u16(in) * 2L;
            avail = u16(in) * 2L;
            used = u16(in) * 2L;
        }
        FuzzGuest.Ring ring = new FuzzGuest.Ring(MEMORY, size, desc, avail, used, (mode & 2) == 0, (mode & 1) != 0, u16(in));
        FuzzGuest.reset(MEMORY, in);

        RngDeviceTest.CountingSource source = new RngDeviceTest.CountingSource();
        RngDeviceTest.FakeTimer timer = new RngDeviceTest.FakeTimer();
        RngDevice rng = new RngDevice(source, rate, timer, timer::now, new GuestErrorLog(line -> {}));
        activate(rng, ring, false);
        int ops = 0;
        while (in.hasRemaining() && ops++ < 1024) {
            switch (u8(in) % 8) {
                case 0 -> rng.notify(RngDevice.REQUESTQ);
                case 1 -> timer.advanceTo(timer.now() + u16(in) * 100_000L);
                case 2 -> {
                    rng.reset();
                    assertEquals(0, timer.pending(), "reset cancels the retry");
                    ring.restart();
                    activate(rng, ring, true);
                }
                case 3 -> FuzzGuest.pokeAny(MEMORY, in);
                case 4 -> ring.descriptor(in);
                case 5 -> ring.publish(in);
                case 6 -> ring.suppress(in);
                default -> {
                    int q = u8(in);
                    rng.notify(q);
                    assertEquals(0, rng.readConfig(q, u8(in) % 9));
                    rng.writeConfig(q, 4, q);
                }
            }
            if (rate > 0) {
                // Exact: one second's worth at the start, then rate x elapsed (the bucket only loses at its cap).
                long allowed = rate + Math.multiplyExact(timer.now(), rate) / 1_000_000_000L;
                assertTrue(source.count <= allowed, () -> source.count + " bytes given, " + allowed + " allowed");
            }
            assertTrue(timer.pending() <= 1, "one retry at a time");
        }
        rng.close();
        assertFalse(source.isOpen());
    }

    private static void activate(RngDevice rng, FuzzGuest.Ring ring, boolean afterReset) {
        int[] needsReset = {0};
        rng.activate(new Activation(0, MEMORY, List.of(new SplitQueue(MEMORY, ring.state(afterReset))), VirtioInterrupt.NONE,
                () -> assertEquals(1, ++needsReset[0], "needs reset once per activation")));
    }
}
