package io.jkvm.qemu;

/**
 * What a {@code jkvm-qemu} command line asks for. QEMU acts on {@code -h}, {@code -version},
 * {@code -machine help} and {@code -accel help} as soon as it meets them (later arguments are not
 * looked at), and on {@code -cpu help}, {@code -device help} and {@code -chardev help} once the whole line is read.
 */
public enum QemuAction {
    /** Boot the guest. */
    RUN,
    /** {@code -h}, {@code -help}, {@code --help}: print {@link QemuHelp#usage()}. */
    HELP,
    /** {@code -version}, {@code --version}: print {@link QemuHelp#version()}. */
    VERSION,
    /** {@code -machine help}, {@code -M ?}: print {@link QemuHelp#machineHelp()}. */
    MACHINE_HELP,
    /** {@code -accel help}: print {@link QemuHelp#accelHelp()}. */
    ACCEL_HELP,
    /** {@code -cpu help}: print {@link QemuHelp#cpuHelp()}. */
    CPU_HELP,
    /** {@code -device help}, or {@code -device DRIVER,help}: print {@link QemuHelp#deviceHelp(String)}. */
    DEVICE_HELP,
    /** {@code -chardev help}: print {@link QemuHelp#chardevHelp()}. */
    CHARDEV_HELP
}
