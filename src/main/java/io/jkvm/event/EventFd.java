package io.jkvm.event;

import io.jkvm.sys.Errno;
import io.jkvm.sys.Libc;
import io.jkvm.sys.SysException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * An eventfd(2): a 64-bit counter in the kernel that {@link #write} adds to and {@link #read}
 * takes (and zeroes). KVM signals one when a guest write matches an ioeventfd, and injects an
 * interrupt when one registered as an irqfd is written. Thread-safe; {@link #signal} is the hot
 * path (a device raising an interrupt) and allocates nothing.
 */
public final class EventFd implements AutoCloseable {
    /** The value 1, written by every {@link #signal}; never modified, so shared by all threads. */
    private static final MemorySegment ONE = Arena.global().allocateFrom(JAVA_LONG, 1L);

    private final int fd;
    private final boolean nonBlocking;
    private final MemorySegment writeBuffer;
    private final MemorySegment readBuffer;
    private volatile boolean closed;

    private EventFd(int fd, boolean nonBlocking) {
        this.fd = fd;
        this.nonBlocking = nonBlocking;
        // An automatic arena: the buffers live as long as this object (a shared arena's
        // acquire would be an atomic update on every call).
        Arena arena = Arena.ofAuto();
        this.writeBuffer = arena.allocate(JAVA_LONG);
        this.readBuffer = arena.allocate(JAVA_LONG);
    }

    /** A blocking eventfd with counter 0: {@link #read} waits for a write. */
    public static EventFd create() {
        return new EventFd(Libc.eventfd(0, 0), false);
    }

    /** A non-blocking eventfd with counter 0 ({@code EFD_NONBLOCK}): {@link #read} returns 0 when nothing was written. */
    public static EventFd nonBlocking() {
        return new EventFd(Libc.eventfd(0, Libc.EFD_NONBLOCK), true);
    }

    public int fd() { return fd; }

    public boolean isNonBlocking() { return nonBlocking; }

    /** Adds 1 to the counter. A saturated counter (non-blocking) is left as it is: its reader wakes anyway. */
    public void signal() {
        long r;
        MemorySegment state = Libc.callState();
        do {
            r = Libc.write(state, fd, ONE);
        } while (r == -Errno.EINTR);
        if (r < 0 && r != -Errno.EAGAIN) throw new SysException("write(eventfd " + fd + ")", (int) -r);
    }

    /** Adds {@code value} (1 to 2^64-2) to the counter; blocks (or, non-blocking, throws EAGAIN) if it would overflow. */
    public void write(long value) {
        if (value == 0 || value == -1L) throw new IllegalArgumentException("an eventfd takes 1 to 2^64-2, not " + Long.toUnsignedString(value));
        synchronized (writeBuffer) {
            writeBuffer.set(JAVA_LONG, 0, value);
            long r;
            do {
                r = Libc.write(Libc.callState(), fd, writeBuffer);
            } while (r == -Errno.EINTR);
            if (r < 0) throw new SysException("write(eventfd " + fd + ")", (int) -r);
        }
    }

    /** Takes the counter and zeroes it; blocks while it is 0, or (non-blocking) returns 0. */
    public long read() {
        synchronized (readBuffer) {
            return take(Libc.callState(), readBuffer);
        }
    }

    /**
     * The counter into {@code buffer} (8 bytes) and zeroed, on a capture segment the caller owns:
     * the event loop's allocation-free read. 0 when nothing was written (non-blocking).
     */
    long take(MemorySegment state, MemorySegment buffer) {
        long r;
        do {
            r = Libc.read(state, fd, buffer);
        } while (r == -Errno.EINTR);
        if (r == -Errno.EAGAIN) return 0;
        if (r < 0) throw new SysException("read(eventfd " + fd + ")", (int) -r);
        return buffer.get(JAVA_LONG, 0);
    }

    public boolean isClosed() { return closed; }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        Libc.close(fd);
    }

    @Override
    public String toString() { return "eventfd " + fd; }
}
