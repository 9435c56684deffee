package io.jkvm.virtio.console;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jkvm.memory.GuestMemory;
import io.jkvm.devices.ByteSink;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ConsoleDevice} fed a hostile driver and a busy host: the fuzzer's bytes are both queues'
 * setup, guest memory, and a program of driver writes, notifications, host input, configuration
 * accesses and resets. Nothing may throw, every notification ends, {@link ConsoleDevice#receive}
 * takes exactly what fits and the buffer's room and content add up to its size, emerg_wr puts out
 * one byte and no other configuration write any, the configuration reads as §5.3.4 says, and a
 * broken queue asks for reset once per activation.
 *
 * <p>A plain {@code mvn test} replays {@code src/test/resources/io/jkvm/virtio/console/ConsoleDeviceFuzzTestInputs/fuzzConsole/}.
 * To fuzz: {@code JAZZER_FUZZ=1 JAZZER_MAX_DURATION=2m mvn -o test -Djkvm.test.excludedGroups=kvm -Dtest=ConsoleDeviceFuzzTest}.
 *
 * <p>Input, little-endian, zeros past the end: u8 receiveq0 size selector, u8 transmitq0 size
 * selector ({@link FuzzGuest#size}); u8 mode (bit 0 event-idx, bit 1 receiveq0 not ready, bit 2
 * transmitq0 not ready, bit 3 input delivered at once, else on an explicit notify); u16 starting
 * index; the RAM blob ({@link FuzzGuest#reset}); then op bytes (see the switch). The rings:
 * receiveq0 at 0x0/0x1000/0x1400, transmitq0 at 0x2000/0x3000/0x3400.
 */
class ConsoleDeviceFuzzTest {
    private static final GuestMemory MEMORY = FuzzGuest.allocate();
    private static final byte[] INPUT = new byte[256];

    static {
        for (int i = 0; i < INPUT.length; i++) INPUT[i] = (byte) i;
    }

    @AfterAll
    static void close() {
        MEMORY.close();
    }

    @FuzzTest
    void fuzzConsole(byte[] data) {
        ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        int rxSize = FuzzGuest.size(u8(in));
        int txSize = FuzzGuest.size(u8(in));
        int mode = u8(in);
        int start = u16(in);
        boolean eventIdx = (mode & 1) != 0;
        FuzzGuest.Ring rx = new FuzzGuest.Ring(MEMORY, rxSize, 0x0, 0x1000, 0x1400, (mode & 2) == 0, eventIdx, start);
        FuzzGuest.Ring tx = new FuzzGuest.Ring(MEMORY, txSize, 0x2000, 0x3000, 0x3400, (mode & 4) == 0, eventIdx, start);
        FuzzGuest.reset(MEMORY, in);

        long[] output = {0};
        ConsoleDevice console = new ConsoleDevice(new ByteSink() {
            @Override
            public void write(int b) { output[0]++; }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                java.util.Objects.checkFromIndexSize(offset, length, bytes.length);
                output[0] += length;
            }
        }, new GuestErrorLog(line -> {}));
        if ((mode & 8) == 0) console.setWake(() -> {});
        activate(console, rx, tx, false);
        long accepted = 0;
        int ops = 0;
        while (in.hasRemaining() && ops++ < 1024) {
            int op = u8(in);
            switch (op % 10) {
                case 0 -> console.notify(ConsoleDevice.RECEIVEQ0);
                case 1 -> console.notify(ConsoleDevice.TRANSMITQ0);
                case 2 -> {
                    // Host input: the next bytes of the counting stream, any length.
                    int len = u8(in) + (op & 0xf0) * 16;
                    int space = console.space();
                    int taken = 0;
                    while (taken < len) {
                        int off = (int) ((accepted + taken) % INPUT.length);
                        int n = console.receive(INPUT, off, Math.min(len - taken, INPUT.length - off));
                        taken += n;
                        if (n == 0) break;
                    }
                    int took = taken;
                    assertTrue(took == Math.min(len, space) || (mode & 8) != 0, () -> "takes what fits: " + took + " of " + len + ", room " + space);
                    accepted += taken;
                }
                case 3 -> {
                    int offset = u8(in) - 16;
                    int size = 1 << (u8(in) % 4);
                    long v = console.readConfig(offset, size);
                    assertEquals(expectedConfig(offset, size), v);
                    long before = output[0];
                    console.writeConfig(offset, size, u16(in));
                    assertEquals(before + (offset == 8 ? 1 : 0), output[0], "emerg_wr outputs one byte, nothing else does");
                }
                case 4 -> {
                    console.reset();
                    rx.restart();
                    tx.restart();
                    activate(console, rx, tx, true);
                }
                case 5 -> FuzzGuest.pokeAny(MEMORY, in);
                case 6 -> ((op & 0x10) == 0 ? rx : tx).descriptor(in);
                case 7 -> ((op & 0x10) == 0 ? rx : tx).publish(in);
                case 8 -> ((op & 0x10) == 0 ? rx : tx).suppress(in);
                default -> console.notify(u8(in) - 8);
            }
            assertEquals(ConsoleDevice.INPUT_CAPACITY, console.space() + console.pending());
            assertTrue(console.pending() <= accepted);
        }
        console.close();
        assertEquals(0, console.space());
    }

    /** §5.3.4 as little-endian bytes: max_nr_ports (offset 4) is 1, everything else 0. */
    private static long expectedConfig(int offset, int size) {
        return offset <= 4 && 4 < offset + size ? 1L << (8 * (4 - offset)) : 0;
    }

    private static void activate(ConsoleDevice console, FuzzGuest.Ring rx, FuzzGuest.Ring tx, boolean afterReset) {
        int[] needsReset = {0};
        console.activate(new Activation(0, MEMORY,
                List.of(new SplitQueue(MEMORY, rx.state(afterReset)), new SplitQueue(MEMORY, tx.state(afterReset))),
                VirtioInterrupt.NONE, () -> assertEquals(1, ++needsReset[0], "needs reset once per activation")));
    }
}
