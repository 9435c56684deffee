package io.jkvm.devices.fwcfg;

import io.jkvm.loader.E820Map;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The items QEMU's pc machine puts in fw_cfg that jkvm can fill in the same way, from
 * hw/nvram/fw_cfg.c fw_cfg_common_realize and hw/i386/fw_cfg.c fw_cfg_arch_create, for a VM
 * without -uuid, -boot menu=on, -acpitable, NUMA nodes or HPET options:
 * <pre>
 * SIGNATURE      "QEMU"                      ID             u32 ID_TRADITIONAL | ID_DMA
 * UUID           16 zero bytes (no -uuid)    NOGRAPHIC      u16 1 without a display, else 0
 * BOOT_MENU      u16 0                       NB_CPUS        u16 CPUs running at boot
 * MAX_CPUS       u16 the APIC ID limit       RAM_SIZE       u64 RAM bytes (QEMU's ram_size)
 * IRQ0_OVERRIDE  u32 1 (the PIT's IRQ 0 is GSI 2, as jkvm's MADT says)
 * NUMA           le64 node count 0, le64 node 0 per APIC ID, no per-node sizes:
 *                8 * (1 + MAX_CPUS) zero bytes
 * etc/boot-fail-wait   le32 -1 (no -boot reboot-timeout: do not reboot)
 * etc/e820       the memory map: packed {le64 address; le64 length; le32 type} per entry
 * </pre>
 * jkvm's APIC ID is the vCPU index, so QEMU's apic_id_limit is the maximum CPU count.
 *
 * <p>The -kernel items (KERNEL_ADDR/SIZE/DATA/ENTRY, INITRD_ADDR/SIZE/DATA,
 * CMDLINE_ADDR/SIZE/DATA) describe the kernel jkvm loaded: {@link FwCfgKernelItems}, filled by
 * the loader (a multiboot kernel's as QEMU's load_multiboot: {@link FwCfgKernelItems#multiboot};
 * a Linux kernel's as far as jkvm's direct boot matches x86_load_linux: io.jkvm.platform.LinuxBoot)
 * and added to this builder by io.jkvm.platform.PcExtras.
 *
 * <p>Left out because jkvm has nothing correct to put there (firmware reading them finds
 * nothing and falls back as with a QEMU that lacks them): ACPI_TABLES (empty without
 * -acpitable), HPET (hpet_fw_config of an HPET jkvm does not have), SMBIOS and
 * etc/smbios/*, the ACPI linker/loader files etc/acpi/tables, etc/acpi/rsdp and
 * etc/table-loader (jkvm writes its own ACPI tables to RAM), bootorder and bios-geometry
 * (QEMU's boot devices), etc/reserved-memory-end, etc/msr_feature_control, etc/smi/*,
 * etc/system-states and genroms/* option ROMs, and SETUP_ADDR/SIZE/DATA: QEMU's hold a
 * bzImage's real-mode setup code for its linuxboot option ROM to copy and run, and jkvm loads
 * and runs no setup code (it enters the kernel directly with its own zero page). So are
 * KERNEL_ENTRY for a Linux kernel jkvm enters at a 64-bit entry, and KERNEL_DATA for an ELF or
 * host-decompressed one (as QEMU's PVH path has none): see io.jkvm.platform.LinuxBoot.
 * MACHINE_ID, BOOT_DEVICE and KERNEL_CMDLINE are not used on x86; E820_TABLE was dropped by
 * QEMU for etc/e820.
 */
public final class FwCfgContents {
    private FwCfgContents() {}

    /** Bytes per etc/e820 entry (QEMU's struct e820_entry, packed). */
    public static final int E820_ENTRY_SIZE = 20;

    /**
     * A builder holding the pc machine's items; add more (files, kernel items) before building.
     *
     * @param ramSize   guest RAM in bytes
     * @param bootCpus  vCPUs started at boot, 1 to {@code maxCpus}
     * @param maxCpus   most vCPUs the VM may have (the APIC ID limit), at most 0xffff
     * @param e820      the memory map for etc/e820, in order
     * @param nographic true when the VM has no display (QEMU's !enable_graphics)
     */
    public static FwCfgBuilder pc(long ramSize, int bootCpus, int maxCpus, List<E820Map.Entry> e820, boolean nographic) {
        if (ramSize <= 0) throw new IllegalArgumentException("RAM size must be positive: " + ramSize);
        if (bootCpus < 1 || bootCpus > maxCpus || maxCpus > 0xffff) {
            throw new IllegalArgumentException("need 1 <= boot CPUs (" + bootCpus + ") <= max CPUs (" + maxCpus + ") <= 65535");
        }
        FwCfgBuilder b = new FwCfgBuilder();
        // fw_cfg_common_realize
        b.addBytes(FwCfgKeys.SIGNATURE, "QEMU".getBytes(StandardCharsets.US_ASCII));
        b.addBytes(FwCfgKeys.UUID, new byte[16]);
        b.addU16(FwCfgKeys.NOGRAPHIC, nographic ? 1 : 0);
        b.addU16(FwCfgKeys.BOOT_MENU, 0);
        b.addFile("etc/boot-fail-wait", new byte[] {-1, -1, -1, -1});
        b.addU32(FwCfgKeys.ID, FwCfgKeys.ID_TRADITIONAL | FwCfgKeys.ID_DMA);
        // fw_cfg_arch_create
        b.addU16(FwCfgKeys.NB_CPUS, bootCpus);
        b.addU16(FwCfgKeys.MAX_CPUS, maxCpus);
        b.addU64(FwCfgKeys.RAM_SIZE, ramSize);
        b.addU32(FwCfgKeys.IRQ0_OVERRIDE, 1);
        b.addFile("etc/e820", e820File(e820));
        b.addBytes(FwCfgKeys.NUMA, new byte[8 * (1 + maxCpus)]);
        return b;
    }

    /** The etc/e820 file: {le64 address; le64 length; le32 type} per entry, no padding. */
    public static byte[] e820File(List<E820Map.Entry> entries) {
        ByteBuffer b = ByteBuffer.allocate(E820_ENTRY_SIZE * entries.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (E820Map.Entry e : entries) {
            b.putLong(e.addr());
            b.putLong(e.size());
            b.putInt(e.type());
        }
        return b.array();
    }
}
