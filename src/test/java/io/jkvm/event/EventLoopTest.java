package io.jkvm.event;

import io.jkvm.sys.Libc;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The event loop on plain Linux eventfds and epoll: no KVM needed. */
class EventLoopTest {
    private static final long WAIT_S = 10;

    @Test
    void anEventfdSignalledFromAnotherThreadRunsItsHandlerOnTheLoopThread() throws Exception {
        try (EventLoop loop = EventLoop.start(); EventFd fd = EventFd.nonBlocking()) {
            assertEquals(List.of("jkvm-events-0"), loop.threadNames());
            CountDownLatch ran = new CountDownLatch(1);
            AtomicLong count = new AtomicLong();
            List<String> threads = new ArrayList<>();
            Registration r = loop.register(fd, n -> {
                synchronized (threads) {
                    threads.add(Thread.currentThread().getName());
                }
                count.addAndGet(n);
                ran.countDown();
            });
            assertEquals("jkvm-events-0", r.threadName());
            Thread.ofPlatform().start(() -> fd.write(3)).join();
            assertTrue(ran.await(WAIT_S, TimeUnit.SECONDS), "the handler did not run");
            assertEquals(3, count.get());
            synchronized (threads) {
                assertEquals(List.of("jkvm-events-0"), threads);
            }
            assertEquals(0, fd.read(), "the loop took the counter");
        }
    }

    @Test
    void closeJoinsTheThreadsAndLeavesNoFdOpen() throws Exception {
        Set<String> before = eventFds();
        EventLoop loop = EventLoop.start("test-events", 2);
        EventFd fd = EventFd.nonBlocking();
        loop.register(fd, n -> { });
        Set<Thread> loopThreads = threadsNamed("test-events-");
        assertEquals(2, loopThreads.size());
        assertTrue(eventFds().size() >= before.size() + 5, "2 epoll fds, 2 stop fds, 1 eventfd: " + eventFds());
        loop.close();
        for (Thread t : loopThreads) assertFalse(t.isAlive(), t.getName() + " still runs after close");
        fd.close();
        assertEquals(before, eventFds(), "fds left open by the loop");
        assertThrows(IllegalStateException.class, () -> loop.register(EventFd.nonBlocking(), n -> { }));
        loop.close(); // twice is harmless
    }

