package io.jkvm.cli;

/**
 * {@code JKVM_CHECK_ONLY=1}: the command line is parsed and the VM's configuration checked (files
 * read, kernel loaded into guest RAM), then the command ends with status {@link #STATUS} instead
 * of opening /dev/kvm (help, version and errors end as usual). The launcher uses it on a machine without /dev/kvm, so that a bad command line gets
 * its one-line error at once instead of after an emulated KVM host has booted.
 */
final class CheckOnly {
    static final String VARIABLE = "JKVM_CHECK_ONLY";
    /** The configuration is good and the command would now open /dev/kvm (even, so no debug-exit status). */
    static final int STATUS = 10;

    private CheckOnly() {}

    /**
     * Names a file where a passed check lists, one per line, the directories the run writes
     * files in (writable disk images'), which an emulated KVM host must mount read-write
     * ({@code scripts/emulated-kvm-host.sh --rw DIR}): its root is a read-only view under a
     * throw-away overlay, where a write to an image elsewhere would be lost.
     */
    static final String RW_DIRS_VARIABLE = "JKVM_CHECK_ONLY_RW_DIRS";

    static boolean requested() {
        return "1".equals(System.getenv(VARIABLE));
    }

    /** Writes the directories of {@code config}'s writable disk images where {@link #RW_DIRS_VARIABLE} says, if set. */
    static void writeRwDirs(io.jkvm.config.VmConfig config) {
        String target = System.getenv(RW_DIRS_VARIABLE);
        if (target == null || target.isEmpty()) return;
        StringBuilder dirs = new StringBuilder();
        for (io.jkvm.config.VirtioSpec s : config.pcOptions().virtio()) {
            if (s instanceof io.jkvm.config.VirtioSpec.Drive d && !d.readOnly()) {
                java.nio.file.Path parent = d.file().toAbsolutePath().normalize().getParent();
                if (parent != null) dirs.append(parent).append('\n');
            }
        }
        try {
            java.nio.file.Files.writeString(java.nio.file.Path.of(target), dirs);
        } catch (java.io.IOException e) {
            throw new io.jkvm.JkvmException("cannot write " + target + " (" + RW_DIRS_VARIABLE + "): " + e.getMessage());
        }
    }

    /** Thrown where the command would have opened /dev/kvm; the entry points turn it into {@link #STATUS}. */
    static final class Passed extends RuntimeException {
        Passed() {
            super("configuration checked (" + VARIABLE + ")", null, false, false);
        }
    }
}
