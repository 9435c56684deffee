package io.jkvm.qemu;

/**
 * The machine types {@code jkvm-qemu} accepts: both are jkvm's one PC platform, without firmware.
 * {@code pc} is QEMU 7.2's alias of {@code pc-i440fx-7.2}; any {@code pc-i440fx-X.Y} is accepted as
 * {@code pc} (before 6.2 it changes only how {@code -smp} fills in omitted topology values).
 */
public enum QemuMachine {
    PC("pc-i440fx-7.2", 255, true),
    MICROVM("microvm", 288, false);

    private final String qemuName;
    private final int maxCpus;
    private final boolean diesSupported;

    QemuMachine(String qemuName, int maxCpus, boolean diesSupported) {
        this.qemuName = qemuName;
        this.maxCpus = maxCpus;
        this.diesSupported = diesSupported;
    }

    /** The machine's name in QEMU 7.2, as its error messages give it. */
    public String qemuName() { return qemuName; }

    /** QEMU 7.2's limit on {@code -smp maxcpus} for this machine (mc->max_cpus). */
    public int maxCpus() { return maxCpus; }

    /** Whether {@code -smp dies=} above 1 is allowed (QEMU: pc yes, microvm no). */
    public boolean diesSupported() { return diesSupported; }
}
