package io.jkvm.it;

import io.jkvm.cli.Main;
import io.jkvm.testing.KvmTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jkvm run --kernel} with a multiboot kernel (guests/mb_info.S prints what the loader
 * handed over): the command line, QEMU's comma module list in --initrd, and an ELF64 multiboot
 * kernel, which QEMU refuses and jkvm boots.
 */
@KvmTest
class MultibootRunTest {
    private static final String MODULE_1 = "first line\nsecond\n";

    @TempDir
    Path tmp;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream savedOut;
    private PrintStream savedErr;
    private InputStream savedIn;

    @BeforeEach
    void capture() throws IOException {
        TestGuests.assumeKvm();
        savedOut = System.out;
        savedErr = System.err;
        savedIn = System.in;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        System.setIn(new ByteArrayInputStream(new byte[0])); // a PC guest's COM1 reads stdin
        Files.writeString(tmp.resolve("m1"), MODULE_1);
        Files.write(tmp.resolve("m2"), module2());
    }

    @AfterEach
    void restore() {
        if (savedOut == null) return;
        System.setOut(savedOut);
        System.setErr(savedErr);
        System.setIn(savedIn);
    }

    private static byte[] module2() {
        byte[] b = new byte[3000];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (i * 31 + 7);
        return b;
    }

    /** mb_info's module checksum: the 32-bit sum of the bytes, 8 hex digits. */
    private static String sum(byte[] bytes) {
        int s = 0;
        for (byte b : bytes) s += b & 0xff;
        return String.format("%08x", s);
    }

    /** What mb_info prints for {@code kernel} with the test's command line and modules, in 128 MiB. */
    private String expected(String kernel) {
        Path m1 = tmp.resolve("m1");
        Path m2 = tmp.resolve("m2");
        return "mb_info\n"
                + "magic ok\n"
                + "bss zero ok\n"
                + "flags: mem cmdline mods mmap\n"
                + "info placed ok\n"
                + "mem_lower 639\n"
                + "mem_upper ok\n"
                + "cmdline \"" + kernel + " x y\"\n"
                + "mods 2\n"
                + "module 0 \"" + m1 + " a b\" bytes " + MODULE_1.length() + " sum "
                + sum(MODULE_1.getBytes(StandardCharsets.US_ASCII)) + "\n"
                + "  line \"first line\"\n"
                + "module 1 \"" + m2 + "\" bytes 3000 sum " + sum(module2()) + "\n"
                + "modules placed ok\n"
                + "mmap ram MiB 127\n"
                + "mmap ram at 1M yes\n"
                + "mmap covers kernel yes\n";
    }

    /** Runs mb_info (or another build of it) with the test's arguments; returns its COM1 output. */
    private String run(String kernel) {
        out.reset();
        err.reset();
        int status = Main.execute("run", "--kernel", kernel, "--append", "x y",
                "--initrd", tmp.resolve("m1") + " a b," + tmp.resolve("m2"), "-m", "128M");
        assertEquals(97, status, "stdout: " + out + "\nstderr: " + err);
        assertEquals("jkvm: guest wrote 0x30 to the debug-exit port: exit status 97\n", err.toString(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void elf32KernelGetsItsCommandLineAndModules() {
        String kernel = TestGuests.dir().resolve("mb_info.elf").toString();
        String com1 = run(kernel);
        List<String> lines = com1.lines().toList();
        assertTrue(lines.contains("cmdline \"" + kernel + " x y\""), com1);
        assertTrue(lines.contains("mods 2"), com1);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("module 0 \"" + tmp.resolve("m1") + " a b\" ")), com1);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("module 1 \"" + tmp.resolve("m2") + "\" ")), com1);
        assertEquals(expected(kernel), com1);
    }

    private static String tool(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) return p.toString();
        }
        return null;
    }

    private static String exec(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd) + " did not finish");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + output);
        return output;
    }

    /** The file offset of a valid multiboot header (magic, flags, checksum summing to 0, 4-byte aligned), or -1. */
    private static int multibootHeaderOffset(byte[] file) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at + 12 <= file.length; at += 4) {
            if (b.getInt(at) == 0x1BADB002 && b.getInt(at) + b.getInt(at + 4) + b.getInt(at + 8) == 0) return at;
        }
        return -1;
    }

    @Test
    void elf64KernelBootsLikeTheElf32One() throws Exception {
        String objcopy = tool("objcopy");
        String readelf = tool("readelf");
        Assumptions.assumeTrue(objcopy != null && readelf != null, "objcopy/readelf (binutils) are not installed");
        String elf32 = TestGuests.dir().resolve("mb_info.elf").toString();
        Path elf64 = tmp.resolve("mb_info64.elf");
        exec(objcopy, "-O", "elf64-x86-64", elf32, elf64.toString());

        String header = exec(readelf, "-h", elf64.toString());
        String cls = header.lines().filter(l -> l.strip().startsWith("Class:")).findFirst().orElse("");
        assertEquals("ELF64", cls.substring(cls.indexOf(':') + 1).strip(), header);
        String machine = header.lines().filter(l -> l.strip().startsWith("Machine:")).findFirst().orElse("");
        assertEquals("Advanced Micro Devices X86-64", machine.substring(machine.indexOf(':') + 1).strip(), header);
        byte[] bytes = Files.readAllBytes(elf64);
        assertEquals(2, bytes[4], "EI_CLASS");
        int at = multibootHeaderOffset(bytes);
        assertTrue(at >= 0, "objcopy's ELF64 file has no multiboot header");
        assertTrue(at + 12 <= 8192, String.format(
                "objcopy moved the multiboot header to file offset 0x%x, beyond the first 8 KiB a loader searches", at));

        String com1 = run(elf64.toString());
        assertEquals(expected(elf64.toString()), com1);
        assertEquals(run(elf32).replace(elf32, elf64.toString()), com1);
    }
}
