package io.jkvm.event;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The VMM's device event threads: one or more named platform threads ({@code jkvm-events-0},
 * ...) that each epoll_wait(2) on the fds registered with them and call one handler per ready
 * fd. Registrations may come and go while the threads run, from any thread; each goes to the
 * thread with the fewest. {@link #close} stops every thread through its stop eventfd, joins
 * it, and leaves no fd of its own open (registered fds belong to their callers).
 *
 * <pre>
 *   device / KVM ──write──► eventfd ──EPOLLIN──► jkvm-events-N: epoll_wait
 *                                                  └─ read counter, handler.onEvent(count)
 * </pre>
 */
public final class EventLoop implements AutoCloseable {
    /** How long {@link #close} waits for each thread. */
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(10);

    private final List<EventLoopThread> threads;
    private boolean closed;

    private EventLoop(List<EventLoopThread> threads) {
        this.threads = threads;
    }

    /** One thread, {@code jkvm-events-0}. */
    public static EventLoop start() {
        return start("jkvm-events", 1);
    }

    /** {@code count} threads named {@code prefix-0} ... {@code prefix-(count-1)}, started. */
    public static EventLoop start(String prefix, int count) {
        if (count < 1) throw new IllegalArgumentException("an event loop needs at least one thread, not " + count);
        List<EventLoopThread> made = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) made.add(new EventLoopThread(prefix + "-" + i));
        } catch (RuntimeException e) {
            made.forEach(t -> { t.requestStop(); t.start(); });
            throw e;
        }
        made.forEach(EventLoopThread::start);
        return new EventLoop(List.copyOf(made));
    }

    /**
     * Watches {@code fd} (an {@link EventFd#nonBlocking() non-blocking} one: the loop reads its
     * counter and must never block on it); {@code handler} gets the count on a loop thread.
     */
    public Registration register(EventFd fd, EventHandler handler) {
        if (!fd.isNonBlocking()) throw new IllegalArgumentException(fd + " is blocking: the event loop needs EventFd.nonBlocking()");
        return pick().add(fd.fd(), io.jkvm.sys.Libc.EPOLLIN, fd, handler, null, fd.toString());
    }

    /** Watches a raw fd for {@code events} (level-triggered epoll bits, e.g. {@code Libc.EPOLLIN}). */
    public Registration register(int fd, int events, FdHandler handler) {
        return pick().add(fd, events, null, null, handler, "fd " + fd);
    }

    public List<String> threadNames() {
        return threads.stream().map(EventLoopThread::name).toList();
    }

    /** Registrations currently watched, over all threads. */
    public int registrations() {
        int n = 0;
        for (EventLoopThread t : threads) n += t.size();
        return n;
    }

    private synchronized EventLoopThread pick() {
        if (closed) throw new IllegalStateException("event loop closed");
        EventLoopThread best = threads.getFirst();
        for (EventLoopThread t : threads) if (t.size() < best.size()) best = t;
        return best;
    }

    /** Stops and joins every thread (from a handler: the others, and its own as the handler returns). */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        threads.forEach(EventLoopThread::requestStop);
        boolean interrupted = false;
        try {
            for (EventLoopThread t : threads) {
                while (true) {
                    try {
                        if (!t.join(JOIN_TIMEOUT)) throw new IllegalStateException(t.name() + " did not stop within " + JOIN_TIMEOUT.toSeconds() + " s (a handler blocks?)");
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }
}
