package io.jkvm.acpi;

import io.jkvm.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.jkvm.acpi.TableAssertions.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tables in guest RAM, found and followed as the kernel does, with no KVM. */
class AcpiTablesTest {
    private final GuestMemory mem = GuestMemory.allocate(List.of(new GuestMemory.Range(0, 0x10_0000)));

    @AfterEach
    void close() { mem.close(); }

    @Test
    void theRsdpIsWhereTheBiosAreaScanFindsIt() {
        assertEquals(0xE0000L, AcpiTables.write(mem, 1));
        assertEquals(0xE0000L, scanBiosArea(), "ACPICA acpi_find_root_pointer: 16-byte boundaries in 0xE0000-0xFFFFF");
    }

    @Test
    void everyTableIsReachableFromTheRsdpWithValidChecksums() {
        long rsdp = AcpiTables.write(mem, 4);
        assertEquals(0, sum(mem.read(rsdp, 20), 0, 20));
        assertEquals(0, sum(mem.read(rsdp, 36), 0, 36));
        long xsdt = mem.readLong(rsdp + 24);
        assertTable(xsdt, "XSDT");
        int entries = (mem.readInt(xsdt + 4) - 36) / 8;
        List<String> signatures = new ArrayList<>();
        long fadt = 0;
        for (int i = 0; i < entries; i++) {
            long table = mem.readLong(xsdt + 36 + 8L * i);
            String sig = signature(table);
            signatures.add(sig);
            assertTable(table, sig);
            if (sig.equals("FACP")) fadt = table;
        }
        assertEquals(List.of("FACP", "APIC"), signatures);
        long dsdt = mem.readLong(fadt + 140);
        assertEquals(dsdt, Integer.toUnsignedLong(mem.readInt(fadt + 40)));
        assertTable(dsdt, "DSDT");
    }

    @Test
    void theMadtListsEveryCpu() {
        AcpiTables.Image image = AcpiTables.build(Platform.of(8));
        image.writeTo(mem);
        long madt = image.table("APIC").address();
        assertEquals(44 + 8 * 8 + 12, mem.readInt(madt + 4));
        for (int cpu = 0; cpu < 8; cpu++) {
            long s = madt + 44 + 8L * cpu;
            assertEquals(0, mem.readByte(s), "type: Processor Local APIC");
            assertEquals(cpu, mem.readByte(s + 3), "APIC ID");
            assertEquals(1, mem.readInt(s + 4), "enabled");
        }
    }

    @Test
    void tablesAreAlignedDisjointAndInsideTheBiosArea() {
        for (int cpus : new int[] {1, 4, 255}) {
            AcpiTables.Image image = AcpiTables.build(new Platform(cpus, true, true, List.of(InterruptSourceOverride.PC_TIMER)));
            long previousEnd = 0;
            for (AcpiTables.Table t : image.tables()) {
                assertTrue(t.address() >= previousEnd, t.signature() + " overlaps the table before it");
                assertEquals(0, t.address() % 16, t.signature() + " alignment");
                assertTrue(t.address() >= 0xE0000 && t.end() <= 0x10_0000, t.signature() + " outside 0xE0000-0xFFFFF");
                previousEnd = t.end();
            }
        }
    }

    @Test
    void writeWithAPlatform() {
        long rsdp = AcpiTables.write(mem, Platform.of(2).withI8042(true).withCmosRtc(true));
        assertEquals(0xE0000L, rsdp);
        long fadt = mem.readLong(mem.readLong(rsdp + 24) + 36);
        assertEquals(0x16, mem.readByte(fadt + 109), "8042 present, RTC present");
    }

    @Test
    void tooManyCpusAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> AcpiTables.write(mem, 256));
    }

    private void assertTable(long address, String signature) {
        assertEquals(signature, signature(address));
        int length = mem.readInt(address + 4);
        assertEquals(0, sum(mem.read(address, length), 0, length), signature + " checksum in guest RAM");
    }

    private String signature(long address) {
        return new String(mem.read(address, 4), StandardCharsets.US_ASCII);
    }

    /** What ACPICA does without EFI or boot_params.acpi_rsdp_addr (the EBDA pointer here is 0). */
    private long scanBiosArea() {
        for (long a = 0xE0000; a < 0x10_0000; a += 16) {
            byte[] b = mem.read(a, 36);
            if (new String(b, 0, 8, StandardCharsets.US_ASCII).equals("RSD PTR ") && sum(b, 0, 20) == 0
                    && (b[15] < 2 || sum(b, 0, 36) == 0)) {
                return a;
            }
        }
        return -1;
    }
}
