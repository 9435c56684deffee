package io.jkvm.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * What kind of KVM this host has, judged from what the host is (its /proc/cpuinfo, the
 * loaded modules, the KVM device), not from how fast a guest runs. HOST-NOTES.md describes
 * the unusual kinds; users have the first two.
 */
public enum HostKind {
    /** VMX or SVM in /proc/cpuinfo and no {@code hypervisor} flag: KVM on bare metal. */
    NATIVE("KVM on bare metal (VMX/SVM)"),
    /** VMX or SVM and the {@code hypervisor} flag: KVM nested under another hypervisor. */
    NESTED("nested KVM (VMX/SVM under another hypervisor)"),
    /**
     * The kvm_pvm module provides the KVM device: guest CPL0 code runs in KVM's instruction
     * emulator, a few instructions fail, vmcall at CPL0 never returns (HOST-NOTES.md).
     */
    KVM_PVM("nested KVM (kvm-pvm)"),
    /**
     * A Linux guest of QEMU's TCG running KVM on TCG's emulated SVM: real SVM semantics, but the
     * whole machine, host kernel and guest, is emulated, so everything is several times slower.
     */
    EMULATED("emulated KVM host (QEMU TCG, emulated SVM)"),
    /** No KVM device (e.g. a machine that is itself a kvm-pvm guest: kvm_pvm loaded but not binding). */
    NO_KVM("no KVM device"),
    /** A KVM device, but none of the above (no vmx/svm flag, unreadable /proc/cpuinfo). */
    UNKNOWN("KVM of an unknown kind");

    /** Set to 1 by the runner of the emulated KVM host; a secondary hint (see {@link #classify}). */
    public static final String EMULATED_HOST_ENV = "JKVM_EMULATED_HOST";

    private final String description;

    HostKind(String description) { this.description = description; }

    public String description() { return description; }

    /** Whether KVM runs guest supervisor (CPL0) code in its instruction emulator here. */
    public boolean emulatesSupervisorCode() { return this == KVM_PVM; }

    /** Whether a guest's hypercall (vmcall/vmmcall at CPL0) returns here. */
    public boolean hypercallsReturn() { return this != KVM_PVM; }

    /**
     * What the classification looks at.
     *
     * @param cpuinfo       the text of /proc/cpuinfo ("" when unreadable)
     * @param kvmPvmLoaded  /sys/module/kvm_pvm exists
     * @param kvmDevice     the KVM device (/dev/kvm) exists
     * @param emulatedHint  {@value #EMULATED_HOST_ENV}=1 in the environment
     */
    public record Facts(String cpuinfo, boolean kvmPvmLoaded, boolean kvmDevice, boolean emulatedHint) {}

    /** The kind and the evidence for it, in words. */
    public record Verdict(HostKind kind, String evidence) {}

    /**
     * The rules, in order:
     * <ol>
     * <li>no KVM device: {@link #NO_KVM} (a kvm-pvm guest has kvm_pvm loaded and no /dev/kvm);</li>
     * <li>kvm_pvm loaded: {@link #KVM_PVM} (its /dev/kvm is kvm-pvm's);</li>
     * <li>"model name" names QEMU's TCG CPU: {@link #EMULATED}. QEMU gives {@code -cpu max}
     *     under TCG the model id "QEMU TCG CPU version 2.5+" (target/i386/cpu.c,
     *     max_x86_cpu_initfn); under KVM {@code -cpu max} shows the host's name instead.
     *     A named QEMU model ("QEMU Virtual CPU version ...", qemu64) with svm/vmx counts too:
     *     with KVM, QEMU turns svm and vmx off in named models (kvm_default_props);</li>
     * <li>vmx or svm with the {@code hypervisor} flag: {@link #NESTED}, or {@link #EMULATED}
     *     when the emulated-host runner says so ({@value #EMULATED_HOST_ENV}=1);</li>
     * <li>vmx or svm alone: {@link #NATIVE};</li>
     * <li>otherwise {@link #UNKNOWN}.</li>
     * </ol>
     */
    public static Verdict classify(Facts f) {
        if (!f.kvmDevice()) {
            return new Verdict(NO_KVM, f.kvmPvmLoaded() ? "kvm_pvm is loaded but there is no KVM device: this machine is itself a kvm-pvm guest"
                    : "there is no KVM device");
        }
        if (f.kvmPvmLoaded()) return new Verdict(KVM_PVM, "the kvm_pvm module is loaded (/sys/module/kvm_pvm)");
        String model = field(f.cpuinfo(), "model name");
        Set<String> flags = Set.of(field(f.cpuinfo(), "flags").split("\\s+"));
        String virt = flags.contains("vmx") ? "vmx" : flags.contains("svm") ? "svm" : null;
        boolean underHypervisor = flags.contains("hypervisor");
        if (model.contains("QEMU TCG CPU")) return new Verdict(EMULATED, "/proc/cpuinfo model name \"" + model + "\"");
        if (model.startsWith("QEMU Virtual CPU") && virt != null) {
            return new Verdict(EMULATED, "/proc/cpuinfo model name \"" + model + "\" with " + virt + " (QEMU hides " + virt + " from named models under KVM)");
        }
        if (virt != null && underHypervisor) {
            if (f.emulatedHint()) return new Verdict(EMULATED, virt + " and hypervisor flags, and " + EMULATED_HOST_ENV + "=1");
            return new Verdict(NESTED, "/proc/cpuinfo flags " + virt + " and hypervisor");
        }
        if (virt != null) return new Verdict(NATIVE, "/proc/cpuinfo flag " + virt + ", no hypervisor flag");
        return new Verdict(UNKNOWN, f.cpuinfo().isEmpty() ? "/proc/cpuinfo unreadable" : "no vmx or svm flag in /proc/cpuinfo");
    }

    /** The value of the first {@code name : value} line of /proc/cpuinfo, or "". */
    static String field(String cpuinfo, String name) {
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equals(name)) return line.substring(colon + 1).strip();
        }
        return "";
    }

    /** Reads the facts of this host, for the KVM device {@code kvmDevice}. */
    public static Facts probe(String kvmDevice) {
        String cpuinfo;
        try {
            cpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
        } catch (IOException | RuntimeException e) {
            cpuinfo = "";
        }
        String hint = System.getenv(EMULATED_HOST_ENV);
        return new Facts(cpuinfo, Files.isDirectory(Path.of("/sys/module/kvm_pvm")), Files.exists(Path.of(kvmDevice)),
                hint != null && hint.strip().toLowerCase(Locale.ROOT).matches("1|y|yes|true"));
    }

    /** This host's kind for {@code kvmDevice}. */
    public static Verdict detect(String kvmDevice) {
        return classify(probe(kvmDevice));
    }

    /** This host's kind for /dev/kvm. */
    public static HostKind detect() {
        return detect("/dev/kvm").kind();
    }
}
