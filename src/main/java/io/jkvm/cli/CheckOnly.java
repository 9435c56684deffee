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

    static boolean requested() {
        return "1".equals(System.getenv(VARIABLE));
    }

    /** Thrown where the command would have opened /dev/kvm; the entry points turn it into {@link #STATUS}. */
    static final class Passed extends RuntimeException {
        Passed() {
            super("configuration checked (" + VARIABLE + ")", null, false, false);
        }
    }
}
