package io.jkvm.cli;

import io.jkvm.host.SupervisorSpeed;
import io.jkvm.kvm.Kvm;
import io.jkvm.kvm.KvmCap;
import io.jkvm.kvm.KvmCpuid2;
import java.io.PrintStream;
import java.util.List;

/** {@code jkvm info}: what this host's KVM offers, and whether it runs guest supervisor code natively. */
final class InfoCommand {
    static final Args.Spec SPEC = new Args.Spec("info", "", 0, 0,
            List.of("Print the KVM API version, capabilities, supported CPUID leaves, and how fast guest supervisor code runs here."),
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
        String kind = SupervisorSpeed.isKvmPvm() ? "nested KVM (kvm-pvm)" : "KVM";
        if (noCalibrate) {
            out.println("Host: " + kind + "; supervisor-code speed not measured (--no-calibrate)");
            return 0;
        }
        SupervisorSpeed.Result r = SupervisorSpeed.measure(Images.builtIn("calibrate"), kvmDevice);
        out.printf("Guest supervisor code: %.3g instructions/s (%d iterations of dec/jnz at CPL0 in %.1f ms)%n",
                r.instructionsPerSecond(), r.iterations(), r.time().toNanos() / 1e6);
        if (r.isNative()) {
            out.println("Host: " + kind + " runs guest supervisor code natively (hardware virtualization)");
        } else {
            out.println("Host: " + kind + " EMULATES guest supervisor code (KVM's instruction emulator): kernels boot slowly,"
                    + " and some instructions fail at CPL0 with KVM_EXIT_INTERNAL_ERROR. Guest user-mode (CPL3) code runs natively.");
        }
        return 0;
    }
}
