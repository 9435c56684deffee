package io.jkvm.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * libc functions jkvm calls, linked once through the FFM API.
 *
 * <p>Raw calls return the C result, or {@code -errno} when the call failed: the errno is taken
 * with {@link Linker.Option#captureCallState} into a capture segment that the caller passes
 * (one per thread, see {@link #callState()}), so the hot path ({@code KVM_RUN}) allocates
 * nothing. The {@code ...OrThrow} forms turn a failure into a {@link SysException} naming the
 * call, and retry {@code EINTR} where the call is safe to repeat.
 *
 * <p>{@code ioctl} and {@code open} are variadic in C; they are linked with
 * {@link Linker.Option#firstVariadicArg} so the x86-64 calling convention is followed exactly.
 * None is linked as a critical call: {@code KVM_RUN} blocks for as long as the guest runs.
 */
public final class Libc {
    public static final int O_RDWR = 0x2;
    public static final int O_CLOEXEC = 0x80000;

    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;

    public static final int SIG_BLOCK = 0;
    public static final int SIG_UNBLOCK = 1;
    /** glibc's sigset_t is 1024 bits; the kernel's (and KVM_SET_SIGNAL_MASK's) is 64. */
    public static final long SIGSET_BYTES = 128;
    public static final int KERNEL_SIGSET_BYTES = 8;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno")).withInvokeExactBehavior();
    private static final Linker.Option ERRNO_CAPTURE = Linker.Option.captureCallState("errno");


    // Each function is linked on first use (initialization-on-demand holder classes): linking a
    // downcall costs a few milliseconds at start-up, and many runs never need some of them
    // (pthread_kill, sigtimedwait and signal only once a vCPU is kicked; strerror on errors).
    private static final class Open { static final MethodHandle H = link("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), ERRNO_CAPTURE, Linker.Option.firstVariadicArg(2)); }
    private static final class Close { static final MethodHandle H = link("close",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT), ERRNO_CAPTURE); }
    private static final class IoctlPtr { static final MethodHandle H = link("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), ERRNO_CAPTURE, Linker.Option.firstVariadicArg(2)); }
    private static final class IoctlLong { static final MethodHandle H = link("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), ERRNO_CAPTURE, Linker.Option.firstVariadicArg(2)); }
    private static final class Mmap { static final MethodHandle H = link("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), ERRNO_CAPTURE); }
    private static final class Munmap { static final MethodHandle H = link("munmap",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), ERRNO_CAPTURE); }
    private static final class PthreadSelf { static final MethodHandle H = link("pthread_self", FunctionDescriptor.of(JAVA_LONG)); }
    private static final class PthreadKill { static final MethodHandle H = link("pthread_kill",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT)); }
    private static final class PthreadSigmask { static final MethodHandle H = link("pthread_sigmask",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS)); }
    private static final class Sigtimedwait { static final MethodHandle H = link("sigtimedwait",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS), ERRNO_CAPTURE); }
    private static final class Signal { static final MethodHandle H = link("signal",
            FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS)); }
    private static final class Isatty { static final MethodHandle H = link("isatty", FunctionDescriptor.of(JAVA_INT, JAVA_INT)); }
    private static final class Tcgetattr { static final MethodHandle H = link("tcgetattr", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS)); }
    private static final class Tcsetattr { static final MethodHandle H = link("tcsetattr", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS)); }
    private static final class Cfmakeraw { static final MethodHandle H = link("cfmakeraw", FunctionDescriptor.ofVoid(ADDRESS)); }
    private static final class Strerror { static final MethodHandle H = link("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT)); }

    private static final ThreadLocal<MemorySegment> CALL_STATES =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));

    private Libc() {}

    private static MethodHandle link(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    /** This thread's errno capture segment (allocated once per thread, freed with it). */
    public static MemorySegment callState() {
        return CALL_STATES.get();
    }

    /** A capture segment owned by {@code arena}, for a thread that keeps its own. */
    public static MemorySegment newCallState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static int result(int r, MemorySegment state) {
        return r == -1 ? -errno(state) : r;
    }

    // ---- raw calls: result, or -errno ----

    public static int ioctl(MemorySegment state, int fd, long request, MemorySegment arg) {
        try {
            return result((int) IoctlPtr.H.invokeExact(state, fd, request, arg), state);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static int ioctl(MemorySegment state, int fd, long request, long arg) {
        try {
            return result((int) IoctlLong.H.invokeExact(state, fd, request, arg), state);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    // ---- checked calls ----

    /** ioctl with a pointer argument; EINTR retried; throws on failure. */
    public static int ioctlOrThrow(String name, int fd, long request, MemorySegment arg) {
        MemorySegment state = callState();
        int r;
        do {
            r = ioctl(state, fd, request, arg);
        } while (r == -Errno.EINTR);
        if (r < 0) throw new SysException(name, -r);
        return r;
    }

    /** ioctl with an integer argument; EINTR retried; throws on failure. */
    public static int ioctlOrThrow(String name, int fd, long request, long arg) {
        MemorySegment state = callState();
        int r;
        do {
            r = ioctl(state, fd, request, arg);
        } while (r == -Errno.EINTR);
        if (r < 0) throw new SysException(name, -r);
        return r;
    }

    /** open(2) with O_CLOEXEC; returns the fd or -errno. */
    public static int open(String path, int flags) {
        MemorySegment state = callState();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = arena.allocateFrom(path);
            int r;
            do {
                r = result((int) Open.H.invokeExact(state, cPath, flags | O_CLOEXEC, 0), state);
            } while (r == -Errno.EINTR);
            return r;
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    /** close(2). EINTR is not retried: on Linux the fd is gone either way. */
    public static void close(int fd) {
        MemorySegment state = callState();
        try {
            int r = result((int) Close.H.invokeExact(state, fd), state);
            if (r < 0 && r != -Errno.EINTR) throw new SysException("close(" + fd + ")", -r);
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    /**
     * mmap(2). Returns a segment of exactly {@code length} bytes at the mapping; its lifetime is
     * the mapping's, which only {@link #munmap} ends: callers must drop every view of it first.
     */
    public static MemorySegment mmap(long length, int prot, int flags, int fd, long offset, String what) {
        MemorySegment state = callState();
        try {
            MemorySegment p = (MemorySegment) Mmap.H.invokeExact(state, MemorySegment.NULL, length, prot, flags, fd, offset);
            if (p.address() == -1L) throw new SysException("mmap(" + what + ", " + length + " bytes)", errno(state));
            // Restricted: the mapping is exactly `length` bytes, valid until munmap.
            return p.reinterpret(length);
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static void munmap(MemorySegment mapping) {
        MemorySegment state = callState();
        try {
            int r = result((int) Munmap.H.invokeExact(state, mapping, mapping.byteSize()), state);
            if (r < 0) throw new SysException("munmap", -r);
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static long pthreadSelf() {
        try {
            return (long) PthreadSelf.H.invokeExact();
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    /** pthread_kill(3): returns 0 or an error number (it does not set errno). */
    public static int pthreadKill(long thread, int signal) {
        try {
            return (int) PthreadKill.H.invokeExact(thread, signal);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    /** pthread_sigmask(3) on this thread; {@code set} or {@code old} may be NULL. */
    public static void pthreadSigmask(int how, MemorySegment set, MemorySegment old) {
        try {
            int r = (int) PthreadSigmask.H.invokeExact(how, set, old);
            if (r != 0) throw new SysException("pthread_sigmask", r);
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    /** sigtimedwait(2) with the given timespec: the signal number, or -errno (-EAGAIN: none pending). */
    public static int sigtimedwait(MemorySegment state, MemorySegment set, MemorySegment timespec) {
        try {
            return result((int) Sigtimedwait.H.invokeExact(state, set, MemorySegment.NULL, timespec), state);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    /** glibc's struct termios is 60 bytes; 64 leaves room. */
    public static final long TERMIOS_BYTES = 64;
    public static final int TCSANOW = 0;

    public static boolean isatty(int fd) {
        try {
            return (int) Isatty.H.invokeExact(fd) == 1;
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    /** tcgetattr(3): false when {@code fd} is not a terminal. */
    public static boolean tcgetattr(int fd, MemorySegment termios) {
        try {
            return (int) Tcgetattr.H.invokeExact(fd, termios) == 0;
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static boolean tcsetattr(int fd, MemorySegment termios) {
        try {
            return (int) Tcsetattr.H.invokeExact(fd, TCSANOW, termios) == 0;
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    /** cfmakeraw(3): no echo, no line editing, no signals from keys, 8-bit bytes. */
    public static void cfmakeraw(MemorySegment termios) {
        try {
            Cfmakeraw.H.invokeExact(termios);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    /** signal(2) with SIG_IGN: a signal sent to a thread that does not block it is discarded. */
    public static void ignoreSignal(int signal) {
        try {
            MemorySegment previous = (MemorySegment) Signal.H.invokeExact(signal, MemorySegment.ofAddress(1)); // SIG_IGN
            if (previous.address() == -1L) throw new SysException("signal(" + signal + ", SIG_IGN)", Errno.EINVAL);
        } catch (SysException e) {
            throw e;
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) Strerror.H.invokeExact(errno);
            // Restricted: strerror returns a NUL-terminated string in static storage; 256 bytes
            // bounds the longest glibc message.
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    /** Sets bit {@code signal} in a sigset (glibc and kernel layout: bit signal-1). */
    public static void sigaddset(MemorySegment set, int signal) {
        int bit = signal - 1;
        long word = set.get(JAVA_LONG, (bit / 64) * 8L);
        set.set(JAVA_LONG, (bit / 64) * 8L, word | (1L << (bit % 64)));
    }

    public static void sigdelset(MemorySegment set, int signal) {
        int bit = signal - 1;
        long word = set.get(JAVA_LONG, (bit / 64) * 8L);
        set.set(JAVA_LONG, (bit / 64) * 8L, word & ~(1L << (bit % 64)));
    }

    private static IllegalStateException linkageFailure(Throwable t) {
        if (t instanceof RuntimeException r) throw r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException("native call failed", t);
    }
}
