package io.jkvm.cli;

import io.jkvm.Sizes;
import io.jkvm.config.MachineType;
import io.jkvm.config.VmConfig;
import io.jkvm.exit.VmExit;
import io.jkvm.boot.CpuMode;
import io.jkvm.boot.EntryPoint;
import io.jkvm.boot.Layout;
import io.jkvm.boot.PcPorts;
import io.jkvm.devices.ByteSink;
import io.jkvm.host.HostProfile;
import io.jkvm.config.LinuxKernel;
import io.jkvm.platform.MultibootBoot;
import io.jkvm.config.MultibootKernel;
import io.jkvm.vcpu.ExitTracer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** {@code jkvm run IMAGE}: a raw binary, loaded and started where the user says; or {@code --kernel}: Linux or multiboot on the PC platform. */
final class RunCommand {
    static final Args.Spec SPEC = new Args.Spec("run", "[IMAGE]", 0, 1,
            List.of("Run a raw binary image, or boot a Linux kernel with --kernel.",
                    "COM1 (0x3f8) goes to stdout; how the run ended goes to stderr."),
            CommonOptions.with(
                    Args.Option.value("--kernel", "FILE", "Boot this kernel on the PC platform instead of running IMAGE: Linux (bzImage or ELF vmlinux) or Multiboot v1, told by content."),
                    Args.Option.value("--initrd", "FILE", "The initrd (initramfs) for a Linux --kernel; for a multiboot kernel the modules, QEMU's way: 'FILE ARGS,FILE2' (',,' is a comma)."),
                    Args.Option.value("--append", "CMDLINE", "The kernel command line (default: console=ttyS0 for Linux, empty for multiboot)."),
                    Args.Option.flag("--no-host-decompress", "Boot a bzImage as is, through its own decompressor (default: jkvm decompresses it)."),
                    Args.Option.value("--host-profile", "auto|nested|none", "Add the kernel flags a host that emulates guest CPL0 code needs (default auto: detected)."),
                    Args.Option.value("--machine", "bare|microvm|pc", "The machine (default: bare for an IMAGE, microvm for --kernel; pc adds the PCI bus)."),
                    Args.Option.value("--mode", "MODE", "real (default), protected or long. jkvm builds the GDT at 0x500 and, for long mode, identity-mapped page tables at 0x9000-0xefff."),
                    Args.Option.value("--load-address", "ADDR", "Where the image goes (default 0x1000 in real mode, 0x100000 otherwise)."),
                    Args.Option.value("--entry", "ADDR|SEG:OFF", "Where every vCPU starts (default: the load address); SEG:OFF (hex) in real mode."),
                    Args.Option.value("--reg", "NAME=VALUE", "Set a general register or rflags at start (repeatable), e.g. --reg rax=2.").many(),
                    Args.Option.value("--memory", "SIZE", "Guest RAM, with K/M/G suffix (default 64M).").alias("-m"),
                    Args.Option.value("--cpus", "N", "vCPUs, one thread each (vcpu-N); each starts at the entry with its index in RDI."),
                    Args.Option.value("--debug-exit", "PORT|none", "Port of the debug-exit device (QEMU isa-debug-exit, 4 bytes; default 0xf4)."),
                    Args.Option.value("--exits", "N", "Stop after N exits."),
                    Args.Option.value("--serial", "stdio|file:PATH|none", "Where COM1 output goes (default stdio)."),
                    Args.Option.value("--serial2", "stdio|file:PATH|none", "With --kernel: a second UART, COM2 at 0x2f8 (IRQ 3), and where its output goes."),
                    Args.Option.value("--drive", "file=PATH[,readonly=on][,id=NAME]", "With --kernel: a raw disk image as a virtio-blk disk (repeatable; the first is /dev/vda).").many(),
                    Args.Option.value("--console", "serial|virtio", "With --kernel: where stdin goes; virtio adds a virtio-console (hvc0: append console=hvc0). Default serial (COM1)."),
                    Args.Option.flag("--rng", "With --kernel: a virtio-rng device fed from the host's /dev/urandom (/dev/hwrng in the guest)."),
                    Args.Option.value("--rng-rate", "BYTES", "Limit the virtio-rng device to BYTES a second (implies --rng)."),
                    Args.Option.flag("--no-reboot", "With --kernel: end when the guest reboots instead of restarting it (QEMU's -no-reboot).")),
            List.of("", "Exit status: 0 halted/finished, 1 jkvm error, 2 bad usage, 4 guest triple fault,",
                    "6 unhandled guest exit, 124 timeout, 130 Ctrl-C, (V<<1)|1 when the guest writes V to the debug-exit port."));

    private final Args.Parsed parsed;
    final Path image;
    final String kernel;
    final String initrd;
    final String append;
    final boolean hostDecompress;
    final String hostProfile;
    final String mode;
    final String machine;
    final String loadAddress;
    final String entry;
    final List<String> registers;
    final String memory;
    final String cpus;
    final String debugExit;
    final String exits;
    final String serial;
    final String serial2;
    final boolean noReboot;
    final List<String> drives;
    final String console;
    final boolean rng;
    final String rngRate;
    final CommonOptions common;

