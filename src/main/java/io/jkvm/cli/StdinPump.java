package io.jkvm.cli;

import io.jkvm.exit.VmExit;
import io.jkvm.platform.ConsoleInput;

import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;

/**
 * Copies stdin to the guest's console on a daemon thread, minding QEMU's escape: Ctrl-A x
 * quits, Ctrl-A p pauses the VM and resumes it (input typed while paused is dropped: the guest
 * reads none, and a full FIFO must not stop the pump from seeing the next Ctrl-A p),
 * Ctrl-A Ctrl-A sends one Ctrl-A; other Ctrl-A sequences are dropped.
 */
final class StdinPump {
    static final int CTRL_A = 0x01;

    private StdinPump() {}

    /** Pauses or resumes the VM; answers whether it is paused afterwards. */
    interface PauseControl {
        boolean toggle();

        PauseControl NONE = () -> false;
    }

    static Thread start(InputStream in, ConsoleInput console, Consumer<VmExit> quit, PauseControl pause) {
        Thread t = Thread.ofPlatform().name("console-input").daemon(true).unstarted(() -> pump(in, console, quit, pause));
        t.start();
        return t;
    }

    static void pump(InputStream in, ConsoleInput console, Consumer<VmExit> quit) {
        pump(in, console, quit, PauseControl.NONE);
    }

    static void pump(InputStream in, ConsoleInput console, Consumer<VmExit> quit, PauseControl pause) {
        byte[] buf = new byte[256];
        byte[] out = new byte[256];
        boolean escape = false;
        boolean paused = false;
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                int m = 0;
                for (int i = 0; i < n; i++) {
                    int b = buf[i] & 0xff;
                    if (escape) {
                        escape = false;
                        if (b == 'x' || b == 'X') {
                            if (m > 0) console.feed(out, 0, m); // what was typed before the escape
                            quit.accept(VmExit.stopped("quit (Ctrl-A x)"));
                            return;
                        }
                        if (b == 'p' || b == 'P') {
                            if (m > 0) console.feed(out, 0, m);
                            m = 0;
                            paused = pause.toggle();
                        }
                        if (b == CTRL_A && !paused) out[m++] = (byte) CTRL_A;
                    } else if (b == CTRL_A) {
                        escape = true;
                    } else if (!paused) {
                        out[m++] = (byte) b;
                    }
                }
                if (m > 0) console.feed(out, 0, m);
            }
        } catch (IOException | InterruptedException e) {
            // stdin closed or the VM ended: nothing more to feed
        }
    }
}
