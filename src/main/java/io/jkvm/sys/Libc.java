package io.jkvm.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The system calls jkvm makes, all through ONE downcall: glibc's {@code long syscall(long
 * number, ...)}, linked once, with errno captured ({@link Linker.Option#captureCallState}).
 * A VM's whole start-up (open, ioctl, mmap, signals, eventfd, epoll) costs one FFM link.
 *
 * <p>The ladder is written once. {@link #syscall} invokes and returns the result or
 * {@code -errno}; {@link #check} adds the EINTR retry (where the caller says the call may be
 * repeated) and turns a failure into a {@link SysException} naming the call. Every other method
 * here only packs arguments for one of the two.
 *
 * <p>{@code syscall} is variadic in C: it is linked with {@link Linker.Option#firstVariadicArg}
 * (1) and six {@code long} variadic arguments (no promotion is needed for {@code long}), so the
 * x86-64 calling convention is followed exactly; the kernel ignores arguments a call does not
 * take. Pointers travel as their address; each method that passes one keeps its segment
 * reachable until the call returned ({@link Reference#reachabilityFence}). The handle is not a
 * critical call: {@code KVM_RUN}, {@code epoll_wait} and {@code read} block.
 *
 * <p>Raw calls use a capture segment the caller passes (one per thread, {@link #callState()}),
 * so the hot path ({@code KVM_RUN}, eventfd writes) allocates nothing.
 */
public final class Libc {
    public static final int O_RDONLY = 0x0;
    public static final int O_RDWR = 0x2;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;

    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;

    public static final int SIG_BLOCK = 0;
    public static final int SIG_UNBLOCK = 1;
    /** glibc's sigset_t is 1024 bits: callers allocate that much; the kernel reads and writes the first 64. */
    public static final long SIGSET_BYTES = 128;
    /** The kernel's sigset (rt_sigprocmask's and KVM_SET_SIGNAL_MASK's sigsetsize). */
    public static final int KERNEL_SIGSET_BYTES = 8;

    /** x86-64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
    static final class Nr {
        static final long READ = 0, WRITE = 1, CLOSE = 3, MMAP = 9, MUNMAP = 11, RT_SIGACTION = 13,
                RT_SIGPROCMASK = 14, IOCTL = 16, GETPID = 39, FCNTL = 72,
                FDATASYNC = 75, RT_SIGTIMEDWAIT = 128, GETTID = 186, EPOLL_WAIT = 232, EPOLL_CTL = 233,
                TGKILL = 234, OPENAT = 257, FALLOCATE = 285, EVENTFD2 = 290, EPOLL_CREATE1 = 291, PREADV = 295,
                PWRITEV = 296;

        private Nr() {}
    }

    private static final long AT_FDCWD = -100;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno")).withInvokeExactBehavior();

    /** The one downcall on every path a VM takes, linked on first use. */
    private static final class Syscall { static final MethodHandle H = link("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(1)); }
    /** Error messages only: the C library's text for an errno. */
    private static final class Strerror { static final MethodHandle H = link("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT)); }

    private static final ThreadLocal<MemorySegment> CALL_STATES =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));

    private Libc() {}

    private static MethodHandle link(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        // Restricted: the symbol is libc's own function with exactly this C signature.
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

    // ---- the ladder, written once ----

    /** syscall(2): the result, or -errno. Allocates nothing. */
    public static long syscall(MemorySegment state, long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
        long r;
        try {
            r = (long) Syscall.H.invokeExact(state, nr, a1, a2, a3, a4, a5, a6);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
        return r == -1 ? -(int) ERRNO.get(state, 0L) : r;
    }

    /**
     * syscall(2) on this thread's capture segment; retries EINTR when {@code retryEintr} (the call
     * is safe to repeat); throws a {@link SysException} naming {@code name} on failure.
     */
    static long check(String name, boolean retryEintr, long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
        MemorySegment state = callState();
        long r;
        do {
            r = syscall(state, nr, a1, a2, a3, a4, a5, a6);
        } while (retryEintr && r == -Errno.EINTR);
        if (r < 0) throw new SysException(name, (int) -r);
        return r;
    }

    // ---- ioctl(2) ----

    /** ioctl with a pointer argument: the result, or -errno. */
    public static int ioctl(MemorySegment state, int fd, long request, MemorySegment arg) {
        int r = (int) syscall(state, Nr.IOCTL, fd, request, arg.address(), 0, 0, 0);
        Reference.reachabilityFence(arg);
        return r;
    }

    /** ioctl with an integer argument: the result, or -errno. The hot path (KVM_RUN) comes here. */
    public static int ioctl(MemorySegment state, int fd, long request, long arg) {
        return (int) syscall(state, Nr.IOCTL, fd, request, arg, 0, 0, 0);
    }

    /** ioctl with a pointer argument; EINTR retried; throws on failure. */
    public static int ioctlOrThrow(String name, int fd, long request, MemorySegment arg) {
        int r = (int) check(name, true, Nr.IOCTL, fd, request, arg.address(), 0, 0, 0);
        Reference.reachabilityFence(arg);
        return r;
    }

    /** ioctl with an integer argument; EINTR retried; throws on failure. */
    public static int ioctlOrThrow(String name, int fd, long request, long arg) {
        return (int) check(name, true, Nr.IOCTL, fd, request, arg, 0, 0, 0);
    }

    // ---- files ----

    /** openat(AT_FDCWD, path) with O_CLOEXEC; returns the fd or -errno. */
    public static int open(String path, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = arena.allocateFrom(path);
            MemorySegment state = callState();
            long r;
            do {
                r = syscall(state, Nr.OPENAT, AT_FDCWD, cPath.address(), flags | O_CLOEXEC, 0, 0, 0);
            } while (r == -Errno.EINTR);
            return (int) r;
        }
    }

    /** close(2). EINTR is not retried, nor reported: on Linux the fd is gone either way. */
    public static void close(int fd) {
        long r = syscall(callState(), Nr.CLOSE, fd, 0, 0, 0, 0, 0);
        if (r < 0 && r != -Errno.EINTR) throw new SysException("close(" + fd + ")", (int) -r);
    }

    /** read(2) into {@code buffer}: bytes read, or -errno (-EAGAIN on an empty non-blocking fd). */
    public static long read(MemorySegment state, int fd, MemorySegment buffer) {
        long r = syscall(state, Nr.READ, fd, buffer.address(), buffer.byteSize(), 0, 0, 0);
        Reference.reachabilityFence(buffer);
        return r;
    }

    /** write(2) of {@code buffer}: bytes written, or -errno. */
    public static long write(MemorySegment state, int fd, MemorySegment buffer) {
        long r = syscall(state, Nr.WRITE, fd, buffer.address(), buffer.byteSize(), 0, 0, 0);
        Reference.reachabilityFence(buffer);
        return r;
    }

    // ---- disk images: positional I/O, fdatasync, fallocate, open file description locks ----

    /** {@code struct iovec} (uio.h): le64 iov_base, le64 iov_len; 16 bytes. */
    public static final long IOVEC_SIZE = 16;
    /** IOV_MAX (limits.h, UIO_MAXIOV): the most iovecs one preadv/pwritev takes. */
    public static final int IOV_MAX = 1024;

    /**
     * preadv(2) into the {@code count} {@code struct iovec}s at the start of {@code iov}, from file
     * offset {@code fileOffset}: bytes read (0 at end of file), or -errno. The caller vouches
     * that every iovec names memory that stays mapped during the call (guest RAM, checked).
     *
     * @throws IndexOutOfBoundsException when {@code count} iovecs do not fit in {@code iov} or exceed IOV_MAX
     */
    public static long preadv(MemorySegment state, int fd, MemorySegment iov, int count, long fileOffset) {
        java.util.Objects.checkFromIndexSize(0, count * IOVEC_SIZE, iov.byteSize());
        java.util.Objects.checkIndex(count, IOV_MAX + 1);
        // x86-64 preadv(fd, vec, vlen, pos_l, pos_h): a 64-bit kernel takes the whole offset in pos_l.
        long r = syscall(state, Nr.PREADV, fd, iov.address(), count, fileOffset, 0, 0);
        Reference.reachabilityFence(iov);
        return r;
    }

    /** pwritev(2): the mirror of {@link #preadv}; bytes written, or -errno. */
    public static long pwritev(MemorySegment state, int fd, MemorySegment iov, int count, long fileOffset) {
        java.util.Objects.checkFromIndexSize(0, count * IOVEC_SIZE, iov.byteSize());
        java.util.Objects.checkIndex(count, IOV_MAX + 1);
        long r = syscall(state, Nr.PWRITEV, fd, iov.address(), count, fileOffset, 0, 0);
        Reference.reachabilityFence(iov);
        return r;
    }

    /** fdatasync(2): 0 or -errno (EINTR retried). */
    public static int fdatasync(MemorySegment state, int fd) {
        long r;
        do {
            r = syscall(state, Nr.FDATASYNC, fd, 0, 0, 0, 0, 0);
        } while (r == -Errno.EINTR);
        return (int) r;
    }

    /** fallocate(2) modes (linux/falloc.h). */
    public static final int FALLOC_FL_KEEP_SIZE = 0x01;
    public static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    public static final int FALLOC_FL_ZERO_RANGE = 0x10;

    /**
     * fallocate(2) on [offset, offset + length): 0 or -errno (EINTR retried). -EOPNOTSUPP when
     * the file system does not do {@code mode}.
     */
    public static int fallocate(MemorySegment state, int fd, int mode, long offset, long length) {
        long r;
        do {
            r = syscall(state, Nr.FALLOCATE, fd, mode, offset, length, 0, 0);
        } while (r == -Errno.EINTR);
        return (int) r;
    }

    /** fcntl(2) commands for open file description locks (asm-generic/fcntl.h). */
    private static final int F_OFD_SETLK = 37;
    private static final short F_RDLCK = 0, F_WRLCK = 1;

    /**
     * Locks the whole file with an open file description lock, without waiting (fcntl(2)
     * F_OFD_SETLK, whole file: l_whence SEEK_SET, l_start 0, l_len 0): shared
     * ({@code exclusive} false, F_RDLCK) or exclusive (F_WRLCK). The lock belongs to the open
     * file, not to the process: a second open of the same file, in this process or another,
     * conflicts with it, and closing that other fd does not release it; it goes with the last
     * close of this fd. It conflicts with POSIX fcntl locks and with QEMU's (OFD) image locks,
     * not with flock(2). Returns 0, -EAGAIN or -EACCES when someone else holds a conflicting
     * lock, or another -errno.
     */
    public static int lockFile(int fd, boolean exclusive) {
        try (Arena a = Arena.ofConfined()) {
            // struct flock (x86-64): short l_type, short l_whence, (pad) long l_start, long l_len,
            // int l_pid (must be 0 for OFD locks), (pad): 32 bytes, zeroed by allocate.
            MemorySegment flock = a.allocate(32, 8);
            flock.set(ValueLayout.JAVA_SHORT, 0, exclusive ? F_WRLCK : F_RDLCK);
            long r;
            do {
                r = syscall(callState(), Nr.FCNTL, fd, F_OFD_SETLK, flock.address(), 0, 0, 0);
            } while (r == -Errno.EINTR);
            return (int) r;
        }
    }

    // ---- memory ----

    /**
     * mmap(2). Returns a segment of exactly {@code length} bytes at the mapping; its lifetime is
     * the mapping's, which only {@link #munmap} ends: callers must drop every view of it first.
     */
    public static MemorySegment mmap(long length, int prot, int flags, int fd, long offset, String what) {
        long p = syscall(callState(), Nr.MMAP, 0, length, prot, flags, fd, offset);
        if (p < 0) throw new SysException("mmap(" + what + ", " + length + " bytes)", (int) -p);
        // Restricted: the kernel mapped exactly `length` bytes at p, valid until munmap.
        return MemorySegment.ofAddress(p).reinterpret(length);
    }

    public static void munmap(MemorySegment mapping) {
        check("munmap", false, Nr.MUNMAP, mapping.address(), mapping.byteSize(), 0, 0, 0, 0);
    }

    // ---- eventfd(2), epoll(7) ----

    public static final int EFD_SEMAPHORE = 0x1;
    public static final int EFD_NONBLOCK = O_NONBLOCK;
    public static final int EFD_CLOEXEC = O_CLOEXEC;
    public static final int EPOLL_CLOEXEC = O_CLOEXEC;
    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLL_CTL_MOD = 3;
    public static final int EPOLLIN = 0x001;
    public static final int EPOLLOUT = 0x004;
    public static final int EPOLLERR = 0x008;
    public static final int EPOLLHUP = 0x010;

    /** eventfd2(2), always with EFD_CLOEXEC: the new fd. */
    public static int eventfd(long initialValue, int flags) {
        return (int) check("eventfd2", false, Nr.EVENTFD2, initialValue, flags | EFD_CLOEXEC, 0, 0, 0, 0);
    }

    /** epoll_create1(2) with EPOLL_CLOEXEC: the new epoll fd. */
    public static int epollCreate() {
        return (int) check("epoll_create1", false, Nr.EPOLL_CREATE1, EPOLL_CLOEXEC, 0, 0, 0, 0, 0);
    }

    /** epoll_ctl(2); {@code event} is a {@link EpollEvent} (ignored for EPOLL_CTL_DEL). */
    public static void epollCtl(int epfd, int op, int fd, MemorySegment event) {
        check("epoll_ctl(" + epfd + ", op " + op + ", fd " + fd + ")", false, Nr.EPOLL_CTL, epfd, op, fd, event.address(), 0, 0);
        Reference.reachabilityFence(event);
    }

    /** epoll_wait(2) into {@code events} (an array of {@link EpollEvent}): how many are ready, or -errno (-EINTR). */
    public static int epollWait(MemorySegment state, int epfd, MemorySegment events, int timeoutMillis) {
        int max = (int) (events.byteSize() / EpollEvent.SIZE);
        int r = (int) syscall(state, Nr.EPOLL_WAIT, epfd, events.address(), max, timeoutMillis, 0, 0);
        Reference.reachabilityFence(events);
        return r;
    }

    // ---- threads and signals ----

    /** gettid(2): the calling thread's kernel id (what tgkill targets). */
    public static int gettid() {
        return (int) syscall(callState(), Nr.GETTID, 0, 0, 0, 0, 0, 0);
    }

    /** tgkill(2) to a thread of this process: 0 or -errno. */
    public static int tgkill(int tid, int signal) {
        MemorySegment state = callState();
        long pid = syscall(state, Nr.GETPID, 0, 0, 0, 0, 0, 0);
        return (int) syscall(state, Nr.TGKILL, pid, tid, signal, 0, 0, 0);
    }

    /** rt_sigprocmask(2) on this thread; {@code set} or {@code old} may be NULL (sigsets of at least 8 bytes). */
    public static void sigprocmask(int how, MemorySegment set, MemorySegment old) {
        check("rt_sigprocmask", false, Nr.RT_SIGPROCMASK, how, set.address(), old.address(), KERNEL_SIGSET_BYTES, 0, 0);
        Reference.reachabilityFence(set);
        Reference.reachabilityFence(old);
    }

    /** rt_sigtimedwait(2) with the given timespec: the signal number, or -errno (-EAGAIN: none pending). */
    public static int sigtimedwait(MemorySegment state, MemorySegment set, MemorySegment timespec) {
        int r = (int) syscall(state, Nr.RT_SIGTIMEDWAIT, set.address(), 0, timespec.address(), KERNEL_SIGSET_BYTES, 0, 0);
        Reference.reachabilityFence(set);
        Reference.reachabilityFence(timespec);
        return r;
    }

    /**
     * rt_sigaction(2) with SIG_IGN: a signal sent to a thread that does not block it is discarded.
     * The kernel's struct sigaction (x86-64): handler, flags, restorer, 8-byte mask; no restorer
     * is needed since no handler ever runs.
     */
    public static void ignoreSignal(int signal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment act = a.allocate(32, 8);
            act.set(JAVA_LONG, 0, 1L); // SIG_IGN
            check("rt_sigaction(" + signal + ", SIG_IGN)", false, Nr.RT_SIGACTION, signal, act.address(), 0,
                    KERNEL_SIGSET_BYTES, 0, 0);
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

    // ---- terminals: the kernel's struct termios through TCGETS/TCSETS (termios(3) does the same) ----

    /** Room for a struct termios (the kernel's is 36 bytes, glibc's 60). */
    public static final long TERMIOS_BYTES = 64;
    private static final long TCGETS = 0x5401;
    private static final long TCSETS = 0x5402;

    public static boolean isatty(int fd) {
        try (Arena a = Arena.ofConfined()) {
            return tcgetattr(fd, a.allocate(TERMIOS_BYTES, 8));
        }
    }

    /** tcgetattr(3): false when {@code fd} is not a terminal. */
    public static boolean tcgetattr(int fd, MemorySegment termios) {
        return ioctl(callState(), fd, TCGETS, termios) == 0;
    }

    /** tcsetattr(3) with TCSANOW. */
    public static boolean tcsetattr(int fd, MemorySegment termios) {
        return ioctl(callState(), fd, TCSETS, termios) == 0;
    }

    /**
     * cfmakeraw(3) on the kernel's struct termios (asm-generic/termbits.h: c_iflag, c_oflag,
     * c_cflag, c_lflag, c_line, c_cc[19]): no echo, no line editing, no signals from keys,
     * 8-bit bytes, reads return after one byte. The same bits glibc's cfmakeraw changes.
     */
    public static void cfmakeraw(MemorySegment termios) {
        int iflag = termios.get(JAVA_INT, 0), oflag = termios.get(JAVA_INT, 4);
        int cflag = termios.get(JAVA_INT, 8), lflag = termios.get(JAVA_INT, 12);
        iflag &= ~(0x001 | 0x002 | 0x008 | 0x020 | 0x040 | 0x080 | 0x100 | 0x400); // IGNBRK BRKINT PARMRK ISTRIP INLCR IGNCR ICRNL IXON
        oflag &= ~0x001;                                                         // OPOST
        lflag &= ~(0x008 | 0x040 | 0x002 | 0x001 | 0x8000);                      // ECHO ECHONL ICANON ISIG IEXTEN
        cflag = (cflag & ~(0x030 | 0x100)) | 0x030;                              // CSIZE PARENB off, CS8
        termios.set(JAVA_INT, 0, iflag);
        termios.set(JAVA_INT, 4, oflag);
        termios.set(JAVA_INT, 8, cflag);
        termios.set(JAVA_INT, 12, lflag);
        termios.set(JAVA_BYTE, 17 + 6, (byte) 1); // c_cc[VMIN]
        termios.set(JAVA_BYTE, 17 + 5, (byte) 0); // c_cc[VTIME]
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

    private static IllegalStateException linkageFailure(Throwable t) {
        if (t instanceof RuntimeException r) throw r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException("native call failed", t);
    }
}
