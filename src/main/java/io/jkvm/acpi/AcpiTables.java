package io.jkvm.acpi;

import io.jkvm.boot.Layout;
import io.jkvm.boot.PcPorts;
import io.jkvm.memory.GuestMemory;

import java.util.ArrayList;
import java.util.List;

/**
 * jkvm's ACPI tables, laid out and written to guest RAM:
 *
 * <pre>
 * RSDP at Layout.RSDP_ADDR ──► XSDT ──► FADT ──► DSDT
 *                                       └─► MADT
 * </pre>
 *
 * The XSDT, FADT, DSDT and MADT follow one another from {@link Layout#ACPI_TABLES_ADDR}, each
 * on a {@link #TABLE_ALIGN} boundary, all below {@link Layout#ACPI_TABLES_END}.
 * Building is pure ({@link #build}); {@link Image#writeTo} copies the bytes into guest RAM.
 * The FADT points the guest at {@link SleepControl} on {@link PcPorts#ACPI_SLEEP} and
 * {@link ResetControl} on {@link PcPorts#ACPI_RESET}: attach both for power-off and reboot.
 */
public final class AcpiTables {
    private AcpiTables() {}

    /** Each table starts on this boundary (the spec asks for none beyond the RSDP's 16). */
    public static final int TABLE_ALIGN = 64;

    /** One table and where it goes. */
    public record Table(String signature, long address, byte[] bytes) {
        public long end() { return address + bytes.length; }
    }

    /** Every table and its address; the RSDP first. */
    public record Image(List<Table> tables) {
        public Image {
            tables = List.copyOf(tables);
        }

        public long rsdpAddress() { return tables.getFirst().address(); }

        /** Lowest address a table occupies (the RSDP's). */
        public long start() { return tables.stream().mapToLong(Table::address).min().orElseThrow(); }

        /** End of the highest table: [start, end) is what {@link #writeTo} writes. */
        public long end() { return tables.stream().mapToLong(Table::end).max().orElseThrow(); }

        public Table table(String signature) {
            for (Table t : tables) if (t.signature().equals(signature)) return t;
            throw new IllegalArgumentException("no " + signature + " table");
        }

        /** Writes every table to guest RAM; returns the RSDP's address. */
        public long writeTo(GuestMemory mem) {
            for (Table t : tables) mem.write(t.address(), t.bytes());
            return rsdpAddress();
        }
    }

    /** Writes the tables for {@code cpus} vCPUs and nothing else legacy; returns the RSDP's address. */
    public static long write(GuestMemory mem, int cpus) {
        return build(Platform.of(cpus)).writeTo(mem);
    }

    /** Writes the tables for {@code platform}; returns the RSDP's address. */
    public static long write(GuestMemory mem, Platform platform) {
        return build(platform).writeTo(mem);
    }

    public static Image build(Platform platform) {
        byte[] dsdt = Dsdt.build(platform);
        byte[] madt = Madt.build(platform.cpus(), platform.overrides());

        long xsdtAddr = Layout.ACPI_TABLES_ADDR;
        long fadtAddr = align(xsdtAddr + Xsdt.length(2));
        long dsdtAddr = align(fadtAddr + Fadt.LENGTH);
        long madtAddr = align(dsdtAddr + dsdt.length);

        byte[] fadt = Fadt.build(dsdtAddr, platform);
        byte[] xsdt = Xsdt.build(fadtAddr, madtAddr);
        byte[] rsdp = Rsdp.build(xsdtAddr);

        List<Table> tables = new ArrayList<>();
        tables.add(new Table(Rsdp.SIGNATURE, Layout.RSDP_ADDR, rsdp));
        tables.add(new Table(Xsdt.SIGNATURE, xsdtAddr, xsdt));
        tables.add(new Table(Fadt.SIGNATURE, fadtAddr, fadt));
        tables.add(new Table(Dsdt.SIGNATURE, dsdtAddr, dsdt));
        tables.add(new Table(Madt.SIGNATURE, madtAddr, madt));
        long end = tables.getLast().end();
        if (end > Layout.ACPI_TABLES_END) {
            throw new IllegalStateException(String.format("ACPI tables for %d CPUs end at 0x%x, past 0x%x", platform.cpus(), end, Layout.ACPI_TABLES_END));
        }
        return new Image(tables);
    }

    static long align(long address) {
        return (address + TABLE_ALIGN - 1) & -TABLE_ALIGN;
    }
}
