package io.jkvm.memory;

import java.lang.foreign.MemorySegment;

/** One stretch of guest RAM: {@code host.byteSize()} bytes at guest-physical {@code guestPhysAddr}, KVM slot {@code slot}. */
public record MemoryRegion(int slot, long guestPhysAddr, MemorySegment host) {
    public long size() { return host.byteSize(); }

    /** First guest-physical address past the region. */
    public long end() { return guestPhysAddr + host.byteSize(); }

    public boolean contains(long gpa, long length) {
        return length >= 0 && gpa >= guestPhysAddr && gpa - guestPhysAddr <= size() - length;
    }
}
