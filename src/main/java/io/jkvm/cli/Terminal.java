package io.jkvm.cli;

import io.jkvm.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Puts the terminal on stdin into raw mode while a guest owns the console (every key goes to
 * the guest, Ctrl-C included, as with QEMU's -nographic), and restores it on close, on every
 * exit path (a shutdown hook covers the JVM ending without close).
 */
final class Terminal implements AutoCloseable {
    private static final int STDIN = 0;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment saved = arena.allocate(Libc.TERMIOS_BYTES, 8);
    private final Thread restoreHook = new Thread(this::restore, "terminal-restore");
    private boolean restored;

    private Terminal() {}

    /** Raw mode when stdin is a terminal; null (nothing to restore) otherwise. */
    static Terminal rawIfTty() {
        if (!Libc.isatty(STDIN)) return null;
        Terminal t = new Terminal();
        if (!Libc.tcgetattr(STDIN, t.saved)) {
            t.arena.close();
            return null;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment raw = a.allocate(Libc.TERMIOS_BYTES, 8);
            MemorySegment.copy(t.saved, 0, raw, 0, Libc.TERMIOS_BYTES);
            Libc.cfmakeraw(raw);
            Runtime.getRuntime().addShutdownHook(t.restoreHook);
            Libc.tcsetattr(STDIN, raw);
        }
        return t;
    }

    private synchronized void restore() {
        if (restored) return;
        restored = true;
        Libc.tcsetattr(STDIN, saved);
    }

    @Override
    public void close() {
        restore();
        try {
            Runtime.getRuntime().removeShutdownHook(restoreHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs (harmlessly) anyway
        }
        arena.close();
    }
}
