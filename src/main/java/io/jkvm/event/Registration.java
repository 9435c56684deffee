package io.jkvm.event;

/**
 * One fd watched by an {@link EventLoop}. {@link #close} unregisters it: once close returns,
 * the handler is not running and will not run again (close may also be called from the handler
 * itself). The fd stays open: it belongs to the caller, who closes it after this.
 */
public final class Registration implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EventLoop.class.getName());

    private final EventLoopThread owner;
    private final int fd;
    private final long token;
    private final EventFd eventFd;
    private final EventHandler eventHandler;
    private final FdHandler fdHandler;
    private final String name;
    /** Guarded by this: dispatch and close exclude each other, so close waits out a running handler. */
    private boolean active = true;
    private long failures;

    Registration(EventLoopThread owner, int fd, long token, EventFd eventFd, EventHandler eventHandler,
                 FdHandler fdHandler, String name) {
        this.owner = owner;
        this.fd = fd;
        this.token = token;
        this.eventFd = eventFd;
        this.eventHandler = eventHandler;
        this.fdHandler = fdHandler;
        this.name = name;
    }

    public int fd() { return fd; }

    long token() { return token; }

    /** The name of the thread that calls the handler. */
    public String threadName() { return owner.name(); }

    /** How many times the handler threw (the first is logged). */
    public synchronized long failures() { return failures; }

    public synchronized boolean isActive() { return active; }

    /** On the loop thread: the fd is ready. Never throws. */
    synchronized void dispatch(EventLoopThread.Buffers buffers, int events) {
        if (!active) return;
        try {
            if (eventFd != null) {
                long count = eventFd.take(buffers.callState(), buffers.counter());
                if (count != 0) eventHandler.onEvent(count);
            } else {
                fdHandler.onReady(events);
            }
        } catch (RuntimeException | Error e) {
            if (failures++ == 0) {
                LOG.log(System.Logger.Level.WARNING, "handler of " + name + " on " + owner.name()
                        + " failed (further failures are counted, not logged)", e);
            }
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (!active) return;
            active = false;
        }
        owner.remove(this);
    }

    @Override
    public String toString() { return name + " on " + owner.name(); }
}
