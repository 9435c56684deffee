package io.jkvm.cli;

import io.jkvm.host.SupervisorSpeed;
import io.jkvm.kvm.Kvm;
import io.jkvm.kvm.KvmCap;
import io.jkvm.kvm.KvmCpuid2;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.concurrent.Callable;

/** {@code jkvm info}: what this host's KVM offers, and whether it runs guest supervisor code natively. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Print the KVM API version, capabilities, supported CPUID leaves, and how fast guest supervisor code runs here.")
final class InfoCommand implements Callable<Integer> {
    @Option(names = "--kvm", paramLabel = "PATH", defaultValue = "/dev/kvm", description = "The KVM device (default: ${DEFAULT-VALUE}).")
    String kvmDevice;

    @Option(names = "--no-calibrate", description = "Skip the calibration guest.")
    boolean noCalibrate;

    @Option(names = "--debug", description = "Show stack traces for errors.")
    boolean debug;

    @Override
    public Integer call() throws InterruptedException {
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
