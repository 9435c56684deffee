package io.jkvm.initramfs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class CpioWriterTest {
    @Test
    void headerFieldsAndPadding() {
        byte[] a = new CpioWriter().file("/init", 0755, new byte[] {1, 2, 3}).finish();
        String head = new String(a, 0, 110, StandardCharsets.US_ASCII);
        assertEquals("070701" + "00000001" + "000081ed" + "00000000" + "00000000" + "00000001" + "00000000"
                + "00000003" + "00000000" + "00000000" + "00000000" + "00000000" + "00000005" + "00000000", head);
        assertEquals("init\0", new String(a, 110, 5, StandardCharsets.US_ASCII));
        // 110 + 5 = 115, padded to 116; data at 116..118, padded to 120; trailer header at 120.
        assertArrayEquals(new byte[] {1, 2, 3, 0}, java.util.Arrays.copyOfRange(a, 116, 120));
        assertEquals("070701", new String(a, 120, 6, StandardCharsets.US_ASCII));
        assertTrue(new String(a, 120, a.length - 120, StandardCharsets.US_ASCII).contains("TRAILER!!!\0"));
        assertEquals(0, a.length % 4);
    }

    @Test
    void devicesCarryTheirNumbers() {
        byte[] a = new CpioWriter().charDevice("/dev/console", 0600, 5, 1).finish();
        String head = new String(a, 0, 110, StandardCharsets.US_ASCII);
        assertEquals("00002180", head.substring(14, 22)); // S_IFCHR | 0600
        assertEquals("00000005", head.substring(78, 86)); // rdevmajor
        assertEquals("00000001", head.substring(86, 94)); // rdevminor
    }

    /** GNU cpio (when installed) lists what we wrote. */
    @Test
    void gnuCpioReadsTheArchive(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/cpio")), "GNU cpio is not installed");
        byte[] a = new CpioWriter().directory("/dev", 0755).charDevice("/dev/console", 0600, 5, 1)
                .directory("/proc", 0755).file("/init", 0755, "#!/bin/sh\n".getBytes(StandardCharsets.US_ASCII))
                .symlink("/sbin", "bin").finish();
        Path archive = Files.write(dir.resolve("a.cpio"), a);
        Process p = new ProcessBuilder("/usr/bin/cpio", "-itv", "-F", archive.toString()).redirectErrorStream(true).start();
        List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertEquals(0, p.waitFor());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("crw-------") && l.endsWith("dev/console")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("-rwxr-xr-x") && l.endsWith(" init")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("lrwxrwxrwx") && l.endsWith("sbin -> bin")), lines.toString());
    }
}
