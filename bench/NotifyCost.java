import io.jkvm.api.VirtualMachine;
import io.jkvm.boot.CpuMode;
import io.jkvm.bus.BusDevice;
import io.jkvm.config.VmConfig;
import io.jkvm.event.EventFd;
import io.jkvm.event.EventLoop;
import io.jkvm.exit.VmExit;
import io.jkvm.kvm.IoEvent;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cost of one virtio queue notification as jkvm takes it: guests/bench_notify.S writes its
 * notify register N times, and this program times the run (first KVM_RUN to the debug exit,
 * {@code VmStats.runTime}) in four variants, each on a fresh VM:
 * <ul>
 *   <li>port exit: {@code outl} to port 0x510, a BusDevice counting the writes (KVM_EXIT_IO to jkvm);
 *   <li>port ioeventfd: the same port with an ioeventfd (KVM signals an eventfd in the kernel; the
 *       device thread, an EventLoop as QueueNotifier uses, reads it; no exit to jkvm);
 *   <li>MMIO exit: {@code movl} to 0xd0000050 (virtio-mmio's QueueNotify), a BusDevice (KVM_EXIT_MMIO);
 *   <li>MMIO ioeventfd: the same address with an ioeventfd.
 * </ul>
 * Each variant checks what it counted: N writes reached the device (exit variants) or the
 * eventfd's counts sum to N (ioeventfd variants), and the exits jkvm saw. Prints a Markdown
 * table: ns per notification (median of ROUNDS), notifications per second, ratio to the port exit.
 *
 * <pre>
 *   bench/build.sh   # assembles bench/build/guests/bench_notify.bin
 *   java --enable-native-access=ALL-UNNAMED -cp target/classes bench/NotifyCost.java bench/build/guests/bench_notify.bin 200000 3
 * </pre>
 * (or {@code bench/run.sh notify}). Needs /dev/kvm.
 */
public class NotifyCost {
    static final int PORT = 0x510;
    static final long MMIO_BASE = 0xd000_0000L;
    static final long QUEUE_NOTIFY = 0x50;

    record Variant(String name, boolean mmio, boolean ioeventfd) {}

    record Result(double seconds, long deviceWrites, long eventfdCount, long exits) {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: NotifyCost GUEST.bin NOTIFICATIONS [ROUNDS]");
            System.exit(2);
        }
        byte[] guest = Files.readAllBytes(Path.of(args[0]));
        long n = Long.parseLong(args[1]);
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        List<Variant> variants = List.of(new Variant("port exit (KVM_EXIT_IO)", false, false),
                new Variant("port, ioeventfd", false, true), new Variant("MMIO exit (KVM_EXIT_MMIO)", true, false),
                new Variant("MMIO, ioeventfd", true, true));
        double[][] ns = new double[variants.size()][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int v = 0; v < variants.size(); v++) {
                Result res = run(guest, n, variants.get(v));
                ns[v][r] = res.seconds() * 1e9 / n;
                System.err.printf("notify-cost: round %d, %s: %.3f s, %.0f ns each, device writes %d, eventfd count %d, exits %d%n",
                        r + 1, variants.get(v).name(), res.seconds(), ns[v][r], res.deviceWrites(), res.eventfdCount(), res.exits());
            }
        }
        System.out.println("| notification | ns each (median of " + rounds + ") | per second | / port exit |");
        System.out.println("|---|---|---|---|");
        double base = median(ns[0]);
        for (int v = 0; v < variants.size(); v++) {
            double m = median(ns[v]);
            System.out.printf("| %s | %.0f | %.0f | %.2f |%n", variants.get(v).name(), m, 1e9 / m, m / base);
        }
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static Result run(byte[] guest, long n, Variant v) throws Exception {
        VmConfig config = VmConfig.builder().mode(CpuMode.LONG).irqchip(true).image(guest, "bench_notify")
                .register("rcx", n).register("rbx", v.mmio() ? 1 : 0).build();
        AtomicLong writes = new AtomicLong();
        AtomicLong signalled = new AtomicLong();
        BusDevice notify = new BusDevice() {
            @Override public long read(long offset, int size) { return 0; }

            @Override public void write(long offset, int size, long value) { writes.incrementAndGet(); }
        };
        try (VirtualMachine vm = VirtualMachine.create(config); EventLoop loop = EventLoop.start();
             EventFd fd = EventFd.nonBlocking()) {
            if (v.mmio()) vm.attachMmio(MMIO_BASE, 0x1000, notify);
            else vm.attachPort(PORT, 4, notify);
            if (v.ioeventfd()) {
                loop.register(fd, signalled::addAndGet);
                vm.ioeventfd(v.mmio() ? IoEvent.mmio(MMIO_BASE + QUEUE_NOTIFY, 4) : IoEvent.port(PORT, 4), fd);
            }
            VmExit exit = vm.run(Duration.ofMinutes(10));
            if (exit.reason() != VmExit.Reason.DEBUG_EXIT) throw new IllegalStateException(v.name() + ": " + exit.message());
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (v.ioeventfd() && signalled.get() < n && System.nanoTime() < deadline) Thread.sleep(1);
            long expectWrites = v.ioeventfd() ? 0 : n;
            long expectSignalled = v.ioeventfd() ? n : 0;
            if (writes.get() != expectWrites || signalled.get() != expectSignalled) {
                throw new IllegalStateException(v.name() + ": device writes " + writes.get() + " (expected " + expectWrites
                        + "), eventfd count " + signalled.get() + " (expected " + expectSignalled + ")");
            }
            return new Result(vm.stats().runTime().toNanos() / 1e9, writes.get(), signalled.get(), vm.stats().totalExits());
        }
    }
}
