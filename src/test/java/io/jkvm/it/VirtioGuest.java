package io.jkvm.it;

import org.junit.jupiter.api.Assumptions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the Linux virtio tests share: the guest script that exercises a read-write and a
 * read-only disk, hvc0 and /dev/hwrng in one boot ({@link #CHECKS}), the lines it must print,
 * the disk images and their checks on the host, the command lines for {@code jkvm run},
 * {@code ./jkvm-qemu} and {@code qemu-system-x86_64}, and a console session with the guest
 * (stdout read line by line, a line typed on stdin when the guest's shell prompts, SIGKILL on a
 * chosen line).
 */
final class VirtioGuest {
    static final String MARK = VirtioInitramfs.MARK;
    /** The kernel's command line under every VMM: hvc0 is the only console. */
    static final String APPEND = "console=hvc0 quiet panic=-1";
    static final int MEMORY_MIB = 256;
    /** Per boot: two boots in one test must end within the kvm tests' 6-minute limit, so a hang shows its console. */
    static final long BOOT_TIMEOUT_S = 170;
    static final long RW_SIZE = 16L << 20;
    static final long RO_SIZE = 4L << 20;
    /** Where the guest writes {@link #pattern()} on the read-write disk (past the 4 MiB file system). */
    static final long PATTERN_OFFSET = 8L << 20;
    static final int PATTERN_SIZE = 1 << 20;
    static final String RO_LINE = "jkvm read-only disk";
    static final String HELLO = "hello from the guest";
    static final String PROMPT = MARK + "prompt";
    /** Typed at the prompt of the shell on hvc0; its answer proves the shell read and ran it. */
    static final String TYPED = "echo \"jkvm-vio: typed [$((6 * 7))] on $(tty)\"; exit";

    private VirtioGuest() {}

    /**
     * The guest script (sourced by {@link VirtioInitramfs#INIT}): finds the two disks by size (a
     * VMM may name them in either order), reads the read-only one and fails to write it, makes an
     * ext2 file system on the first 4 MiB of the read-write one with a file in it, writes and
     * reads back a pattern with O_DIRECT past it (fsync: a flush), syncs, reads /dev/hwrng, then runs an
     * interactive shell on the console (hvc0) until the test's typed line makes it exit.
     */
    static final String CHECKS = """
            wait_for /dev/vdb || echo "jkvm-vio: no /dev/vdb after 30 s"
            rw=none; ro=none
            for d in /sys/block/vd*; do
              case $(cat $d/size) in %1$d) rw=${d##*/} ;; %2$d) ro=${d##*/} ;; esac
            done
            echo "jkvm-vio: disks $(ls -d /sys/block/vd* | wc -l): %1$d sectors ro=$(cat /sys/block/$rw/ro), %2$d sectors ro=$(cat /sys/block/$ro/ro)"
            dev=$(readlink -f /sys/block/$rw/device)
            echo "jkvm-vio: disk driver $(basename $(readlink $dev/driver)) over $(basename $(readlink $(dirname $dev)/driver))"
            echo "jkvm-vio: write cache $(cat /sys/block/$rw/queue/write_cache)"
            echo "jkvm-vio: read-only disk starts [$(head -n 1 /dev/$ro)]"
            echo "jkvm-vio: read-only disk md5 $(dd if=/dev/$ro bs=1M iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)"
            dd if=/dev/zero of=/dev/$ro bs=4096 count=1 oflag=direct 2>/dev/null && r=no || r=yes
            echo "jkvm-vio: read-only disk refuses a write: $r"
            ok=no
            mke2fs -F /dev/$rw 4096 >/dev/null 2>&1 && mount -t ext2 /dev/$rw /mnt \\
              && echo "%3$s" >/mnt/hello.txt && umount /mnt && ok=yes
            echo "jkvm-vio: ext2 file written: $ok"
            seq -w 1 200000 | head -c %5$d >/tmp/pattern
            dd if=/tmp/pattern of=/dev/$rw bs=64k seek=%4$d oflag=direct conv=fsync 2>/dev/null && ok=yes || ok=no
            echo "jkvm-vio: pattern written with O_DIRECT and flushed: $ok"
            dd if=/dev/$rw bs=64k skip=%4$d count=%6$d iflag=direct 2>/dev/null | cmp -s - /tmp/pattern && ok=equal || ok=different
            echo "jkvm-vio: pattern read back with O_DIRECT: $ok"
            sync && echo "jkvm-vio: synced"
            echo "jkvm-vio: rng $(cat /sys/class/misc/hw_random/rng_current)"
            bytes=$(dd if=/dev/hwrng bs=16 count=1 2>/dev/null | od -An -v -tx1)
            echo "jkvm-vio: hwrng bytes $(echo $bytes | wc -w), varied $([ $(echo $bytes | tr ' ' '\\n' | sort -u | wc -l) -gt 4 ] && echo yes || echo no)"
            echo "jkvm-vio: console $(cat /sys/class/tty/console/active)"
            PS1='jkvm-vio: prompt
            ' setsid cttyhack sh
            """.formatted(RW_SIZE / 512, RO_SIZE / 512, HELLO, PATTERN_OFFSET / 65536, PATTERN_SIZE, PATTERN_SIZE / 65536);

    /** What {@link #CHECKS} prints (after the init's module line) on a machine whose transport is {@code transport}. */
    static List<String> expected(int modules, String transport) {
        return List.of(MARK + "modules loaded " + modules + " of " + modules,
                MARK + "disks 2: " + RW_SIZE / 512 + " sectors ro=0, " + RO_SIZE / 512 + " sectors ro=1",
                MARK + "disk driver virtio_blk over " + transport,
                MARK + "write cache write back",
                MARK + "read-only disk starts [" + RO_LINE + "]",
                MARK + "read-only disk md5 " + md5(roImage()),
                MARK + "read-only disk refuses a write: yes",
                MARK + "ext2 file written: yes",
                MARK + "pattern written with O_DIRECT and flushed: yes",
                MARK + "pattern read back with O_DIRECT: equal",
                MARK + "synced",
                MARK + "rng virtio_rng.0",
                MARK + "hwrng bytes 16, varied yes",
                MARK + "console hvc0",
                PROMPT,
                MARK + "typed [42] on /dev/hvc0",
                MARK + "powering off");
    }

    /** The transport Linux binds on {@code machine}: virtio-mmio on microvm, virtio-pci on pc. */
    static String transport(String machine) {
        return machine.equals("pc") ? "virtio-pci" : "virtio-mmio";
    }

    static int moduleCount(Path kernel) throws IOException {
        Path dir = VirtioInitramfs.modulesDir(kernel);
        return VirtioInitramfs.loadOrder(Files.readString(dir.resolve("modules.dep")), VirtioInitramfs.MODULES).size();
    }

    /** {@code seq -w 1 200000 | head -c 1048576}: every 7-byte line differs, so a misplaced sector shows. */
    static byte[] pattern() {
        StringBuilder s = new StringBuilder(PATTERN_SIZE + 16);
        for (int i = 1; s.length() < PATTERN_SIZE; i++) s.append(String.format("%06d\n", i));
        return Arrays.copyOf(s.toString().getBytes(StandardCharsets.US_ASCII), PATTERN_SIZE);
    }

    /** The read-only disk's content: {@link #RO_LINE} and a newline, repeated. */
    static byte[] roImage() {
        byte[] line = (RO_LINE + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[(int) RO_SIZE];
        for (int i = 0; i < out.length; i++) out[i] = line[i % line.length];
        return out;
    }

    record Disks(Path rw, Path ro) {}

    /** A sparse, zeroed read-write image and the read-only one, in {@code dir}. */
    static Disks disks(Path dir) throws IOException {
        Path rw = dir.resolve("rw.img");
        try (RandomAccessFile f = new RandomAccessFile(rw.toFile(), "rw")) {
            f.setLength(RW_SIZE);
        }
        return new Disks(rw, Files.write(dir.resolve("ro.img"), roImage()));
    }

    /** The host's view after the guest ran {@link #CHECKS}: the pattern, the ext2 file, the read-only image untouched. */
    static void assertImages(String who, Disks disks) throws Exception {
        byte[] rw = Files.readAllBytes(disks.rw());
        assertEquals(RW_SIZE, rw.length, who + ": the read-write image's size");
        assertArrayEquals(pattern(), Arrays.copyOfRange(rw, (int) PATTERN_OFFSET, (int) PATTERN_OFFSET + PATTERN_SIZE),
                who + ": the pattern at 8 MiB in the read-write image");
        assertEquals(HELLO + "\n", debugfsCat(disks.rw(), "/hello.txt"), who + ": /hello.txt in the image's ext2 file system");
        assertArrayEquals(roImage(), Files.readAllBytes(disks.ro()), who + ": the read-only image is unchanged");
    }

    static String debugfs() {
        for (String d : List.of("/usr/sbin", "/sbin", "/usr/bin")) {
            Path p = Path.of(d, "debugfs");
            if (Files.isExecutable(p)) return p.toString();
        }
        Assumptions.abort("no debugfs to read the guest's ext2 file system (apt-get install e2fsprogs; scripts/setup.sh --tests)");
        return null;
    }

    /** A file's content in an ext2 image, read with debugfs (e2fsprogs). */
    static String debugfsCat(Path image, String file) throws Exception {
        Process p = new ProcessBuilder(debugfs(), "-R", "cat " + file, image.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    static String md5(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** QEMU's arguments for the devices of {@link #CHECKS}: the same for qemu-system-x86_64 and ./jkvm-qemu. */
    static List<String> qemuArgs(String machine, Path kernel, Path initrd, Disks disks) {
        List<String> a = new ArrayList<>(List.of("-M", machine, "-accel", "kvm", "-cpu", "host", "-smp", "1",
                "-m", Integer.toString(MEMORY_MIB), "-kernel", kernel.toString(), "-initrd", initrd.toString(),
                "-append", APPEND, "-display", "none", "-nodefaults", "-no-reboot"));
        if (machine.equals("pc")) {
            // Both ways of naming a disk: if=virtio (virtio-blk-pci on pc), and if=none with a -device.
            a.addAll(List.of("-drive", "file=" + disks.rw() + ",if=virtio,format=raw",
                    "-drive", "if=none,id=d1,file=" + disks.ro() + ",format=raw,readonly=on", "-device", "virtio-blk-pci,drive=d1",
                    "-device", "virtio-rng-pci", "-device", "virtio-serial-pci"));
        } else {
            a.addAll(List.of("-drive", "if=none,id=d0,file=" + disks.rw() + ",format=raw", "-device", "virtio-blk-device,drive=d0",
                    "-drive", "if=none,id=d1,file=" + disks.ro() + ",format=raw,readonly=on", "-device", "virtio-blk-device,drive=d1",
                    "-device", "virtio-rng-device", "-device", "virtio-serial-device"));
        }
        a.addAll(List.of("-device", "virtconsole,chardev=c0", "-chardev", "stdio,id=c0"));
        return a;
    }

    /** {@code jkvm run} (jkvm's own CLI) on the compiled classes, with {@code options} after the kernel's. */
    static ProcessBuilder jkvmRun(String machine, Path kernel, Path initrd, List<String> options) {
        return jkvmRun(machine, kernel, initrd, APPEND, options);
    }

    /** The same with another kernel command line. */
    static ProcessBuilder jkvmRun(String machine, Path kernel, Path initrd, String append, List<String> options) {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), "io.jkvm.cli.Main", "run", "--kernel", kernel.toString(),
                "--initrd", initrd.toString(), "--memory", MEMORY_MIB + "M", "--machine", machine,
                "--host-profile", "none", "--timeout", BOOT_TIMEOUT_S + "s", "--append", append));
        cmd.addAll(options);
        return new ProcessBuilder(cmd);
    }

    static ProcessBuilder qemu(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(TestGuests.assumeQemu()));
        cmd.addAll(args);
        return new ProcessBuilder(cmd);
    }

    static ProcessBuilder jkvmQemu(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(QemuLauncher.jkvmQemu().toString()));
        cmd.addAll(args);
        return QemuLauncher.withClasspath(new ProcessBuilder(cmd));
    }

    /**
     * @param console what the VMM printed on stdout (the guest's console)
     * @param stderr  what it printed on stderr
     * @param killed  whether the test killed the VMM (SIGKILL) on the line it was told to
     * @param seconds from start to exit
     */
    record Session(String console, String stderr, int status, boolean killed, double seconds) {
        List<String> lines() {
            return VirtioInitramfs.markedLines(console);
        }

        /** For failure messages: the console, then stderr. */
        String shown() {
            return "--- console ---\n" + console + "--- stderr ---\n" + stderr + "--- status " + status + " after "
                    + String.format("%.1f s", seconds);
        }
    }

    /**
     * Runs a VMM with stdout (the guest's console) read line by line: {@link #TYPED} is typed on
     * stdin (a pipe) when {@link #PROMPT} comes; on a line equal to {@code killOn} (null: never)
     * the VMM gets SIGKILL at once. Killed after {@link #BOOT_TIMEOUT_S} in any case.
     */
    static Session session(ProcessBuilder pb, String killOn) throws Exception {
        Path err = Files.createTempFile("jkvm-vio-stderr", ".txt");
        long start = System.nanoTime();
        Process p = pb.redirectError(err.toFile()).start();
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                if (!p.waitFor(BOOT_TIMEOUT_S + 10, TimeUnit.SECONDS)) p.destroyForcibly();
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        });
        StringBuilder console = new StringBuilder();
        boolean killed = false;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.ISO_8859_1));
             OutputStream stdin = p.getOutputStream()) {
            String line;
            while ((line = r.readLine()) != null) {
                console.append(line).append('\n');
                String clean = line.replace("\r", "");
                if (clean.equals(killOn)) {
                    p.destroyForcibly(); // Process.destroyForcibly is SIGKILL on Linux
                    killed = true;
                    break;
                }
                if (clean.equals(PROMPT)) {
                    stdin.write((TYPED + "\n").getBytes(StandardCharsets.US_ASCII));
                    stdin.flush();
                }
            }
            p.waitFor();
        } finally {
            p.destroyForcibly();
            watchdog.interrupt();
        }
        p.waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        String stderr = Files.readString(err, StandardCharsets.ISO_8859_1);
        Files.deleteIfExists(err);
        System.out.printf("%s: status %d after %.1f s%s%n", pb.command().getFirst().replaceAll(".*/", ""), p.exitValue(), seconds,
                killed ? " (killed)" : "");
        return new Session(console.toString(), stderr, p.exitValue(), killed, seconds);
    }
}
