package io.jkvm.virtio.console;

import io.jkvm.devices.ByteSink;
import io.jkvm.devices.InputReceiver;
import io.jkvm.pci.GuestErrorLog;
import io.jkvm.virtio.Activation;
import io.jkvm.virtio.VirtioDevice;
import io.jkvm.virtio.VirtioFeatures;
import io.jkvm.virtio.queue.DescriptorChain;
import io.jkvm.virtio.queue.SplitQueue;

import java.util.Objects;
import java.util.function.IntConsumer;

import static io.jkvm.virtio.VirtioFeatures.VIRTIO_F_EVENT_IDX;
import static io.jkvm.virtio.VirtioFeatures.VIRTIO_F_INDIRECT_DESC;

/**
 * The virtio console device (virtio 1.2 §5.3) with one port and no VIRTIO_CONSOLE_F_MULTIPORT,
 * so Linux makes it a console at once: {@code hvc0}. Copied from {@code RngDevice}.
 *
 * <pre>
 * queues (§5.3.2):  0 receiveq0 (host to guest)   1 transmitq0 (guest to host)
 * config (§5.3.4):  +0 le16 cols | +2 le16 rows | +4 le32 max_nr_ports | +8 le32 emerg_wr
 * </pre>
 * cols and rows read 0 (VIRTIO_CONSOLE_F_SIZE is not offered), max_nr_ports 1, emerg_wr 0
 * (it is write-only). VIRTIO_CONSOLE_F_EMERG_WRITE is offered: a write to emerg_wr puts its low
 * byte out at once, before or after the driver set up the queues (§5.3.6: early output).
 *
 * <p><b>Output.</b> The device-readable bytes of each transmitq0 chain go to the {@link ByteSink}
 * in order, flushed per chain; the chain is returned with 0 bytes written (§5.3.6.1).
 *
 * <p><b>Input.</b> The host offers bytes through {@link #receive} (the CLI's stdin thread, through
 * {@code platform.ConsoleInput}); they wait in a buffer of {@link #INPUT_CAPACITY} bytes until the
 * driver has receiveq0 buffers, and go into them in order, split across as many as they need.
 * {@link #receive} never blocks: it takes what fits and calls the <i>wake</i> hook, which must get
 * {@link #notify notify(RECEIVEQ0)} called on the device thread (the wiring sets it to the
 * transport's {@code QueueNotifier.kick(0)}; unset, {@link #receive} drains on its caller's thread).
 * When a full buffer gets room the <i>room listener</i> runs ({@code ConsoleInput::rxReady}), so
 * the feeder waits instead of dropping. Input that arrives before the driver activated the device,
 * or across a reset, waits: a reset keeps the buffer, for Linux resets the device when its driver
 * probes (§3.1.1 step 1), and dropping it then would lose what the user typed during boot; the
 * bytes are the user's, not the driver's state.
 *
 * <p><b>Threads.</b> One lock guards everything. The sink, the interrupt and needs-reset run under
 * it and must not call back into the device; the wake hook and room listener run outside it.
 */
public final class ConsoleDevice implements VirtioDevice, InputReceiver {
    public static final int RECEIVEQ0 = 0;
    public static final int TRANSMITQ0 = 1;
    /** §5.3.3 feature bits. */
    public static final int VIRTIO_CONSOLE_F_SIZE = 0;
    public static final int VIRTIO_CONSOLE_F_MULTIPORT = 1;
    public static final int VIRTIO_CONSOLE_F_EMERG_WRITE = 2;
    /** §5.3.4 struct virtio_console_config offsets. */
    static final int COLS = 0, ROWS = 2, MAX_NR_PORTS = 4, EMERG_WR = 8, CONFIG_SIZE = 12;
    static final int QUEUE_SIZE = 256;
    /** Host input held for the guest at most. */
    public static final int INPUT_CAPACITY = 4096;

    private final Object lock = new Object();
    private final ByteSink out;
    private final GuestErrorLog log;
    private final ByteRing input = new ByteRing(INPUT_CAPACITY);
    /** Bytes on their way to the sink: transmitq0 chains and emerg_wr, both under {@code lock}. */
    private final byte[] scratch = new byte[4096];
    /** Has the device thread call {@link #notify} again; unconnected, the next notification does. */
    private IntConsumer kick = q -> {};
    private volatile Runnable wake = () -> notify(RECEIVEQ0);
    private volatile Runnable roomListener = () -> {};

    private Activation activation; // null: not activated (or reset)
    private SplitQueue rx, tx;
    private boolean brokenReported;
    private boolean sinkFailed;
    private boolean closed;

    public ConsoleDevice(ByteSink out, GuestErrorLog log) {
        this.out = out;
        this.log = log;
    }

    /**
     * What {@link #receive} runs after it accepted bytes while the device is active: something
     * that calls {@code notify(RECEIVEQ0)} on the device thread, such as the transport's
     * {@code QueueNotifier.kick(0)}. It must not block. Default: {@code notify(RECEIVEQ0)} at once.
     */
    public void setWake(Runnable wake) {
        this.wake = Objects.requireNonNull(wake);
    }

    /**
     * Host input is delivered on the device thread the transport kicks (receiveq0), and a queue
     * left with work past {@link SplitQueue#BUDGET} is served there next.
     */
    @Override
    public void connectKick(IntConsumer kick) {
        this.kick = kick;
        setWake(() -> kick.accept(RECEIVEQ0));
    }

    /** What runs when the input buffer, full, gets room ({@code ConsoleInput::rxReady}). Must not block. */
    public void setRoomListener(Runnable roomListener) {
        this.roomListener = Objects.requireNonNull(roomListener);
    }

