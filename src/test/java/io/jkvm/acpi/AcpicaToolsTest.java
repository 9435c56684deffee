package io.jkvm.acpi;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tables read back by ACPICA's own tools (Debian's acpica-tools, installed by
 * {@code scripts/setup.sh --tests}): {@code iasl -d} disassembles each one, {@code acpiexec}
 * loads them into the same interpreter Linux runs and evaluates the namespace. Skipped, saying
 * why, when the tools are not installed.
 */
class AcpicaToolsTest {
    @TempDir
    Path dir;

    private final AcpiTables.Image image = AcpiTables.build(
            new Platform(4, true, true, List.of(InterruptSourceOverride.PC_TIMER)));

    @Test
    void iaslDisassemblesEveryTable() throws Exception {
        String iasl = require("iasl");
        // iasl 20200925 loads only tables with a standard header, so not the RSDP (checked by RsdpTest).
        for (String sig : List.of("XSDT", "FACP", "DSDT", "APIC")) {
            Path dat = dir.resolve(sig.toLowerCase() + ".dat");
            Files.write(dat, image.table(sig).bytes());
            String out = run(List.of(iasl, "-d", dat.getFileName().toString()));
            assertFalse(out.matches("(?s).*(Error|Warning|Invalid|does not contain a valid).*"), sig + ":\n" + out);
            Path dsl = dir.resolve(sig.toLowerCase() + ".dsl");
            assertTrue(Files.exists(dsl), sig + ": no disassembly\n" + out);
        }
        String dsdt = read("dsdt.dsl");
        assertTrue(dsdt.contains("DefinitionBlock (\"\", \"DSDT\", 2, \"JKVM  \", \"JKVMDSDT\", 0x00000001)"), dsdt);
        assertTrue(dsdt.contains("Name (_S5, Package"), dsdt);
        assertTrue(dsdt.contains("Device (COM1)"), dsdt);
        assertTrue(dsdt.contains("EisaId (\"PNP0501\")"), dsdt);
        assertTrue(dsdt.contains("IRQNoFlags ()") && dsdt.contains("{4}"), dsdt);

        String facp = read("facp.dsl");
        assertTrue(facp.matches("(?s).*Hardware Reduced \\(V5\\) : 1.*"), facp);
        assertTrue(facp.matches("(?s).*Reset Register Supported \\(V2\\) : 1.*"), facp);
        assertTrue(facp.matches("(?s).*Sleep Control Register : \\[Generic Address Structure].*"), facp);
        assertTrue(facp.contains("Address : 0000000000000600"), facp);
        assertTrue(facp.contains("FADT Minor Revision : 05"), facp);

        String apic = read("apic.dsl");
        assertEquals(4, count(apic, "[Processor Local APIC]"), apic);
        assertEquals(1, count(apic, "[I/O APIC]"), apic);
        assertEquals(1, count(apic, "[Interrupt Source Override]"), apic);
        assertTrue(apic.contains("PC-AT Compatibility : 1"), apic);
    }

    @Test
    void acpiexecLoadsTheTablesAndEvaluatesTheNamespace() throws Exception {
        String acpiexec = require("acpiexec");
        List<String> cmd = new ArrayList<>(List.of(acpiexec, "-b", "evaluate \\_S5; evaluate \\_SB.COM1._CRS; namespace"));
        for (String sig : List.of("FACP", "DSDT", "APIC")) {
            Files.write(dir.resolve(sig + ".dat"), image.table(sig).bytes());
            cmd.add(sig + ".dat");
        }
        String out = run(cmd);
        assertFalse(out.matches("(?s).*(Error|Warning|AE_[A-Z_]+).*"), out);
        assertTrue(out.contains("[Package] Contains 4 Elements:"), out);
        assertTrue(out.matches("(?s).*\\[Integer] = 0000000000000005.*"), out);
        assertTrue(out.contains("47 01 F8 03 F8 03 01 08 22 10 00 79 0E"), out);
        assertTrue(out.matches("(?s).*_HID Integer .* = 000000000105D041.*"), out);
    }

