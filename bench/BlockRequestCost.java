import io.jkvm.memory.GuestMemory;
import io.jkvm.pci.GuestErrorLog;
import io.jkvm.sys.Libc;
import io.jkvm.virtio.Activation;
import io.jkvm.virtio.VirtioFeatures;
import io.jkvm.virtio.VirtioInterrupt;
import io.jkvm.virtio.blk.BlockDevice;
import io.jkvm.virtio.blk.DiskImage;
import io.jkvm.virtio.queue.MockDriver;
import io.jkvm.virtio.queue.MockDriver.Buf;
import io.jkvm.virtio.queue.SplitQueue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * What jkvm's virtio-blk request path costs on top of the system call that moves the data, with
 * no KVM: a {@link BlockDevice} over a raw image in the host's page cache, fed by the test
 * suite's {@link MockDriver} (the driver side of a split virtqueue, writing into guest RAM
 * mapped as jkvm maps it), one request at a time as the guest's queue depth 1 sends them:
 * <ul>
 *   <li>1 MiB read and 1 MiB write as Linux's virtio_blk sends a 1 MiB O_DIRECT request: one
 *       indirect descriptor whose table holds the 16-byte header, 254 data buffers (seg_max:
 *       252 pages of 4 KiB and 2 of 8 KiB, every other page of RAM) and the status byte;</li>
 *   <li>4 KiB read: header, one page, status (a 3-entry indirect table).</li>
 * </ul>
 * Per request the device pops the chain (the walk and its checks), parses the header, builds
 * the iovecs, makes one preadv/pwritev into or out of guest RAM, writes the status and pushes
 * the used element. The reference, in the same round, is that preadv/pwritev alone with the same
 * iovecs from Java (Libc's raw system call): the floor for any VMM's request path, QEMU's
 * included. Each round checks the device answered every request OK and the data arrived
 * (a read's first and last 8 bytes hold the file offset they were read from).
 *
 * <p>Prints a Markdown table: µs per request (median of ROUNDS rounds of N requests), the same
 * for the system call alone, their ratio, and jkvm's own part (the difference).
 * <pre>
 *   mvn -q test-compile   # the classes and the test suite's MockDriver
 *   java --enable-native-access=ALL-UNNAMED -cp target/classes:target/test-classes bench/BlockRequestCost.java 2000 7
 * </pre>
 * (or {@code bench/run.sh blkreq}, which runs it with ./jkvm's own JVM flags and with the JVM's
 * defaults). Needs no /dev/kvm.
 */
public class BlockRequestCost {
    static final long DESC = 0x1000, AVAIL = 0x3000, USED = 0x4000, TABLE = 0x8000, HDR = 0xa000, STATUS = 0xb000,
            DATA = 0x10_0000;
    static final int QUEUE_SIZE = BlockDevice.QUEUE_SIZE, SEG_MAX = QUEUE_SIZE - 2;
    static final long IMAGE_BYTES = 64L << 20, RAM_BYTES = 8L << 20;
    static final int VIRTIO_BLK_T_IN = 0, VIRTIO_BLK_T_OUT = 1;

    record Shape(String name, boolean write, long[] lengths) {
        long bytes() { return Arrays.stream(lengths).sum(); }
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        long[] mib = new long[SEG_MAX];
        Arrays.fill(mib, 4096);
        mib[0] = mib[1] = 8192;
        // The write last: it changes the image the reads check.
        List<Shape> shapes = List.of(new Shape("read 1 MiB (254 buffers)", false, mib),
                new Shape("read 4 KiB (1 buffer)", false, new long[] {4096}), new Shape("write 1 MiB (254 buffers)", true, mib));

        Path image = Files.createTempFile("jkvm-blkreq", ".img");
        try (GuestMemory ram = GuestMemory.map(List.of(new GuestMemory.Range(0, RAM_BYTES)))) {
            // Every 8 bytes of the image hold their own offset, so a read can be checked.
            ByteBuffer fill = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            try (var out = Files.newOutputStream(image)) {
                for (long at = 0; at < IMAGE_BYTES; at += fill.capacity()) {
                    fill.clear();
                    for (int i = 0; i < fill.capacity(); i += 8) fill.putLong(i, at + i);
                    out.write(fill.array());
                }
            }
            System.out.printf("| request | jkvm µs | preadv/pwritev alone µs | ratio | jkvm's own µs |%n|---|---|---|---|---|%n");
            for (Shape shape : shapes) measure(shape, image, ram, n, rounds);
        } finally {
            Files.deleteIfExists(image);
        }
        System.out.printf("%nMedian of %d rounds of %d requests each; %s %s, flags %s.%n", rounds, n,
                System.getProperty("java.vm.name"), System.getProperty("java.vm.version"),
                String.join(" ", java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()));
    }

    static void measure(Shape shape, Path image, GuestMemory ram, int n, int rounds) {
        MockDriver driver = new MockDriver(ram, QUEUE_SIZE, DESC, AVAIL, USED);
        VirtioInterrupt interrupt = new VirtioInterrupt() {   // the guest's interrupt: nobody to wake here
            @Override public void queue(int queue) {}
            @Override public void config() {}
        };
        BlockDevice device = new BlockDevice(DiskImage.open(image, false), null, new GuestErrorLog(m -> {
            throw new IllegalStateException("the device logged a guest error: " + m);
        }));
        long features = device.features() | VirtioFeatures.mask(VirtioFeatures.VIRTIO_F_VERSION_1);
        device.activate(new Activation(features, ram, List.of(new SplitQueue(ram, driver.state(true))), interrupt,
                () -> { throw new IllegalStateException("the device needs a reset"); }));

        // The chain: header, the data buffers on every other page, status; written once.
        Buf[] chain = new Buf[shape.lengths().length + 2];
        chain[0] = Buf.in(HDR, 16);
        long[] gpas = new long[shape.lengths().length];
        long at = DATA;
        for (int i = 0; i < gpas.length; i++) {
            gpas[i] = at;
            chain[1 + i] = shape.write() ? Buf.in(at, (int) shape.lengths()[i]) : Buf.out(at, (int) shape.lengths()[i]);
            at += shape.lengths()[i] + 4096;
        }
        chain[chain.length - 1] = Buf.out(STATUS, 1);
        driver.writeIndirectTable(TABLE, chain);
        driver.writeDescriptor(0, TABLE, 16L * chain.length, SplitQueue.VIRTQ_DESC_F_INDIRECT, 0);

        // The reference's iovecs: the same guest buffers, by host address.
        MemorySegment iov = Arena.ofAuto().allocate(Libc.IOVEC_SIZE * gpas.length, 8);
        for (int i = 0; i < gpas.length; i++) {
            iov.setAtIndex(ValueLayout.JAVA_LONG, 2L * i, ram.slice(gpas[i], shape.lengths()[i]).address());
            iov.setAtIndex(ValueLayout.JAVA_LONG, 2L * i + 1, shape.lengths()[i]);
        }
        int fd = Libc.open(image.toString(), Libc.O_RDWR);
        MemorySegment state = Libc.callState();
        long bytes = shape.bytes(), positions = IMAGE_BYTES / bytes;
        byte[] header = new byte[16];
        ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        double[] jkvm = new double[rounds], syscall = new double[rounds];
        try {
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                for (int k = 0; k < n; k++) {
                    long offset = (k % positions) * bytes;
                    h.putInt(0, shape.write() ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN).putLong(8, offset / 512);
                    ram.write(HDR, header);
                    driver.publish(0);
                    device.notify(0);
                }
                long t1 = System.nanoTime();
                check(shape, ram, driver, gpas, n * (r + 1L), n, positions, bytes);
                long t1b = System.nanoTime();
                for (int k = 0; k < n; k++) {
                    long offset = (k % positions) * bytes;
                    long done = shape.write() ? Libc.pwritev(state, fd, iov, gpas.length, offset)
                            : Libc.preadv(state, fd, iov, gpas.length, offset);
                    if (done != bytes) throw new IllegalStateException("the reference moved " + done + " of " + bytes + " bytes");
                }
                long t2 = System.nanoTime();
                jkvm[r] = (t1 - t0) / 1e3 / n;
                syscall[r] = (t2 - t1b) / 1e3 / n;
            }
        } finally {
            Libc.close(fd);
            device.close();
        }
        double j = median(jkvm), s = median(syscall);
        System.out.printf("| %s | %.1f | %.1f | %.2f | %.1f |%n", shape.name(), j, s, j / s, j - s);
    }

    /** Every request answered OK and used; a read's last request left its data in the buffers. */
    static void check(Shape shape, GuestMemory ram, MockDriver driver, long[] gpas, long requests, int n, long positions,
                      long bytes) {
        if (ram.readByte(STATUS) != 0) throw new IllegalStateException(shape.name() + ": status " + ram.readByte(STATUS));
        if (driver.usedIdx() != (int) (requests & 0xffff)) {
            throw new IllegalStateException(shape.name() + ": used.idx " + driver.usedIdx() + ", expected " + (requests & 0xffff));
        }
        if (!shape.write()) {
            long offset = ((n - 1) % positions) * bytes;
            long last = gpas[gpas.length - 1] + shape.lengths()[gpas.length - 1] - 8;
            if (ram.readLong(gpas[0]) != offset || ram.readLong(last) != offset + bytes - 8) {
                throw new IllegalStateException(shape.name() + ": the guest's buffers do not hold the file's bytes");
            }
        }
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
