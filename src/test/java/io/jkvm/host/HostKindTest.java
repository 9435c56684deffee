package io.jkvm.host;

import io.jkvm.host.HostKind.Facts;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link HostKind#classify} on /proc/cpuinfo texts of each kind of host. */
class HostKindTest {
    private static String cpuinfo(String vendor, String model, String flags) {
        String one = "processor\t: %d\nvendor_id\t: " + vendor + "\ncpu family\t: 25\nmodel\t\t: 1\nmodel name\t: " + model
                + "\nstepping\t: 1\nflags\t\t: " + flags + "\nbogomips\t: 5988.73\n\n";
        return String.format(one, 0) + String.format(one, 1);
    }

    /** A bare-metal AMD server: svm, no hypervisor flag. */
    static final String EPYC_METAL = cpuinfo("AuthenticAMD", "AMD EPYC 7763 64-Core Processor",
            "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx "
                    + "mmxext fxsr_opt pdpe1gb rdtscp lm constant_tsc rep_good nopl nonstop_tsc cpuid extd_apicid aperfmperf "
                    + "pni pclmulqdq monitor ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand "
                    + "lahf_lm cmp_legacy svm extapic cr8_legacy abm sse4a misalignsse 3dnowprefetch osvw ibs skinit wdt "
                    + "npt lbrv svm_lock nrip_save tsc_scale vmcb_clean flushbyasid decodeassists pausefilter pfthreshold avic");
    /** A bare-metal Intel desktop: vmx, no hypervisor flag. */
    static final String INTEL_METAL = cpuinfo("GenuineIntel", "Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz",
            "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush dts acpi mmx fxsr sse sse2 ss ht "
                    + "tm pbe syscall nx pdpe1gb rdtscp lm constant_tsc art arch_perfmon pebs bts rep_good nopl xtopology "
                    + "nonstop_tsc cpuid aperfmperf pni pclmulqdq dtes64 monitor ds_cpl vmx smx est tm2 ssse3 sdbg fma cx16 "
                    + "xtpr pdcm pcid sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand lahf_lm "
                    + "abm 3dnowprefetch cpuid_fault epb invpcid_single pti ssbd ibrs ibpb stibp tpr_shadow vnmi flexpriority ept vpid");
    /** A cloud VM with nested virtualization (KVM guest, -cpu host): vmx and hypervisor. */
    static final String CLOUD_NESTED = cpuinfo("GenuineIntel", "Intel(R) Xeon(R) CPU @ 2.20GHz",
            "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ss ht syscall "
                    + "nx pdpe1gb rdtscp lm constant_tsc rep_good nopl xtopology nonstop_tsc cpuid tsc_known_freq pni "
                    + "pclmulqdq vmx ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand "
                    + "hypervisor lahf_lm abm 3dnowprefetch invpcid_single ssbd ibrs ibpb stibp tpr_shadow vnmi ept vpid");
    /** QEMU 7.2 -accel tcg -cpu max (HOST-NOTES.md: svm and npt inside). */
    static final String QEMU_TCG_MAX = cpuinfo("AuthenticAMD", "QEMU TCG CPU version 2.5+",
            "fpu de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx "
                    + "mmxext pdpe1gb rdtscp lm 3dnowext 3dnow rep_good nopl cpuid extd_apicid pni pclmulqdq monitor ssse3 "
                    + "cx16 sse4_1 sse4_2 movbe popcnt aes xsave rdrand hypervisor lahf_lm svm cr8_legacy abm sse4a "
                    + "3dnowprefetch vmmcall fsgsbase bmi1 bmi2 erms smap clflushopt sha_ni xsaveopt xgetbv1 arat npt "
                    + "vgif umip pku ospke la57");
    /** QEMU TCG with its default qemu64 model, which keeps svm. */
    static final String QEMU_TCG_QEMU64 = cpuinfo("AuthenticAMD", "QEMU Virtual CPU version 2.5+",
            "fpu de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 syscall nx lm "
                    + "rep_good nopl cpuid extd_apicid pni cx16 hypervisor lahf_lm svm 3dnowprefetch vmmcall");
    /** qemu64 under KVM: QEMU switches svm off in named models. */
    static final String QEMU64_ON_KVM = cpuinfo("AuthenticAMD", "QEMU Virtual CPU version 2.5+",
            "fpu de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 syscall nx lm "
                    + "rep_good nopl cpuid extd_apicid pni cx16 x2apic hypervisor lahf_lm 3dnowprefetch vmmcall");
    /** This machine's CPU (a kvm-pvm guest): no svm, hypervisor. */
    static final String PVM_GUEST = cpuinfo("AuthenticAMD", "AMD EPYC",
            "fpu vme de pse tsc msr pae mce cx8 apic sep pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx mmxext "
                    + "lm constant_tsc rep_good nopl xtopology tsc_reliable nonstop_tsc cpuid extd_apicid hypervisor");