    /** The ASL in Dsdt's comment, which iasl must compile to jkvm's AML. */
    static final String DSDT_ASL = """
            DefinitionBlock ("", "DSDT", 2, "JKVM  ", "JKVMDSDT", 1)
            {
                Name (_S5, Package () { 5, 0, 0, 0 })
                Scope (\\_SB) {
                    Device (COM1) {
                        Name (_HID, EisaId ("PNP0501"))
                        Name (_UID, Zero)
                        Name (_CRS, ResourceTemplate () { IO (Decode16, 0x3F8, 0x3F8, 0x01, 0x08)  IRQNoFlags () {4} })
                    }
            %s    }
            }
            """;
    static final String KBD_ASL = """
                    Device (KBD) {
                        Name (_HID, EisaId ("PNP0303"))
                        Name (_CRS, ResourceTemplate () { IO (Decode16, 0x60, 0x60, 0x01, 0x01)
                                                          IO (Decode16, 0x64, 0x64, 0x01, 0x01)  IRQNoFlags () {1} })
                    }
            """;
    static final String RTC_ASL = """
                    Device (RTC) {
                        Name (_HID, EisaId ("PNP0B00"))
                        Name (_CRS, ResourceTemplate () { IO (Decode16, 0x70, 0x70, 0x01, 0x02)  IRQNoFlags () {8} })
                    }
            """;

    @Test
    void iaslCompilesTheSameAmlFromAsl() throws Exception {
        String iasl = require("iasl");
        Platform base = Platform.of(1);
        assertSameAml(iasl, DSDT_ASL.formatted(""), Dsdt.build(base));
        assertSameAml(iasl, DSDT_ASL.formatted(KBD_ASL), Dsdt.build(base.withI8042(true)));
        assertSameAml(iasl, DSDT_ASL.formatted(KBD_ASL + RTC_ASL), Dsdt.build(base.withI8042(true).withCmosRtc(true)));
    }

    /** QEMU's pc windows with jkvm's addresses: what PcExtras.pciWindows gives a VM with up to 252 GiB of RAM. */
    private static final io.jkvm.pci.PciWindows PCI = new io.jkvm.pci.PciWindows(0xc000, 0x1_0000, 0xc000_0000L, 0xfec0_0000L,
            0x40_0000_0000L, 0x80_0000_0000L);

    /** PCI0 in ASL: the host bridge's windows and a _PRT of constant GSIs (QEMU's pc swizzle, PIRQA-D = 10, 10, 11, 11). */
    static String pci0Asl() {
        StringBuilder prt = new StringBuilder();
        int[] pirqGsi = {10, 10, 11, 11};
        for (int slot = 0; slot < 32; slot++) {
            for (int pin = 0; pin < 4; pin++) {
                if (prt.length() > 0) prt.append(",\n");
                prt.append(String.format("                Package () { 0x%04XFFFF, %d, Zero, %d }", slot, pin, pirqGsi[(slot + pin - 1) & 3]));
            }
        }
        return """
                        Device (PCI0) {
                            Name (_HID, EisaId ("PNP0A03"))
                            Name (_UID, Zero)
                            Name (_CRS, ResourceTemplate () {
                                WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode, 0, 0x00, 0xFF, 0, 0x100)
                                IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)
                                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, 0, 0x0000, 0x0CF7, 0, 0x0CF8)
                                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, 0, 0x0D00, 0xFFFF, 0, 0xF300)
                                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite,
                                             0, 0xC0000000, 0xFEBFFFFF, 0, 0x3EC00000)
                                QWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite,
                                             0, 0x4000000000, 0x7FFFFFFFFF, 0, 0x4000000000)
                            })
                            Name (_PRT, Package () {
                %s
                            })
                        }
                """.formatted(prt);
    }

    @Test
    void iaslCompilesTheSamePci0FromAsl() throws Exception {
        String iasl = require("iasl");
        assertSameAml(iasl, DSDT_ASL.formatted(pci0Asl()), Dsdt.build(Platform.of(1).withPci(PCI)));
    }

    @Test
    void iaslDisassemblesTheDsdtWithPci0() throws Exception {
        String iasl = require("iasl");
        Files.write(dir.resolve("dsdt.dat"), Dsdt.build(Platform.of(2).withI8042(true).withPci(PCI)));
        String out = run(List.of(iasl, "-d", "dsdt.dat"));
        assertFalse(out.matches("(?s).*(Error|Warning|Invalid).*"), out);
        String dsl = read("dsdt.dsl");
        assertTrue(dsl.contains("Device (PCI0)"), dsl);
        assertTrue(dsl.contains("EisaId (\"PNP0A03\") /* PCI Bus */"), dsl);
        assertTrue(dsl.contains("0xFEBFFFFF,         // Range Maximum"), dsl);
        assertTrue(dsl.contains("0x0000007FFFFFFFFF, // Range Maximum"), dsl);
        assertTrue(dsl.contains("Name (_PRT, Package (0x80)"), dsl);
        assertTrue(dsl.contains("0x0003FFFF, \n                    Zero, \n                    Zero, \n                    0x0B"), dsl);
    }

