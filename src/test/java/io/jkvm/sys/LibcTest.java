package io.jkvm.sys;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one syscall ladder: results, -errno, and exceptions that name the call. No KVM needed. */
class LibcTest {

    @Test
    void rawCallsReturnMinusErrnoAndCheckedCallsNameTheCall() {
        assertEquals(-Errno.ENOENT, Libc.open("/nonexistent/jkvm", Libc.O_RDWR));
        int fd = Libc.open("/dev/null", Libc.O_RDWR);
        assertTrue(fd >= 0);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment termios = a.allocate(Libc.TERMIOS_BYTES, 8);
            assertEquals(-Errno.ENOTTY, Libc.ioctl(Libc.callState(), fd, 0x5401, termios));
            SysException e = assertThrows(SysException.class, () -> Libc.ioctlOrThrow("TCGETS(/dev/null)", fd, 0x5401, 0L));
            assertEquals(Errno.ENOTTY, e.errno());
            assertEquals("TCGETS(/dev/null)", e.call());
            assertTrue(e.getMessage().startsWith("TCGETS(/dev/null) failed: ENOTTY ("), e.getMessage());
            assertEquals(false, Libc.isatty(fd));
        } finally {
            Libc.close(fd);
        }
        SysException closed = assertThrows(SysException.class, () -> Libc.close(fd));
        assertEquals(Errno.EBADF, closed.errno());
    }

    @Test
    void mmapGivesASegmentOfTheLengthAskedAndMunmapEndsIt() {
        MemorySegment m = Libc.mmap(8192, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0, "test");
        assertEquals(8192, m.byteSize());
        m.set(JAVA_INT, 8188, 0x12345678);
        assertEquals(0x12345678, m.get(JAVA_INT, 8188));
        Libc.munmap(m);
        SysException e = assertThrows(SysException.class,
                () -> Libc.mmap(-4096L, Libc.PROT_READ, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0, "huge"));
        assertTrue(e.getMessage().startsWith("mmap(huge, -4096 bytes) failed"), e.getMessage());
    }

    @Test
    void signalsOfThisThread() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment set = a.allocate(Libc.SIGSET_BYTES, 8);
            MemorySegment old = a.allocate(Libc.SIGSET_BYTES, 8);
            MemorySegment zero = a.allocate(16, 8);
            int sig = 41; // SIGRTMIN + 7: nobody else's
            Libc.sigaddset(set, sig);
            Libc.sigprocmask(Libc.SIG_BLOCK, set, old);
            try {
                assertEquals(-Errno.EAGAIN, Libc.sigtimedwait(Libc.callState(), set, zero), "nothing pending");
                assertEquals(0, Libc.tgkill(Libc.gettid(), sig));
                assertEquals(sig, Libc.sigtimedwait(Libc.callState(), set, zero), "the signal sent to this thread");
            } finally {
                Libc.sigprocmask(Libc.SIG_UNBLOCK, set, MemorySegment.NULL);
            }
        }
    }

    @Test
    void cfmakerawClearsWhatGlibcClears() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment t = a.allocate(Libc.TERMIOS_BYTES, 8);
            t.set(JAVA_INT, 0, 0x7fff);  // c_iflag: every bit up to IXOFF
            t.set(JAVA_INT, 4, 0x5);     // c_oflag: OPOST | ONLCR
            t.set(JAVA_INT, 8, 0x1bf);   // c_cflag: B38400 | CS8 | CREAD | PARENB
            t.set(JAVA_INT, 12, 0x8a3b); // c_lflag: ISIG ICANON ECHO ECHOE ECHOK ECHONL ECHOCTL IEXTEN
            t.set(JAVA_BYTE, 17 + 6, (byte) 0);
            t.set(JAVA_BYTE, 17 + 5, (byte) 9);
            Libc.cfmakeraw(t);
            assertEquals(0x7fff & ~0x5eb, t.get(JAVA_INT, 0));
            assertEquals(0x4, t.get(JAVA_INT, 4));
            assertEquals(0x0bf, t.get(JAVA_INT, 8));
            assertEquals(0x8a3b & ~0x804b, t.get(JAVA_INT, 12));
            assertEquals(1, t.get(JAVA_BYTE, 17 + 6), "VMIN");
            assertEquals(0, t.get(JAVA_BYTE, 17 + 5), "VTIME");
        }
    }

    @Test
    void epollEventIsThePackedTwelveByteStruct() {
        assertEquals(12, EpollEvent.SIZE, "sizeof(struct epoll_event) on x86-64");
        assertEquals(0, EpollEvent.EVENTS);
        assertEquals(4, EpollEvent.DATA);
    }
}
