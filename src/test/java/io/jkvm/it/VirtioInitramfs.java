package io.jkvm.it;

import io.jkvm.initramfs.CpioWriter;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A busybox initramfs for Debian's stock kernel with virtio devices: Debian builds virtio as
 * modules, so the init loads them ({@link #MODULES} and what they depend on, in dependency
 * order from the package's modules.dep, the .ko files from the same package as the vmlinuz:
 * scripts/fetch-test-kernel.sh keeps them in {@code modules-RELEASE/} beside it), waits for a
 * console, then runs the test's guest script and powers off.
 *
 * <p>The console: with {@code console=hvc0} the kernel has no console to give the init when it
 * starts (hvc0 appears only once virtio_console is loaded and the device has been probed, which
 * for QEMU's multiport virtio-serial happens later still, through the control queue), so the
 * init runs with file descriptors 0-2 closed until {@code /dev/console} opens, then takes it as
 * stdin, stdout and stderr. With {@code console=ttyS0} it opens at once. If no console comes
 * within {@link #CONSOLE_WAIT_S} seconds the init says so on {@code /dev/ttyS0} (where jkvm's
 * COM1 still reaches the test's stdout) with the insmod errors, the virtio devices the kernel
 * found and the end of the kernel log, and powers off.
 *
 * <p>The guest script is sourced by the init's shell ({@code /bin/busybox sh}, every applet
 * installed on PATH; /proc, /sys, /dev (devtmpfs) mounted; /tmp and /mnt empty directories).
 * It may use {@code wait_for PATH [SECONDS]}. Every line the test reads starts with {@link #MARK}.
 */
final class VirtioInitramfs {
    static final String MARK = "jkvm-vio: ";
    /** The drivers the virtio tests need: both transports, so one initramfs serves microvm and pc. */
    static final List<String> MODULES = List.of("virtio_mmio", "virtio_pci", "virtio_blk", "virtio_console", "virtio-rng");
    static final int CONSOLE_WAIT_S = 60;

    private VirtioInitramfs() {}

    static final String INIT = """
            #!/bin/busybox sh
            # File descriptors 0-2 may be closed here (console=hvc0: no console yet), so nothing
            # before the console is taken may rely on them.
            /bin/busybox --install -s /bin
            export PATH=/bin
            mount -t proc proc /proc
            mount -t sysfs sysfs /sys
            mount -t devtmpfs devtmpfs /dev
            loaded=0
            for m in $(cat /modules.order); do
              insmod "/lib/modules/$m" >>/insmod.log 2>&1 && loaded=$((loaded + 1))
            done
            waited=0
            until ( : >/dev/console ) 2>/dev/null; do
              waited=$((waited + 1))
              if [ $waited -gt %1$d ]; then
                { echo "jkvm-vio: no console after %2$d s; insmod: $(cat /insmod.log)"
                  echo "jkvm-vio: virtio devices: $(ls /sys/bus/virtio/devices 2>&1)"
                  dmesg | tail -n 40; } >/dev/ttyS0 2>&1
                poweroff -f
              fi
              usleep 100000
            done
            exec </dev/console >/dev/console 2>&1
            wait_for() { # PATH [SECONDS]: until PATH exists; fails after SECONDS (default 30)
              n=0
              while [ ! -e "$1" ]; do
                n=$((n + 1)); [ $n -gt $(( ${2:-30} * 10 )) ] && return 1
                usleep 100000
              done
            }
            echo "jkvm-vio: modules loaded $loaded of $(wc -l </modules.order)"
            [ -s /insmod.log ] && sed 's/^/jkvm-vio: insmod: /' /insmod.log
            . /guest.sh
            echo "jkvm-vio: powering off"
            poweroff -f
            """.formatted(CONSOLE_WAIT_S * 10, CONSOLE_WAIT_S);

    /** The directory of modules cached beside {@code kernel} (skips the test, saying why, without it). */
    static Path modulesDir(Path kernel) {
        String release = kernel.getFileName().toString().substring("vmlinuz-".length());
        Path dir = kernel.resolveSibling("modules-" + release);
        Assumptions.assumeTrue(Files.isRegularFile(dir.resolve("modules.dep")),
                "no virtio modules for " + release + " in " + dir + ": run scripts/fetch-test-kernel.sh");
        return dir;
    }

    /**
     * The modules to insmod, dependencies first, as paths relative to the modules directory.
     * modules.dep gives each module's whole dependency list ({@code path: dep dep ...}); the order
     * is a depth-first walk of it, so it holds whichever order depmod wrote the lists in.
     *
     * @throws IllegalArgumentException a wanted module or a dependency is not in modules.dep
     */
    static List<String> loadOrder(String modulesDep, List<String> wanted) {
        Map<String, List<String>> deps = new HashMap<>();
        Map<String, String> byName = new HashMap<>();
        for (String line : modulesDep.lines().toList()) {
            int colon = line.indexOf(':');
            if (colon <= 0) continue;
            String path = line.substring(0, colon).trim();
            String rest = line.substring(colon + 1).trim();
            deps.put(path, rest.isEmpty() ? List.of() : List.of(rest.split("\\s+")));
            byName.put(moduleName(path), path);
        }
        Set<String> order = new LinkedHashSet<>();
        for (String name : wanted) {
            String path = byName.get(name);
            if (path == null) throw new IllegalArgumentException("modules.dep names no module " + name);
            visit(path, deps, order, new LinkedHashSet<>());
        }
        return new ArrayList<>(order);
    }

    private static void visit(String path, Map<String, List<String>> deps, Set<String> order, Set<String> onStack) {
        if (order.contains(path)) return;
        if (!onStack.add(path)) throw new IllegalArgumentException("modules.dep has a dependency cycle through " + path);
        List<String> mine = deps.get(path);
        if (mine == null) throw new IllegalArgumentException("modules.dep lists no line for " + path);
        for (String d : mine) visit(d, deps, order, onStack);
        onStack.remove(path);
        order.add(path);
    }

    /** {@code kernel/drivers/char/hw_random/virtio-rng.ko} is {@code virtio-rng}. */
    static String moduleName(String path) {
        String base = path.substring(path.lastIndexOf('/') + 1);
        int ko = base.indexOf(".ko");
        return ko < 0 ? base : base.substring(0, ko);
    }

    /** The initramfs for {@code kernel} running {@code guestScript} after the modules are loaded. */
    static byte[] build(Path kernel, String guestScript) {
        Path modules = modulesDir(kernel);
        try {
            List<String> order = loadOrder(Files.readString(modules.resolve("modules.dep")), MODULES);
            CpioWriter cpio = new CpioWriter().directory("/bin", 0755)
                    .file("/bin/busybox", 0755, Files.readAllBytes(LinuxBusyboxBootTest.BUSYBOX))
                    .symlink("/bin/sh", "busybox").directory("/dev", 0755).charDevice("/dev/console", 0600, 5, 1)
                    .directory("/proc", 0755).directory("/sys", 0755).directory("/tmp", 01777).directory("/mnt", 0755)
                    .directory("/lib", 0755).directory("/lib/modules", 0755);
            Set<String> dirs = new LinkedHashSet<>();
            for (String m : order) {
                String parent = "/lib/modules";
                for (String part : m.substring(0, m.lastIndexOf('/')).split("/")) {
                    parent += "/" + part;
                    if (dirs.add(parent)) cpio.directory(parent, 0755);
                }
                Path ko = modules.resolve(m);
                if (m.endsWith(".ko.xz") || m.endsWith(".ko.zst") || m.endsWith(".ko.gz")) {
                    // busybox insmod reads plain ELF only; Debian's 6.1 kernels ship them so.
                    throw new IllegalStateException(ko + " is compressed: decompress it when fetching (busybox insmod cannot)");
                }
                cpio.file("/lib/modules/" + m, 0644, Files.readAllBytes(ko));
            }
            return cpio.file("/modules.order", 0644, (String.join("\n", order) + "\n").getBytes(StandardCharsets.US_ASCII))
                    .file("/guest.sh", 0644, guestScript.getBytes(StandardCharsets.US_ASCII))
                    .file("/init", 0755, INIT.getBytes(StandardCharsets.US_ASCII)).finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The lines the init and the guest script printed (those starting with {@link #MARK}), without CRs. */
    static List<String> markedLines(String console) {
        return console.lines().map(l -> l.replace("\r", "")).filter(l -> l.startsWith(MARK)).toList();
    }
}