    /** QEMU microvm's virtio-mmio devices (hw/virtio/virtio-acpi.c) in ASL, at jkvm's slots and GSIs. */
    static String virtioMmioAsl(int count) {
        StringBuilder asl = new StringBuilder();
        for (int n = 0; n < count; n++) {
            asl.append("""
                            Device (VR%02d) {
                                Name (_HID, "LNRO0005")
                                Name (_UID, %d)
                                Name (_CCA, One)
                                Name (_CRS, ResourceTemplate () {
                                    Memory32Fixed (ReadWrite, 0x%08X, 0x00001000)
                                    Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { %d }
                                })
                            }
                    """.formatted(n, n, 0xD000_0000L + 0x1000L * n, 16 + n));
        }
        return asl.toString();
    }

    @Test
    void iaslCompilesTheSameVirtioMmioDevicesFromAsl() throws Exception {
        String iasl = require("iasl");
        Platform microvm = Platform.of(1).withI8042(true).withCmosRtc(true);
        assertSameAml(iasl, DSDT_ASL.formatted(KBD_ASL + RTC_ASL + virtioMmioAsl(8)),
                Dsdt.build(microvm.withVirtioMmio(VirtioMmioSlot.microvm(8))));
    }

    @Test
    void acpiexecEvaluatesAVirtioMmioDevicesResources() throws Exception {
        String acpiexec = require("acpiexec");
        Files.write(dir.resolve("DSDT.dat"), Dsdt.build(Platform.of(1).withVirtioMmio(VirtioMmioSlot.microvm(2))));
        String out = run(List.of(acpiexec, "-b", "evaluate \\_SB.VR01._HID; evaluate \\_SB.VR01._CRS; evaluate \\_SB.VR01._CCA",
                "DSDT.dat"));
        assertFalse(out.matches("(?s).*(Error|Warning|AE_[A-Z_]+).*"), out);
        assertTrue(out.contains("\"LNRO0005\""), out);
        assertTrue(out.contains("86 09 00 01 00 10 00 D0 00 10 00 00 89 06 00 01"), out);
    }

    private void assertSameAml(String iasl, String asl, byte[] ours) throws Exception {
        Files.writeString(dir.resolve("dsdt.asl"), asl);
        // -on: keep \_SB as written (iasl would shorten it to _SB, which means the same at the root)
        String out = run(List.of(iasl, "-on", "dsdt.asl"));
        assertTrue(out.contains("0 Errors, 0 Warnings"), out);
        byte[] theirs = Files.readAllBytes(dir.resolve("dsdt.aml"));
        assertEquals(theirs.length, ours.length, asl);
        // Past the header (creator ID and checksum differ). iasl leaves each End Tag's checksum 0
        // ("treated as valid", ACPI 6.5 6.4.2.9); jkvm computes it: the only other difference.
        for (int i = 36; i < theirs.length; i++) {
            if (theirs[i] == ours[i]) continue;
            boolean endTagChecksum = theirs[i] == 0 && theirs[i - 1] == 0x79 && ours[i - 1] == 0x79;
            assertTrue(endTagChecksum, String.format("AML differs at 0x%x: iasl 0x%02x, jkvm 0x%02x%n%s", i, theirs[i], ours[i], asl));
        }
    }

    /** The tool's path, or the test is skipped with the reason. */
    private static String require(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(d, tool);
            if (Files.isExecutable(p)) return p.toString();
        }
        String why = tool + " is not installed (Debian: apt-get install acpica-tools, or scripts/setup.sh --tests): skipping";
        Assumptions.abort(why);
        return null;
    }

    private String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), cmd + " did not finish");
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), cmd + ":\n" + text);
        return text;
    }

    private String read(String name) throws IOException {
        return Files.readString(dir.resolve(name), StandardCharsets.ISO_8859_1);
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) n++;
        return n;
    }
}