    @Test
    void manyRegistrationsSpreadOverTheThreadsEachFireTheirOwnHandler() throws Exception {
        int n = 200;
        List<EventFd> fds = new ArrayList<>();
        try (EventLoop loop = EventLoop.start("many", 3)) {
            AtomicLong[] counts = new AtomicLong[n];
            Set<String> threads = ConcurrentHashMap.newKeySet();
            CountDownLatch all = new CountDownLatch(n);
            List<Registration> regs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                EventFd fd = EventFd.nonBlocking();
                fds.add(fd);
                AtomicLong c = counts[i] = new AtomicLong();
                regs.add(loop.register(fd, k -> {
                    threads.add(Thread.currentThread().getName());
                    if (c.getAndAdd(k) == 0) all.countDown();
                }));
            }
            assertEquals(n, loop.registrations());
            for (int i = 0; i < n; i++) fds.get(i).write(i + 1);
            assertTrue(all.await(WAIT_S, TimeUnit.SECONDS), "handlers still waiting: " + all.getCount());
            for (int i = 0; i < n; i++) assertEquals(i + 1, counts[i].get(), "registration " + i);
            assertEquals(Set.of("many-0", "many-1", "many-2"), threads);

            // Unregister the even ones while the loop runs: only the odd ones fire from then on.
            for (int i = 0; i < n; i += 2) regs.get(i).close();
            assertEquals(n / 2, loop.registrations());
            for (int i = 1; i < n; i += 2) {
                AtomicLong c = counts[i];
                c.set(0);
                loop.register(EventFd.nonBlocking(), k -> { }).close(); // slots are reused safely
                fds.get(i).signal();
            }
            for (int i = 0; i < n; i += 2) fds.get(i).signal();
            // The odd handlers' counters went 0 -> 1: wait for them through their values.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
            for (int i = 1; i < n; i += 2) {
                while (counts[i].get() == 0 && System.nanoTime() < deadline) Thread.sleep(1);
                assertEquals(1, counts[i].get(), "registration " + i);
            }
            for (int i = 0; i < n; i += 2) {
                assertEquals(i + 1, counts[i].get(), "unregistered " + i + " fired");
                assertEquals(1, fds.get(i).read(), "unregistered " + i + ": its counter is the caller's again");
            }
        } finally {
            fds.forEach(EventFd::close);
        }
    }

    @Test
    void afterUnregisterReturnsTheHandlerNeverRuns() throws Exception {
        try (EventLoop loop = EventLoop.start(); EventFd fd = EventFd.nonBlocking()) {
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger calls = new AtomicInteger();
            Registration r = loop.register(fd, k -> {
                calls.incrementAndGet();
                inside.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            fd.signal();
            assertTrue(inside.await(WAIT_S, TimeUnit.SECONDS));
            Thread closer = Thread.ofPlatform().start(r::close);
            closer.join(100);
            assertTrue(closer.isAlive(), "close returned while the handler was still running");
            release.countDown();
            closer.join();
            assertFalse(r.isActive());
            fd.signal();
            Thread.sleep(50);
            assertEquals(1, calls.get());
        }
    }

    @Test
    void aHandlerThatThrowsDoesNotStopTheLoop() throws Exception {
        try (EventLoop loop = EventLoop.start(); EventFd bad = EventFd.nonBlocking(); EventFd good = EventFd.nonBlocking()) {
            Registration r = loop.register(bad, k -> { throw new IllegalStateException("device bug"); });
            CountDownLatch ran = new CountDownLatch(1);
            loop.register(good, k -> ran.countDown());
            bad.signal();
            bad.signal();
            Thread.sleep(20);
            bad.signal();
            good.signal();
            assertTrue(ran.await(WAIT_S, TimeUnit.SECONDS));
            assertTrue(r.failures() >= 1);
            assertTrue(r.isActive());
        }
    }

    @Test
    void aHandlerMayUnregisterItselfAndCloseTheLoop() throws Exception {
        EventLoop loop = EventLoop.start();
        try (EventFd fd = EventFd.nonBlocking()) {
            CountDownLatch done = new CountDownLatch(1);
            Registration[] self = new Registration[1];
            self[0] = loop.register(fd, k -> {
                self[0].close();
                loop.close();
                done.countDown();
            });
            Thread t = threadsNamed("jkvm-events-").stream().filter(Thread::isAlive).findFirst().orElseThrow();
            fd.signal();
            assertTrue(done.await(WAIT_S, TimeUnit.SECONDS));
            t.join(TimeUnit.SECONDS.toMillis(WAIT_S));
            assertFalse(t.isAlive());
            assertEquals(0, loop.registrations());
        }
    }

    @Test
    void rawFdsAndBlockingEventfds() throws Exception {
        try (EventLoop loop = EventLoop.start(); EventFd blocking = EventFd.create(); EventFd raw = EventFd.nonBlocking()) {
            assertThrows(IllegalArgumentException.class, () -> loop.register(blocking, k -> { }));
            CountDownLatch ready = new CountDownLatch(1);
            AtomicInteger events = new AtomicInteger();
            loop.register(raw.fd(), Libc.EPOLLIN, ev -> {
                events.set(ev);
                raw.read();
                ready.countDown();
            });
            raw.signal();
            assertTrue(ready.await(WAIT_S, TimeUnit.SECONDS));
            assertEquals(Libc.EPOLLIN, events.get() & Libc.EPOLLIN);
        }
    }

    /** This process's eventfd and epoll fds, as "fd -> anon_inode:[...]". */
    private static Set<String> eventFds() throws IOException {
        Set<String> fds = new java.util.TreeSet<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : s.toList()) {
                try {
                    String target = Files.readSymbolicLink(p).toString();
                    if (target.contains("eventfd") || target.contains("eventpoll")) fds.add(p.getFileName() + " -> " + target);
                } catch (IOException gone) {
                    // the fd closed meanwhile (the directory stream's own fd among others)
                }
            }
        }
        return fds;
    }

    private static Set<Thread> threadsNamed(String prefix) {
        Set<Thread> found = new java.util.HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) if (t.getName().startsWith(prefix)) found.add(t);
        return found;
    }
}
