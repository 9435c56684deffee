package io.jkvm.cli;

import io.jkvm.api.Sizes;
import io.jkvm.api.VmConfig;
import io.jkvm.api.VmExit;
import io.jkvm.boot.CpuMode;
import io.jkvm.boot.EntryPoint;
import io.jkvm.boot.Layout;
import io.jkvm.devices.ByteSink;
import io.jkvm.devices.DebugExit;
import io.jkvm.vcpu.ExitTracer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code jkvm run IMAGE}: a raw binary, loaded and started where the user says. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run a raw binary image. COM1 (0x3f8) goes to stdout; how the run ended goes to stderr.",
        footer = {"", "Exit status: 0 halted/finished, 1 jkvm error, 2 bad usage, 4 guest triple fault,",
                "6 unhandled guest exit, 124 timeout, 130 Ctrl-C, (V<<1)|1 when the guest writes V to the debug-exit port."})
final class RunCommand implements Callable<Integer> {
    @Parameters(paramLabel = "IMAGE", description = "The raw binary to copy into guest RAM.")
    Path image;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "real",
            description = "real, protected or long (default ${DEFAULT-VALUE}). jkvm builds the GDT at 0x500 and, for long mode, identity-mapped page tables at 0x9000-0xefff.")
    String mode;

    @Option(names = "--load-address", paramLabel = "ADDR", description = "Where the image goes (default 0x1000 in real mode, 0x100000 otherwise).")
    String loadAddress;

    @Option(names = "--entry", paramLabel = "ADDR|SEG:OFF", description = "Where every vCPU starts (default: the load address). SEG:OFF in real mode.")
    String entry;

    @Option(names = "--reg", paramLabel = "NAME=VALUE", description = "Set a general register or rflags at start (repeatable), e.g. --reg rax=2.")
    List<String> registers = new ArrayList<>();

    @Option(names = {"--memory", "-m"}, paramLabel = "SIZE", defaultValue = "64M", description = "Guest RAM, with K/M/G suffix (default ${DEFAULT-VALUE}).")
    String memory;

    @Option(names = "--cpus", paramLabel = "N", defaultValue = "1", description = "vCPUs, one thread each (vcpu-N); each starts at the entry with its index in RDI.")
    String cpus;

    @Option(names = "--debug-exit", paramLabel = "PORT", description = "Port of the debug-exit device (QEMU isa-debug-exit, 4 bytes wide; default 0xf4; 'none' to remove).")
    String debugExit;

    @Option(names = "--exits", paramLabel = "N", description = "Stop after N exits.")
    String exits;

    @Option(names = "--serial", paramLabel = "stdio|none", defaultValue = "stdio", description = "Where COM1 output goes (default ${DEFAULT-VALUE}).")
    String serial;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws InterruptedException {
        VmConfig config = config();
        Duration timeout = common.timeout();
        VmExit exit = GuestSession.run(config, timeout, vm -> { }, common.stats, System.err);
        System.err.println("jkvm: " + exit.message().stripTrailing());
        return exit.status();
    }

    VmConfig config() {
        CpuMode cpuMode = switch (mode.toLowerCase(Locale.ROOT)) {
            case "real" -> CpuMode.REAL;
            case "protected" -> CpuMode.PROTECTED;
            case "long" -> CpuMode.LONG;
            default -> throw new UsageException("unknown --mode '" + mode + "': choose real, protected or long");
        };
        long memoryBytes = usage(() -> Sizes.parseSize(memory), "--memory");
        int cpuCount = (int) Math.min(Integer.MAX_VALUE, usage(() -> Sizes.parseNumber(cpus), "--cpus"));
        if (cpuCount < 1) throw new UsageException("--cpus " + cpus + ": give at least 1");
        VmConfig.Builder b = VmConfig.builder()
                .mode(cpuMode)
                .memory(memoryBytes)
                .cpus(cpuCount)
                .kvmDevice(common.kvmDevice)
                .image(Images.readFile(image, Math.min(memoryBytes, Layout.MMIO_HOLE_START)), image.toString());
        if (loadAddress != null) b.loadAddress(usage(() -> Sizes.parseNumber(loadAddress), "--load-address"));
        if (entry != null) b.entry(parseEntry(entry, cpuMode));
        for (String r : registers) {
            int eq = r.indexOf('=');
            if (eq <= 0) throw new UsageException("--reg '" + r + "': give NAME=VALUE, e.g. --reg rax=2");
            b.register(r.substring(0, eq).trim(), usage(() -> Sizes.parseNumber(r.substring(eq + 1)), "--reg " + r));
        }
        if (debugExit != null) {
            if (debugExit.equals("none")) b.noDebugExit();
            else b.debugExit((int) (long) usage(() -> Sizes.parseNumber(debugExit), "--debug-exit"), DebugExit.DEFAULT_SIZE);
        }
        if (exits != null) {
            long n = usage(() -> Sizes.parseNumber(exits), "--exits");
            if (n <= 0) throw new UsageException("--exits must be at least 1");
            b.exitLimit(n);
        }
        switch (serial) {
            case "stdio" -> b.serial(ByteSink.lines(System.out));
            case "none" -> b.serial(ByteSink.NONE);
            default -> throw new UsageException("unknown --serial '" + serial + "': choose stdio or none");
        }
        if (common.traceExits()) b.tracer(new ExitTracer(System.err, ExitTracer.Style.DETAILED, cpuCount > 1));
        return b.build();
    }

    static EntryPoint parseEntry(String text, CpuMode mode) {
        int colon = text.indexOf(':');
        if (colon < 0) return EntryPoint.linear(usage(() -> Sizes.parseNumber(text), "--entry"));
        if (mode != CpuMode.REAL) throw new UsageException("--entry " + text + ": SEG:OFF is for --mode real");
        long seg = usage(() -> Sizes.parseNumber(hexDefault(text.substring(0, colon))), "--entry segment");
        long off = usage(() -> Sizes.parseNumber(hexDefault(text.substring(colon + 1))), "--entry offset");
        if (seg > 0xffff || off > 0xffff) throw new UsageException("--entry " + text + ": segment and offset are 16-bit");
        return EntryPoint.realMode((int) seg, (int) off);
    }

    /** SEG:OFF is hex by convention (1000:0000); 0x is allowed too. */
    private static String hexDefault(String s) {
        String t = s.trim();
        return t.toLowerCase(Locale.ROOT).startsWith("0x") ? t : "0x" + t;
    }

    private interface Parse {
        long get();
    }

    private static long usage(Parse p, String what) {
        try {
            return p.get();
        } catch (io.jkvm.JkvmException e) {
            throw new UsageException(what + ": " + e.getMessage());
        }
    }
}
