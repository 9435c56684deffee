/**
 * ACPI tables for guests booted without firmware (ACPI 6.5): the RSDP, XSDT, FADT, MADT and a
 * DSDT of AML, built as pure Java for a {@link io.jkvm.acpi.Platform} and written to guest RAM
 * by {@link io.jkvm.acpi.AcpiTables}; the two tiny port devices the FADT points at
 * ({@link io.jkvm.acpi.SleepControl}, {@link io.jkvm.acpi.ResetControl}); and the AML encoder
 * the DSDT is made with ({@link io.jkvm.acpi.Aml}). One table per file, every checksum in
 * {@link io.jkvm.acpi.Checksum}, addresses in {@link io.jkvm.boot.Layout} and ports in
 * {@link io.jkvm.boot.PcPorts}.
 */
package io.jkvm.acpi;
