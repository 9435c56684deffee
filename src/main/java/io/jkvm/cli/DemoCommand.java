package io.jkvm.cli;

import io.jkvm.Sizes;
import io.jkvm.config.VmConfig;
import io.jkvm.exit.VmExit;
import io.jkvm.boot.CpuMode;
import io.jkvm.boot.EntryPoint;
import io.jkvm.boot.Layout;
import io.jkvm.devices.ByteSink;
import io.jkvm.devices.PortLogger;
import io.jkvm.vcpu.ExitTracer;
import java.time.Duration;
import java.util.List;

/**
 * {@code jkvm demo hello|counter}: the two guests of MISSION.md section 1, built from
 * guests/hello.S and guests/counter.S.
 */
final class DemoCommand {
    static final Args.Spec SPEC = new Args.Spec("demo", "NAME", 1, 1,
            List.of("Run a built-in demo guest.",
                    "  hello    16-bit guest at 0x1000 (RAX = RBX = 2) prints 4 on COM1 and halts",
                    "  counter  16-bit guest writes 0, 1, 2, ... to port 0x10; every exit is logged"),
            CommonOptions.with(Args.Option.value("--exits", "N", "counter: stop after N exits (default 10).")),
            List.of());

    private final Args.Parsed parsed;
    private final String name;
    private final String exits;
    private final CommonOptions common;

    DemoCommand(Args.Parsed parsed) {
        this.parsed = parsed;
        this.name = parsed.positionals().isEmpty() ? "" : parsed.positionals().get(0);
        this.exits = parsed.get("--exits", "10");
        this.common = new CommonOptions(parsed);
    }

    int call() throws InterruptedException {
        if (parsed.help()) {
            System.out.print(SPEC.help());
            return 0;
        }
        Duration timeout = common.timeout();
        return switch (name) {
            case "hello" -> hello(timeout);
            case "counter" -> counter(timeout);
            default -> throw new UsageException("unknown demo '" + name + "': choose hello or counter");
        };
    }

    private VmConfig.Builder realModeGuest(String guest) {
        return VmConfig.builder()
                .memory(Layout.MIN_MEMORY)
                .mode(CpuMode.REAL)
                .image(Images.builtIn(guest), guest + ".bin")
                .loadAddress(Layout.REAL_MODE_LOAD_ADDR)
                .entry(EntryPoint.realMode(0, (int) Layout.REAL_MODE_LOAD_ADDR))
                .kvmDevice(common.kvmDevice)
                .tracer(common.traceExits() ? new ExitTracer(System.out, ExitTracer.Style.DETAILED, false) : null);
    }

    /** Demo 1: prints 4 and a newline, then the tutorial's KVM_EXIT_HLT line. */
    private int hello(Duration timeout) throws InterruptedException {
        VmConfig config = realModeGuest("hello").register("rax", 2).register("rbx", 2)
                .serial(ByteSink.lines(System.out)).build();
        VmExit exit = GuestSession.run(config, timeout, vm -> { }, common.stats, common.debug, System.err);
        System.out.println(exit.reason() == VmExit.Reason.HALTED ? "KVM_EXIT_HLT" : "jkvm: " + exit.message());
        return exit.status();
    }

    /** Demo 2: KVM_EXIT_IO / out port: 16, data: N for each exit, then stops after --exits. */
    private int counter(Duration timeout) throws InterruptedException {
        long limit = Sizes.parseNumber(exits);
        if (limit <= 0) throw new UsageException("--exits must be at least 1");
        VmConfig.Builder builder = realModeGuest("counter").exitLimit(limit);
        if (common.trace == null) builder.tracer(new ExitTracer(System.out, ExitTracer.Style.REASONS, false));
        VmConfig config = builder.build();
        VmExit exit = GuestSession.run(config, timeout,
                vm -> vm.attachPort(0x10, 2, new PortLogger(0x10, common.trace == null ? System.out : null)),
                common.stats, common.debug, System.err);
        System.out.println("jkvm: " + exit.message());
        return exit.status();
    }
}
