package io.jkvm.host;

import java.util.Locale;

/**
 * Kernel command-line flags that let a stock Linux kernel boot on a host whose KVM emulates
 * guest supervisor code (HOST-NOTES.md, "Booting Debian's 6.1 cloud kernel here"). Each one is
 * harmless on a correct CPU; jkvm adds them only on such a host ({@code --host-profile auto},
 * the default, detects it) or when asked ({@code nested}).
 */
public enum HostProfile {
    /** Detect: nested on a kvm-pvm host ({@link HostKind#KVM_PVM}), the one kind that emulates guest CPL0 code. */
    AUTO,
    /** Add the flags. */
    NESTED,
    /** Add nothing. */
    NONE;

    /**
     * The flags, with why:
     * noxsave — XSAVE cannot be hidden through CPUID there and xsave/xrstor fail at CPL0;
     * clearcpuid=... — features the host turns back on after KVM_SET_CPUID2 but cannot emulate
     *   (pni pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 movbe popcnt aes avx f16c fsgsbase erms
     *   invpcid smap sha_ni fsrm serialize; 6.1 feature-bit numbers);
     * mitigations=off — avoids verw on every return to user; nopti — no page-table switching;
     * init_on_alloc=0 — no zeroing of every page with emulated stores;
     * cryptomgr.notests — skips the crypto self-tests;
     * nopv — vmcall at CPL0 never returns there (paravirtual IPIs, TLB flushes, yields);
     * initcall_blacklist=... — initcalls that each cost 17-61 s under emulation and that
     *   nothing before /init needs.
     */
    public static final String NESTED_FLAGS = String.join(" ",
            "noxsave", "mitigations=off", "nopti", "init_on_alloc=0", "cryptomgr.notests", "nopv",
            "clearcpuid=128,129,137,140,141,145,147,148,150,151,153,156,157,288,297,298,308,317,580,590",
            "initcall_blacklist=load_system_certificate_list,init_kprobe_trace,trace_eval_init,"
                    + "cubictcp_register,cmos_init,blake2s_mod_init,slab_sysfs_init,tracer_init_tracefs,"
                    + "bpf_rstat_kfunc_init,bpf_key_sig_kfuncs_init,kfunc_init,bpf_prog_test_run_init,"
                    + "bpf_tcp_ca_kfunc_init,ftrace_check_for_weak_functions");

    public static HostProfile parse(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }

    /** Whether the flags apply on this host. */
    public boolean nested() {
        return this == NESTED || (this == AUTO && HostKind.detect().emulatesSupervisorCode());
    }

    /**
     * {@code cmdline} with the flags added when they apply: before a " -- " if there is one,
     * since everything after it is for init, not the kernel.
     */
    public String apply(String cmdline) {
        if (!nested()) return cmdline;
        String trimmed = cmdline.strip();
        if (trimmed.isEmpty()) return NESTED_FLAGS;
        if (trimmed.equals("--") || trimmed.startsWith("-- ")) return NESTED_FLAGS + " " + trimmed;
        int initArgs = trimmed.indexOf(" -- ");
        if (trimmed.endsWith(" --")) initArgs = trimmed.length() - 3;
        if (initArgs < 0) return trimmed + " " + NESTED_FLAGS;
        return trimmed.substring(0, initArgs) + " " + NESTED_FLAGS + trimmed.substring(initArgs);
    }
}