    @Override public int deviceId() { return VirtioFeatures.ID_CONSOLE; }

    @Override public String name() { return "virtio-console"; }

    @Override
    public long features() {
        return VirtioFeatures.mask(VIRTIO_CONSOLE_F_EMERG_WRITE, VIRTIO_F_INDIRECT_DESC, VIRTIO_F_EVENT_IDX);
    }

    @Override public int queueCount() { return 2; }

    @Override public int maxQueueSize(int queue) { return queue == RECEIVEQ0 || queue == TRANSMITQ0 ? QUEUE_SIZE : 0; }

    @Override public int configSize() { return CONFIG_SIZE; }

    @Override
    public long readConfig(int offset, int size) {
        long value = 0;
        for (int k = 0; k < Math.min(size, 8); k++) {
            long at = (long) offset + k;
            // Little-endian (§2.5): only max_nr_ports' low byte is not 0.
            if (at == MAX_NR_PORTS) value |= 1L << (8 * k);
        }
        return value;
    }

    /** §5.3.4: emerg_wr takes one byte out at once; every other field is read-only. */
    @Override
    public void writeConfig(int offset, int size, long value) {
        if (offset != EMERG_WR || size < 1) return;
        synchronized (lock) {
            if (closed) return;
            scratch[0] = (byte) value;
            output(scratch, 1);
            flush();
        }
    }

    @Override
    public void activate(Activation a) {
        synchronized (lock) {
            if (closed || a.queues().size() <= TRANSMITQ0) return;
            activation = a;
            rx = a.queue(RECEIVEQ0);
            tx = a.queue(TRANSMITQ0);
            brokenReported = false;
        }
    }

    @Override
    public void notify(int queue) {
        boolean room;
        synchronized (lock) {
            if (activation == null) return;
            int before = input.free();
            if (queue == RECEIVEQ0) deliverInput();
            else if (queue == TRANSMITQ0) transmit();
            room = before == 0 && input.free() > 0;
            if ((rx.broken() || tx.broken()) && !brokenReported) {
                brokenReported = true;
                activation.needsReset().run();
            }
        }
        if (room) roomListener.run();
    }

    /** Moves buffered host input into receiveq0 buffers, in order (§5.3.6, §2.7.13). */
    private void deliverInput() {
        boolean used = false;
        int budget = SplitQueue.BUDGET;
        boolean more;
        do {
            rx.disableNotification();
            for (DescriptorChain c; budget > 0 && input.size() > 0 && (c = rx.pop()) != null; budget--) {
                int n = 0;
                if (c.readableCount() > 0) {
                    log.once("virtio-console-rx-readable", () -> "virtio-console: a receiveq buffer the device"
                            + " may only read (virtio 1.2 §5.3.6.1); returned with 0 bytes");
                } else {
                    n = input.drainInto(c);
                }
                rx.push(c.head(), n);
                used = true;
            }
            more = rx.enableNotification() && input.size() > 0;
        } while (more && --budget > 0);
        if (used && rx.needsNotification()) activation.interrupt().queue(RECEIVEQ0);
        if (more) kick.accept(RECEIVEQ0);
    }

    /** Writes each transmitq0 chain's readable bytes to the sink (§5.3.6.1). */
    private void transmit() {
        boolean used = false;
        int budget = SplitQueue.BUDGET;
        boolean more;
        do {
            tx.disableNotification();
            for (DescriptorChain c; budget > 0 && (c = tx.pop()) != null; budget--) {
                for (long at = 0; at < c.readableLength(); ) {
                    int n = c.read(at, scratch, 0, scratch.length);
                    if (n <= 0) break;
                    output(scratch, n);
                    at += n;
                }
                flush();
                tx.push(c.head(), 0);
                used = true;
            }
            more = tx.enableNotification();
        } while (more && --budget > 0);
        if (used && tx.needsNotification()) activation.interrupt().queue(TRANSMITQ0);
        if (more) kick.accept(TRANSMITQ0);
    }

    private void output(byte[] bytes, int length) {
        if (sinkFailed) return;
        try {
            out.write(bytes, 0, length);
        } catch (RuntimeException e) {
            sinkFailed(e);
        }
    }

    private void flush() {
        if (sinkFailed) return;
        try {
            out.flush();
        } catch (RuntimeException e) {
            sinkFailed(e);
        }
    }

    /** The host output broke (stdout closed): the guest's output is dropped from now on. */
    private void sinkFailed(RuntimeException e) {
        sinkFailed = true;
        System.err.println("jkvm: virtio-console: output failed, dropping the guest's output: " + e);
    }

    /** Takes what fits of {@code b[off, off + len)} into the input buffer; never blocks. */
    @Override
    public int receive(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        int n;
        boolean active;
        synchronized (lock) {
            n = closed ? 0 : input.put(b, off, len);
            active = activation != null;
        }
        if (n > 0 && active) wake.run();
        return n;
    }

    @Override
    public int space() {
        synchronized (lock) {
            return closed ? 0 : input.free();
        }
    }

    /** How many host bytes wait for the guest. */
    public int pending() {
        synchronized (lock) {
            return input.size();
        }
    }

    /** Forgets the queues; buffered input is kept (see the class comment). */
    @Override
    public void reset() {
        synchronized (lock) {
            activation = null;
            rx = tx = null;
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) return;
            closed = true;
            reset();
            flush();
        }
        roomListener.run(); // a feeder waiting for room looks again and finds the device closed
    }
}
