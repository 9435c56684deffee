package io.jkvm.cli;

import io.jkvm.exit.VmExit;
import io.jkvm.platform.ConsoleInput;

import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;

/**
 * Copies stdin to the guest's console on a daemon thread, minding QEMU's escape: Ctrl-A x
 * quits, Ctrl-A Ctrl-A sends one Ctrl-A; other Ctrl-A sequences are dropped.
 */
final class StdinPump {
    static final int CTRL_A = 0x01;

    private StdinPump() {}

    static Thread start(InputStream in, ConsoleInput console, Consumer<VmExit> quit) {
        Thread t = Thread.ofPlatform().name("console-input").daemon(true).unstarted(() -> pump(in, console, quit));
        t.start();
        return t;
    }

    static void pump(InputStream in, ConsoleInput console, Consumer<VmExit> quit) {
        byte[] buf = new byte[256];
        byte[] out = new byte[256];
        boolean escape = false;
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
                        if (b == CTRL_A) out[m++] = (byte) CTRL_A;
                    } else if (b == CTRL_A) {
                        escape = true;
                    } else {
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
