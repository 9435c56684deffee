package io.jkvm.it;

import io.jkvm.host.HostKind;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The two kinds of KVM host a guest test can meet, and what each must do: a host that runs guest
 * supervisor (CPL0) code natively (VMX/SVM, bare metal or nested) executes every instruction the
 * CPU has; a kvm-pvm host (/sys/module/kvm_pvm, HOST-NOTES.md) emulates CPL0 code and fails on a
 * few instructions, which jkvm's assists complete.
 */
final class HostCpu {
    private HostCpu() {}

    /** True on a kvm-pvm host: guest CPL0 code goes through KVM's instruction emulator. */
    static boolean emulatesSupervisorCode() {
        return HostKind.detect().emulatesSupervisorCode();
    }

    /** Whether this CPU has the feature, by its /proc/cpuinfo flag (the instruction then runs natively in a guest's CPL0). */
    static boolean has(String flag) {
        return flags().contains(flag);
    }

    private static Set<String> flags() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    return Arrays.stream(line.substring(line.indexOf(':') + 1).trim().split("\\s+")).collect(Collectors.toSet());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no flags line in /proc/cpuinfo");
    }
}
