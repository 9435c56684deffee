package io.jkvm.cli;

import io.jkvm.host.HostKind;
import io.jkvm.cli.SupervisorSpeed;
import io.jkvm.kvm.Kvm;
import io.jkvm.kvm.KvmCap;
import io.jkvm.kvm.KvmCpuid2;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** {@code jkvm info}: what this host's KVM offers, what kind of host it is, and how fast guest supervisor code runs. */
final class InfoCommand {
    static final Args.Spec SPEC = new Args.Spec("info", "", 0, 0,
            List.of("Print the KVM API version, capabilities, supported CPUID leaves, the kind of host, and how fast guest supervisor code runs here."),
            List.of(Args.Option.value("--kvm", "PATH", "The KVM device (default /dev/kvm)."),
                    Args.Option.flag("--no-calibrate", "Skip the calibration guest."),
                    Args.Option.flag("--debug", "Show stack traces for errors.")),
            List.of());

    private final Args.Parsed parsed;
    private final String kvmDevice;
    private final boolean noCalibrate;

    InfoCommand(Args.Parsed p) {
        this.parsed = p;
        this.kvmDevice = p.get("--kvm", "/dev/kvm");
        this.noCalibrate = p.has("--no-calibrate");
    }

    int call() throws InterruptedException {
        if (parsed.help()) {
            System.out.print(SPEC.help());
            return 0;
        }
        if (CheckOnly.requested()) throw new CheckOnly.Passed();
        PrintStream out = System.out;
        try (Kvm kvm = Kvm.open(kvmDevice)) {
            out.println("KVM device:            " + kvmDevice);
            out.println("KVM API version:       " + kvm.apiVersion());
            out.println("vCPU mmap size:        " + kvm.vcpuMmapSize() + " bytes");
            out.println("max vCPUs per VM:      " + kvm.maxVcpus());
            out.println();
            out.println("Capabilities jkvm uses:");
            for (KvmCap cap : KvmCap.values()) {
                int v = kvm.checkExtension(cap);
                String value = v == 0 ? "no" : v == 1 ? "yes" : "yes (" + v + ")";
                out.printf("  %-36s %-10s %s%n", cap.name(), value, cap.use());
            }
            out.println();
            out.println("Supported CPUID leaves (KVM_GET_SUPPORTED_CPUID):");
            out.println("  function   index        eax        ebx        ecx        edx");
            for (KvmCpuid2.Leaf l : kvm.supportedCpuidLeaves()) {
                out.printf("  %08x %7x   %08x   %08x   %08x   %08x%n", l.function(), l.index(), l.eax(), l.ebx(), l.ecx(), l.edx());
            }
        }
        out.println();
        HostKind.Verdict host = HostKind.detect(kvmDevice);
        SupervisorSpeed.Result speed = noCalibrate ? null : SupervisorSpeed.measure(Images.builtIn("calibrate"), kvmDevice);
        report(host, speed).forEach(out::println);
        return 0;
    }

    /**
     * The host's kind with its evidence, the measured speed of guest supervisor code as a
     * figure ({@code speed} null when not measured), and what the kind means for guests. The
     * verdict comes from the kind alone: an emulated KVM host is slow because TCG emulates the
     * whole machine, a kvm-pvm host because KVM's instruction emulator runs guest CPL0 code.
     */
    static List<String> report(HostKind.Verdict host, SupervisorSpeed.Result speed) {
        List<String> lines = new ArrayList<>();
        lines.add("Host kind: " + host.kind().description() + " (" + host.evidence() + ")");
        if (speed == null) {
            lines.add("Guest supervisor code: not measured (--no-calibrate)");
        } else {
            lines.add(String.format("Guest supervisor code: %.3g instructions/s (%d iterations of dec/jnz at CPL0 in %.1f ms)",
                    speed.instructionsPerSecond(), speed.iterations(), speed.time().toNanos() / 1e6));
        }
        lines.add(switch (host.kind()) {
            case NATIVE -> "  Guest code, supervisor and user mode, runs on the CPU (hardware virtualization).";
            case NESTED -> "  Guest code runs on the CPU through nested VMX/SVM; each exit also goes through the outer hypervisor.";
            case KVM_PVM -> "  KVM's instruction emulator runs guest supervisor (CPL0) code; user mode (CPL3) runs natively. Kernels boot"
                    + " slowly, a few instructions fail at CPL0 (jkvm completes them), vmcall at CPL0 never returns: --host-profile"
                    + " auto adds the kernel flags this host needs.";
            case EMULATED -> "  Real SVM semantics, but QEMU's TCG emulates the whole machine, host kernel and guests alike: every"
                    + " figure here is several times below native. KVM's instruction emulator does not run guest CPL0 code.";
            case UNKNOWN, NO_KVM -> speed == null ? "  Nothing known about how this KVM runs guest code."
                    : speed.isNative() ? "  The figure is of native speed." : "  The figure is far below native speed.";
        });
        return lines;
    }
}
