package io.jkvm.virtio;

import io.jkvm.event.EventFd;
import io.jkvm.kvm.IoEvent;

/**
 * Where a transport asks that guest writes to a queue's notification address signal an
 * {@link EventFd} in the kernel, with no vCPU exit (KVM_IOEVENTFD, api.rst 4.59). A VM
 * implements it over its VM fd; {@link #NONE} (tests, a host without KVM_CAP_IOEVENTFD) binds
 * nothing and the writes reach the transport's register file as exits, which signal the same fd.
 */
public interface IoEventBinder {
    /** Binds {@code where} to {@code fd}; false if this host cannot (the write will exit instead). */
    boolean bind(IoEvent where, EventFd fd);

    /** Undoes a {@link #bind} that answered true (same arguments). */
    void unbind(IoEvent where, EventFd fd);

    IoEventBinder NONE = new IoEventBinder() {
        @Override public boolean bind(IoEvent where, EventFd fd) { return false; }
        @Override public void unbind(IoEvent where, EventFd fd) {}
    };
}
