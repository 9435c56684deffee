package io.jkvm.virtio;

import io.jkvm.event.EventFd;
import io.jkvm.event.Registration;
import io.jkvm.kvm.IoEvent;

import java.util.ArrayList;
import java.util.List;

/**
 * Brings a driver's queue notifications (virtio 1.2 §2.7.13.4) to the device's thread: one
 * eventfd per queue, watched by the host's {@link io.jkvm.event.EventLoop}, whose handler calls
 * {@link VirtioDevice#notify}. KVM signals the eventfd itself for a write to the notification
 * address once {@link #bind} has placed an ioeventfd there; a write that still exits (no
 * ioeventfd, another length) reaches {@link #kick}, which signals the same eventfd. Either way
 * the vCPU thread only writes 8 bytes to an eventfd and goes back to the guest.
 *
 * <p>With no event loop ({@link VirtioHost#inline}, for tests) {@link #kick} calls the device
 * directly, so a device that kicks itself past its budget is called again from inside itself.
 */
public final class QueueNotifier implements AutoCloseable {
    private final VirtioDevice device;
    private final VirtioHost host;
    private final EventFd[] fds;
    private final List<Registration> registrations = new ArrayList<>();
    private final List<IoEvent> bound = new ArrayList<>();
    private final List<EventFd> boundFds = new ArrayList<>();

    public QueueNotifier(VirtioDevice device, VirtioHost host) {
        this.device = device;
        this.host = host;
        this.fds = new EventFd[device.queueCount()];
        if (host.loop() != null) {
            try {
                for (int q = 0; q < fds.length; q++) {
                    int queue = q;
                    fds[q] = EventFd.nonBlocking();
                    registrations.add(host.loop().register(fds[q], count -> device.notify(queue)));
                }
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }
    }

    /** A register write asked the device to look at {@code queue}; an out-of-range queue is ignored. */
    public void kick(int queue) {
        if (queue < 0 || queue >= fds.length) return;
        if (fds[queue] == null) device.notify(queue);
        else fds[queue].signal();
    }

    /**
     * Has KVM signal queue {@code queue}'s eventfd for guest writes matching {@code where};
     * false if there is no event loop or the host cannot. A transport whose notification
     * address moves (a PCI BAR) calls {@link #unbindAll} first.
     */
    public synchronized boolean bind(int queue, IoEvent where) {
        if (queue < 0 || queue >= fds.length || fds[queue] == null) return false;
        if (!host.ioevents().bind(where, fds[queue])) return false;
        bound.add(where);
        boundFds.add(fds[queue]);
        return true;
    }

    /** Undoes every {@link #bind}. */
    public synchronized void unbindAll() {
        for (int i = 0; i < bound.size(); i++) host.ioevents().unbind(bound.get(i), boundFds.get(i));
        bound.clear();
        boundFds.clear();
    }

    @Override
    public synchronized void close() {
        unbindAll();
        for (Registration r : registrations) r.close();
        registrations.clear();
        for (EventFd fd : fds) if (fd != null) fd.close();
    }
}
