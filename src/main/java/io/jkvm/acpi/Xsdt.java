package io.jkvm.acpi;

import java.nio.ByteBuffer;

/**
 * Extended System Description Table (ACPI 6.5 5.2.8): the header, then one 64-bit
 * physical address per table (all but the DSDT and FACS, which the FADT points at).
 */
public final class Xsdt {
    private Xsdt() {}

    public static final String SIGNATURE = "XSDT";
    public static final int REVISION = 1;
    static final int ENTRIES = SdtHeader.LENGTH;

    public static int length(int entries) { return SdtHeader.LENGTH + 8 * entries; }

    public static byte[] build(long... tableAddresses) {
        ByteBuffer b = SdtHeader.begin(SIGNATURE, length(tableAddresses.length), REVISION, "JKVMXSDT");
        for (int i = 0; i < tableAddresses.length; i++) b.putLong(ENTRIES + 8 * i, tableAddresses[i]);
        return SdtHeader.finish(b);
    }
}
