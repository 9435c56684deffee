package io.jkvm.platform;

import io.jkvm.config.MultibootKernel;
import io.jkvm.JkvmException;
import io.jkvm.config.VmConfig;
import io.jkvm.boot.CpuMode;
import io.jkvm.boot.Layout;
import io.jkvm.loader.multiboot.MultibootImages;
import io.jkvm.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static io.jkvm.devices.fwcfg.FwCfgKeys.KERNEL_ADDR;
import static io.jkvm.devices.fwcfg.FwCfgKeys.KERNEL_DATA;
import static io.jkvm.devices.fwcfg.FwCfgKeys.KERNEL_ENTRY;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PcBoot} with a multiboot kernel linked by plain {@code ld -m elf_i386 -Ttext 0x100000}
 * (guests/mb_plain.S, built by guests/build.sh with GNU ld): its first PT_LOAD holds only the ELF
 * headers, at 0xff000 in the BIOS area where jkvm's ACPI tables also live. QEMU 7.2 loads that
 * segment there and reports KERNEL_ADDR = elf_low = 0xff000 (guests/README.md); jkvm must too,
 * without touching the tables.
 */
class PcBootTest {
    private static final long RAM = 128 * MultibootImages.MIB;
    private final GuestMemory memory = GuestMemory.allocate(Layout.ramRanges(RAM));

    @AfterEach
    void close() {
        memory.close();
    }

    private static byte[] guest(String file) throws IOException {
        return Files.readAllBytes(Path.of(System.getProperty("jkvm.guests", "target/classes/guests")).resolve(file));
    }

    private PcBoot.Start boot(byte[] kernel) {
        VmConfig config = VmConfig.builder().memory(RAM)
                .multiboot(new MultibootKernel(kernel, "mb_plain.elf", "", List.of())).build();
        return PcBoot.load(memory, config);
    }

    @Test
    void plainLdKernelLoadsWhereQemuLoadsIt() throws IOException {
        byte[] elf = guest("mb_plain.elf");
        ByteBuffer ph = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(52, ph.getInt(0x1c), "e_phoff");
        assertEquals(0xf_f000, ph.getInt(52 + 12), "ld put the headers' PT_LOAD at 0xff000 (p_paddr)");
        assertEquals(0, ph.getInt(52 + 4), "from file offset 0");
        int headers = ph.getInt(52 + 16);

        PcBoot.Start start = boot(elf);
        assertEquals(0x10_0000, start.entry());
        assertEquals(CpuMode.PROTECTED, start.mode());
        assertEquals(0x9500L, start.registers().get("rbx"));
        assertArrayEquals(Arrays.copyOf(elf, headers), memory.read(0xf_f000, headers), "the ELF headers at __ehdr_start = 0xff000");
        assertArrayEquals(Arrays.copyOfRange(elf, 0x1000, 0x1010), memory.read(0x10_0000, 16), "the text at 1 MiB");

        assertArrayEquals(le32(0xf_f000), start.fwCfg().item(KERNEL_ADDR), "QEMU: elf_low");
        assertArrayEquals(le32(0x10_0000), start.fwCfg().item(KERNEL_ENTRY));
        assertArrayEquals(Arrays.copyOf(elf, 4), Arrays.copyOf(start.fwCfg().item(KERNEL_DATA), 4), "QEMU's buffer starts at elf_low: \\x7fELF");
        assertEquals("RSD PTR ", new String(memory.read(Layout.RSDP_ADDR, 8), StandardCharsets.US_ASCII), "the ACPI tables are intact");
    }

    @Test
    void aKernelOverTheAcpiTablesIsRefused() {
        byte[] kernel = MultibootImages.aout(0x3000, 0, 0, 0xe_0000, 0xe_2000, 0, 0xe_0000);
        JkvmException e = assertThrows(JkvmException.class, () -> boot(kernel));
        assertTrue(e.getMessage().startsWith("multiboot kernel segment [0xe0000, 0xe2000) overlaps jkvm's ACPI tables at [0xe0000, 0xe"), e.getMessage());
        assertTrue(e.getMessage().endsWith("): link the kernel elsewhere (1 MiB is usual)"), e.getMessage());
        assertEquals("RSD PTR ", new String(memory.read(Layout.RSDP_ADDR, 8), StandardCharsets.US_ASCII), "checked before anything is written");
    }

    private static byte[] le32(long v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array();
    }

    /** The DSDT PcBoot writes describes one virtio-mmio device per configured virtio device on microvm, none on pc (PCI's). */
    @Test
    void microvmsDsdtDescribesEachVirtioDevice() {
        for (io.jkvm.config.MachineType machine : io.jkvm.config.MachineType.values()) {
            if (!machine.pcFamily()) continue;
            io.jkvm.config.PcOptions options = io.jkvm.config.PcOptions.builder()
                    .virtio(new io.jkvm.config.VirtioSpec.Rng(0)).virtio(new io.jkvm.config.VirtioSpec.Console(io.jkvm.devices.ByteSink.NONE)).build();
            VmConfig config = VmConfig.builder().machine(machine).memory(RAM).pcOptions(options)
                    .multiboot(new MultibootKernel(MultibootImages.elf32(), "elf32", "", List.of())).build();
            try (GuestMemory m = GuestMemory.allocate(Layout.ramRanges(RAM))) {
                PcBoot.load(m, config);
                byte[] bios = new byte[(int) (Layout.BIOS_END - Layout.RSDP_ADDR)];
                m.read(Layout.RSDP_ADDR, bios);
                String tables = new String(bios, StandardCharsets.ISO_8859_1);
                int expected = machine == io.jkvm.config.MachineType.MICROVM ? 2 : 0;
                assertEquals(expected, tables.split("LNRO0005", -1).length - 1, machine.cliName());
                assertEquals(expected == 2, tables.contains("VR01") && !tables.contains("VR02"), machine.cliName());
            }
        }
    }
}
