package io.jkvm.acpi;

import io.jkvm.boot.PcPorts;


import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * Differentiated System Description Table (ACPI 6.5 5.2.11.1): the header, then AML. jkvm's
 * holds what Linux needs from the namespace, the legacy devices only when the VM has them:
 *
 * <pre>
 * Name (_S5, Package () { 5, 0, 0, 0 })                  // 7.4.2: SLP_TYP for soft-off
 * Scope (\_SB) {
 *     Device (COM1) {                                     // 8250_pnp binds ttyS0 through ACPI
 *         Name (_HID, EisaId ("PNP0501"))                 // 16550A-compatible COM port
 *         Name (_UID, Zero)
 *         Name (_CRS, ResourceTemplate () { IO (Decode16, 0x3F8, 0x3F8, 0x01, 0x08)  IRQNoFlags () {4} })
 *     }
 *     Device (KBD) {                                      // with an 8042: i8042 finds it by PnP
 *         Name (_HID, EisaId ("PNP0303"))                 // and, with no PNP0F13, drops the aux port
 *         Name (_CRS, ResourceTemplate () { IO (Decode16, 0x60, 0x60, 0x01, 0x01)
 *                                           IO (Decode16, 0x64, 0x64, 0x01, 0x01)  IRQNoFlags () {1} })
 *     }
 *     Device (RTC) {                                      // with an RTC: rtc_cmos binds by PnP
 *         Name (_HID, EisaId ("PNP0B00"))
 *         Name (_CRS, ResourceTemplate () { IO (Decode16, 0x70, 0x70, 0x01, 0x02)  IRQNoFlags () {8} })
 *     }
 * }
 * </pre>
 *
 * The ports and IRQs are {@link PcPorts}'. Revision 2: integers in this table's AML are 64 bits wide.
 */
public final class Dsdt {
    private Dsdt() {}

    public static final String SIGNATURE = "DSDT";
    public static final int REVISION = 2;

    public static byte[] build(Platform platform) {
        byte[] aml = aml(platform);
        ByteBuffer b = SdtHeader.begin(SIGNATURE, SdtHeader.LENGTH + aml.length, REVISION, "JKVMDSDT");
        b.put(SdtHeader.LENGTH, aml);
        return SdtHeader.finish(b);
    }

    /** The AML definition block after the header. */
    public static byte[] aml(Platform platform) {
        ByteArrayOutputStream devices = new ByteArrayOutputStream();
        devices.writeBytes(com1());
        if (platform.i8042()) devices.writeBytes(keyboard());
        if (platform.cmosRtc()) devices.writeBytes(rtc());
        return Aml.concat(s5(SleepControl.S5_SLP_TYP), Aml.scope("\\_SB", devices.toByteArray()));
    }

    /**
     * {@code Name (_S5, Package () { SLP_TYPa, SLP_TYPb, 0, 0 })} (7.4.2). Both SLP_TYP values
     * are the same; a hardware-reduced platform uses only the first (4.8.3.7).
     */
    static byte[] s5(int sleepType) {
        if (sleepType < 0 || sleepType > 7) throw new IllegalArgumentException("SLP_TYP is 3 bits: " + sleepType);
        return Aml.name("_S5", Aml.pkg(Aml.integer(sleepType), Aml.integer(0), Aml.integer(0), Aml.integer(0)));
    }

    static byte[] com1() {
        return Aml.device("COM1",
                Aml.name("_HID", Aml.eisaId("PNP0501")),
                Aml.name("_UID", Aml.integer(0)),
                Aml.name("_CRS", new ResourceTemplate()
                        .io(PcPorts.COM1.base(), PcPorts.COM1.base(), 1, PcPorts.COM1.length())
                        .irq(PcPorts.COM1.irq())
                        .toAml()));
    }

    static byte[] keyboard() {
        return Aml.device("KBD",
                Aml.name("_HID", Aml.eisaId("PNP0303")),
                Aml.name("_CRS", new ResourceTemplate()
                        .io(PcPorts.I8042_DATA.base(), PcPorts.I8042_DATA.base(), 1, PcPorts.I8042_DATA.length())
                        .io(PcPorts.I8042_COMMAND.base(), PcPorts.I8042_COMMAND.base(), 1, PcPorts.I8042_COMMAND.length())
                        .irq(PcPorts.I8042_DATA.irq())
                        .toAml()));
    }

    static byte[] rtc() {
        return Aml.device("RTC",
                Aml.name("_HID", Aml.eisaId("PNP0B00")),
                Aml.name("_CRS", new ResourceTemplate()
                        .io(PcPorts.RTC.base(), PcPorts.RTC.base(), 1, PcPorts.RTC.length())
                        .irq(PcPorts.RTC.irq())
                        .toAml()));
    }
}
