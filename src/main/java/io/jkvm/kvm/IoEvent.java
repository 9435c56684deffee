package io.jkvm.kvm;

/**
 * The guest writes an ioeventfd answers (api.rst, KVM_IOEVENTFD): a port or MMIO address, the access
 * length (1, 2, 4 or 8 bytes; 0 = any length, with KVM_CAP_IOEVENTFD_ANY_LENGTH), and
 * optionally the one value that must be written (datamatch). KVM matches a write only if
 * address and length are exactly these; other writes there still exit to userspace.
 *
 * @param datamatch whether only writes of {@code value} match
 */
public record IoEvent(Space space, long address, int length, boolean datamatch, long value) {
    public enum Space { PIO, MMIO }

    public IoEvent {
        if (length != 0 && length != 1 && length != 2 && length != 4 && length != 8) {
            throw new IllegalArgumentException("an ioeventfd length is 0, 1, 2, 4 or 8 bytes, not " + length);
        }
        if (space == Space.PIO && (address < 0 || address + Math.max(length, 1) > 0x10000)) {
            throw new IllegalArgumentException(String.format("port 0x%x is outside the 64 KiB I/O space", address));
        }
        if (datamatch && length == 0) throw new IllegalArgumentException("datamatch needs a length");
    }

    /** Any write of {@code length} bytes to I/O port {@code port}. */
    public static IoEvent port(int port, int length) {
        return new IoEvent(Space.PIO, port, length, false, 0);
    }

    /** Any write of {@code length} bytes at guest-physical {@code address}. */
    public static IoEvent mmio(long address, int length) {
        return new IoEvent(Space.MMIO, address, length, false, 0);
    }

    /** The same address and length, only writes of {@code v} (KVM_IOEVENTFD_FLAG_DATAMATCH). */
    public IoEvent matching(long v) {
        return new IoEvent(space, address, length, true, v);
    }

    @Override
    public String toString() {
        return String.format("%s 0x%x/%d%s", space == Space.PIO ? "port" : "MMIO", address, length,
                datamatch ? String.format(" == 0x%x", value) : "");
    }
}
