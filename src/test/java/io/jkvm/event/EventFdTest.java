package io.jkvm.event;

import io.jkvm.sys.Errno;
import io.jkvm.sys.SysException;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** eventfd(2) semantics through jkvm's one syscall downcall: no KVM needed. */
class EventFdTest {

    @Test
    void writesAddUpAndReadTakesTheCounter() {
        try (EventFd fd = EventFd.nonBlocking()) {
            assertEquals(0, fd.read(), "empty non-blocking eventfd");
            fd.signal();
            fd.signal();
            fd.write(40);
            assertEquals(42, fd.read());
            assertEquals(0, fd.read(), "read zeroes the counter");
        }
    }

    @Test
    void aBlockingReadWaitsForAWriteFromAnotherThread() throws Exception {
        try (EventFd fd = EventFd.create()) {
            assertFalse(fd.isNonBlocking());
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    TimeUnit.MILLISECONDS.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                fd.write(7);
            });
            long t0 = System.nanoTime();
            assertEquals(7, fd.read());
            assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(40), "read returned before the write");
            writer.join();
        }
    }

    @Test
    void valuesAnEventfdCannotTakeAreRefused() {
        try (EventFd fd = EventFd.nonBlocking()) {
            assertThrows(IllegalArgumentException.class, () -> fd.write(0));
            assertThrows(IllegalArgumentException.class, () -> fd.write(-1L));
            // 2^64-2 is the maximum; one more write would overflow: EAGAIN on a non-blocking fd.
            fd.write(-2L);
            SysException e = assertThrows(SysException.class, () -> fd.write(1));
            assertEquals(Errno.EAGAIN, e.errno());
            fd.signal(); // saturated: the reader wakes anyway, signal does not throw
            assertEquals(-2L, fd.read());
        }
    }

    @Test
    void aClosedFdFailsNamingTheCall() {
        EventFd fd = EventFd.nonBlocking();
        fd.close();
        fd.close(); // twice is harmless
        assertTrue(fd.isClosed());
        SysException e = assertThrows(SysException.class, fd::signal);
        assertEquals(Errno.EBADF, e.errno());
        assertTrue(e.getMessage().startsWith("write(eventfd "), e.getMessage());
    }
}
