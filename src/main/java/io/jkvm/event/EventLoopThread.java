package io.jkvm.event;

import io.jkvm.sys.EpollEvent;
import io.jkvm.sys.Errno;
import io.jkvm.sys.Libc;
import io.jkvm.sys.SysException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Arrays;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One thread of an {@link EventLoop}: its own epoll fd, a stop eventfd, and a table of the
 * registrations it watches. epoll_event.data holds a token, {@code generation << 32 | slot}, so
 * an event still in flight for a slot that was freed and reused is recognised and dropped.
 * The thread closes its epoll and stop fds itself as it ends.
 */
final class EventLoopThread implements Runnable {
    private static final System.Logger LOG = System.getLogger(EventLoop.class.getName());
    private static final long STOP_TOKEN = -1L;
    private static final int MAX_EVENTS = 64;

    /** The loop thread's scratch: errno capture and the 8-byte counter read. */
    record Buffers(MemorySegment callState, MemorySegment counter) {}

    private final String name;
    private final int epfd;
    private final EventFd stop;
    private final Thread thread;
    /** Replaced, never modified in place, under this: the loop thread reads it without a lock. */
    private volatile Registration[] slots = new Registration[16];
    private int size;
    private int generation;
    /** Guarded by this: set by the thread as it ends, before it closes its fds. */
    private boolean closed;

    EventLoopThread(String name) {
        this.name = name;
        this.epfd = Libc.epollCreate();
        EventFd s = null;
        try {
            s = EventFd.nonBlocking();
            ctl(Libc.EPOLL_CTL_ADD, s.fd(), Libc.EPOLLIN, STOP_TOKEN);
        } catch (RuntimeException e) {
            if (s != null) s.close();
            Libc.close(epfd);
            throw e;
        }
        this.stop = s;
        this.thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this);
    }

    void start() { thread.start(); }

    String name() { return name; }

    Thread thread() { return thread; }

    synchronized int size() { return size; }

    synchronized Registration add(int fd, int events, EventFd eventFd, EventHandler eh, FdHandler fh, String what) {
        if (closed) throw new IllegalStateException(name + " has stopped");
        int slot = 0;
        while (slot < slots.length && slots[slot] != null) slot++;
        Registration[] next = slot < slots.length ? slots.clone() : Arrays.copyOf(slots, slots.length * 2);
        generation = (generation + 1) & 0x7fff_ffff;
        long token = ((long) generation << 32) | slot;
        Registration r = new Registration(this, fd, token, eventFd, eh, fh, what);
        ctl(Libc.EPOLL_CTL_ADD, fd, events, token);
        next[slot] = r;
        slots = next;
        size++;
        return r;
    }

    synchronized void remove(Registration r) {
        int slot = (int) r.token();
        if (slot >= slots.length || slots[slot] != r) return;
        Registration[] next = slots.clone();
        next[slot] = null;
        slots = next;
        size--;
        if (closed) return;
        try {
            ctl(Libc.EPOLL_CTL_DEL, r.fd(), 0, 0);
        } catch (SysException e) {
            // The caller closed the fd first: epoll dropped it already (epoll(7), Q6).
            if (e.errno() != Errno.EBADF && e.errno() != Errno.ENOENT) throw e;
        }
    }

    /** Asks the thread to end after the events it is handling; from any thread. */
    synchronized void requestStop() {
        if (!closed) stop.signal();
    }

    /** Waits for the thread to end; false if it did not within {@code timeout}. */
    boolean join(Duration timeout) throws InterruptedException {
        if (Thread.currentThread() == thread) return true; // stopping from a handler: it ends when the handler returns
        return thread.join(timeout);
    }

    private void ctl(int op, int fd, int events, long token) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment event = a.allocate(EpollEvent.LAYOUT);
            EpollEvent.set(event, 0, events, token);
            Libc.epollCtl(epfd, op, fd, event);
        }
    }

    @Override
    public void run() {
        // Everything the loop touches per event is allocated here, once.
        Arena arena = Arena.ofAuto();
        Buffers buffers = new Buffers(Libc.newCallState(arena), arena.allocate(JAVA_LONG));
        MemorySegment events = arena.allocate(EpollEvent.SIZE * MAX_EVENTS, 8);
        try {
            boolean stopping = false;
            while (!stopping) {
                int n = Libc.epollWait(buffers.callState(), epfd, events, -1);
                if (n == -Errno.EINTR) continue;
                if (n < 0) throw new SysException("epoll_wait on " + name, -n);
                for (int i = 0; i < n; i++) {
                    long token = EpollEvent.data(events, i);
                    if (token == STOP_TOKEN) {
                        stopping = true;
                        continue;
                    }
                    Registration[] s = slots;
                    int slot = (int) token;
                    Registration r = slot < s.length ? s[slot] : null;
                    if (r != null && r.token() == token) r.dispatch(buffers, EpollEvent.events(events, i));
                }
            }
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, name + " ended", e);
        } finally {
            synchronized (this) {
                closed = true;
                stop.close();
                Libc.close(epfd);
            }
        }
    }
}