    private static HostKind kind(String cpuinfo) {
        return HostKind.classify(new Facts(cpuinfo, false, true, false)).kind();
    }

    @Test
    void bareMetalVmxOrSvmIsNative() {
        assertEquals(HostKind.NATIVE, kind(EPYC_METAL));
        assertEquals(HostKind.NATIVE, kind(INTEL_METAL));
        assertTrue(HostKind.classify(new Facts(EPYC_METAL, false, true, false)).evidence().contains("svm"));
    }

    @Test
    void vmxOrSvmUnderAHypervisorIsNested() {
        assertEquals(HostKind.NESTED, kind(CLOUD_NESTED));
        assertEquals("/proc/cpuinfo flags vmx and hypervisor", HostKind.classify(new Facts(CLOUD_NESTED, false, true, false)).evidence());
    }

    @Test
    void qemuTcgIsTheEmulatedHost() {
        assertEquals(HostKind.EMULATED, kind(QEMU_TCG_MAX));
        assertEquals(HostKind.EMULATED, kind(QEMU_TCG_QEMU64));
        assertTrue(HostKind.classify(new Facts(QEMU_TCG_MAX, false, true, false)).evidence().contains("QEMU TCG CPU version 2.5+"));
    }

    @Test
    void theEnvironmentHintOnlyUpgradesANestedLookingHost() {
        assertEquals(HostKind.EMULATED, HostKind.classify(new Facts(CLOUD_NESTED, false, true, true)).kind());
        // what the host is wins over the hint
        assertEquals(HostKind.NATIVE, HostKind.classify(new Facts(EPYC_METAL, false, true, true)).kind());
        assertEquals(HostKind.KVM_PVM, HostKind.classify(new Facts(PVM_GUEST, true, true, true)).kind());
        assertEquals(HostKind.UNKNOWN, HostKind.classify(new Facts(PVM_GUEST, false, true, true)).kind());
    }

    @Test
    void kvmPvmModuleWithADeviceIsKvmPvm() {
        assertEquals(HostKind.KVM_PVM, HostKind.classify(new Facts(PVM_GUEST, true, true, false)).kind());
        assertEquals(HostKind.KVM_PVM, HostKind.classify(new Facts(EPYC_METAL, true, true, false)).kind());
    }

    @Test
    void noDeviceIsNoKvmEvenWithKvmPvmLoaded() {
        HostKind.Verdict v = HostKind.classify(new Facts(PVM_GUEST, true, false, false));
        assertEquals(HostKind.NO_KVM, v.kind());
        assertTrue(v.evidence().contains("kvm-pvm guest"), v.evidence());
        assertEquals(HostKind.NO_KVM, HostKind.classify(new Facts(EPYC_METAL, false, false, false)).kind());
    }

    @Test
    void neitherVmxNorSvmIsUnknown() {
        assertEquals(HostKind.UNKNOWN, kind(PVM_GUEST));
        assertEquals(HostKind.UNKNOWN, kind(QEMU64_ON_KVM));
        assertEquals(HostKind.UNKNOWN, kind(""));
        assertEquals("/proc/cpuinfo unreadable", HostKind.classify(new Facts("", false, true, false)).evidence());
    }

    @Test
    void flagsAreWholeWords() {
        // "svm_lock" or "vmx_foo" alone is not svm/vmx
        assertEquals(HostKind.UNKNOWN, kind(cpuinfo("AuthenticAMD", "X", "fpu svm_lock nrip_save hypervisor")));
    }

    @Test
    void onlyKvmPvmEmulatesSupervisorCodeAndSwallowsHypercalls() {
        for (HostKind k : HostKind.values()) {
            assertEquals(k == HostKind.KVM_PVM, k.emulatesSupervisorCode(), k.name());
            assertEquals(k != HostKind.KVM_PVM, k.hypercallsReturn(), k.name());
            assertFalse(k.description().isEmpty());
        }
    }

    @Test
    void fieldReadsTheFirstProcessor() {
        assertEquals("QEMU TCG CPU version 2.5+", HostKind.field(QEMU_TCG_MAX, "model name"));
        assertEquals("25", HostKind.field(QEMU_TCG_MAX, "cpu family"));
        assertEquals("", HostKind.field(QEMU_TCG_MAX, "microcode"));
    }
}