    RunCommand(Args.Parsed p) {
        this.parsed = p;
        this.image = p.positionals().isEmpty() ? null : Path.of(p.positionals().get(0));
        this.kernel = p.get("--kernel");
        this.initrd = p.get("--initrd");
        this.append = p.get("--append");
        this.hostDecompress = !p.has("--no-host-decompress");
        this.hostProfile = p.get("--host-profile", "auto");
        this.mode = p.get("--mode", "real");
        this.loadAddress = p.get("--load-address");
        this.entry = p.get("--entry");
        this.registers = p.all("--reg");
        this.memory = p.get("--memory", "64M");
        this.cpus = p.get("--cpus", "1");
        this.debugExit = p.get("--debug-exit");
        this.exits = p.get("--exits");
        this.serial = p.get("--serial", "stdio");
        this.serial2 = p.get("--serial2");
        this.noReboot = p.has("--no-reboot");
        this.machine = p.get("--machine");
        this.drives = p.all("--drive");
        this.console = p.get("--console");
        this.rng = p.has("--rng");
        this.rngRate = p.get("--rng-rate");
        this.common = new CommonOptions(p);
    }

    int call() throws InterruptedException {
        if (parsed.help()) {
            System.out.print(SPEC.help());
            return 0;
        }
        Duration timeout = common.timeout();
        try (SerialTarget com1 = SerialTarget.open(serial, "--serial");
             SerialTarget com2 = serial2 == null ? null : SerialTarget.open(serial2, "--serial2")) {
            VmConfig config = config(com1.sink, com2 == null ? null : com2.sink);
            VmExit exit = GuestSession.runRebooting(config, timeout, vm -> {
                if (vm.bootNote() != null && common.debug) System.err.println("jkvm: " + vm.bootNote());
            }, common.stats, common.debug, System.err, noReboot,
                    reset -> System.err.println("jkvm: " + reset.message().stripTrailing() + ": restarting (--no-reboot ends instead)"));
            System.err.println("jkvm: " + exit.message().stripTrailing());
            return exit.status();
        }
    }

    /** --machine, or null for the default (bare for an image, microvm for a kernel). */
    private MachineType machineType() {
        if (machine == null) return null;
        MachineType t = MachineType.named(machine.toLowerCase(Locale.ROOT));
        if (t == null) throw new UsageException("unknown --machine '" + machine + "': choose bare, microvm or pc");
        if (t.pcFamily() && kernel == null) throw new UsageException("--machine " + machine + " boots a kernel: give --kernel FILE");
        if (!t.pcFamily() && kernel != null) throw new UsageException("--machine bare runs an IMAGE, not --kernel: choose microvm or pc");
        return t;
    }

    VmConfig config() {
        return config(ByteSink.lines(System.out), null);
    }

    VmConfig config(ByteSink com1, ByteSink com2) {
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
                .machine(machineType())
                .mode(cpuMode)
                .memory(memoryBytes)
                .cpus(cpuCount)
                .kvmDevice(common.kvmDevice);
        if (kernel != null) {
            if (image != null) throw new UsageException("give either IMAGE or --kernel, not both");
            HostProfile profile;
            try {
                profile = HostProfile.parse(hostProfile);
            } catch (IllegalArgumentException e) {
                throw new UsageException("unknown --host-profile '" + hostProfile + "': choose auto, nested or none");
            }
            byte[] kernelBytes = Images.readFile(Path.of(kernel), memoryBytes, "kernel");
            if (MultibootBoot.isMultiboot(kernelBytes)) {
                b.multiboot(new MultibootKernel(kernelBytes, kernel, append == null ? "" : append,
                        Images.multibootModules(initrd, memoryBytes)));
            } else {
                byte[] initrdBytes = initrd == null ? null : Images.readFile(Path.of(initrd), memoryBytes, "initrd");
                b.linux(new LinuxKernel(kernelBytes, kernel, initrdBytes,
                        profile.apply(append == null ? "console=ttyS0" : append), hostDecompress));
            }
        } else {
            if (image == null) throw new UsageException("give an IMAGE to run, or --kernel FILE");
            if (initrd != null) throw new UsageException("--initrd goes with --kernel");
            b.image(Images.readFile(image, Math.min(memoryBytes, Layout.MMIO_HOLE_START), "image"), image.toString());
        }
        if (loadAddress != null) b.loadAddress(usage(() -> Sizes.parseNumber(loadAddress), "--load-address"));
        if (entry != null) b.entry(parseEntry(entry, cpuMode));
        for (String r : registers) {
            int eq = r.indexOf('=');
            if (eq <= 0) throw new UsageException("--reg '" + r + "': give NAME=VALUE, e.g. --reg rax=2");
            b.register(r.substring(0, eq).trim(), usage(() -> Sizes.parseNumber(r.substring(eq + 1)), "--reg " + r));
        }
        if (debugExit != null) {
            if (debugExit.equals("none")) b.noDebugExit();
            else b.debugExit((int) (long) usage(() -> Sizes.parseNumber(debugExit), "--debug-exit"), PcPorts.DEBUG_EXIT.length());
        }
        if (exits != null) {
            long n = usage(() -> Sizes.parseNumber(exits), "--exits");
            if (n <= 0) throw new UsageException("--exits must be at least 1");
            b.exitLimit(n);
        }
        b.serial(com1);
        List<io.jkvm.config.VirtioSpec> virtio = VirtioOptions.specs(drives, console, rng, rngRate,
                new SerialTarget.Stdio(ByteSink.lines(System.out)));
        if (!virtio.isEmpty()) {
            if (kernel == null) throw new UsageException("--drive, --console virtio and --rng go with --kernel (a microvm or pc machine)");
            io.jkvm.config.PcOptions.Builder pc = io.jkvm.config.PcOptions.builder();
            virtio.forEach(pc::virtio);
            b.pcOptions(pc.build());
        }
        if (com2 != null) {
            if (kernel == null) throw new UsageException("--serial2 goes with --kernel");
            b.serial2(com2);
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
