package io.jkvm.platform;

import io.jkvm.acpi.AcpiTables;
import io.jkvm.acpi.Platform;
import io.jkvm.acpi.VirtioMmioSlot;
import io.jkvm.config.LinuxKernel;
import io.jkvm.config.MachineType;
import io.jkvm.config.MultibootKernel;
import io.jkvm.config.VmConfig;
import io.jkvm.boot.CpuMode;
import io.jkvm.devices.fwcfg.FwCfgKernelItems;
import io.jkvm.loader.multiboot.AddressRange;
import io.jkvm.loader.multiboot.MultibootLoader;
import io.jkvm.memory.GuestMemory;

import java.util.List;
import java.util.Map;

/**
 * Loads the kernel of a PC-platform VM (Linux or multiboot) with the ACPI tables, and says how
 * the boot processor starts, in one shape for both kinds.
 */
public final class PcBoot {
    private PcBoot() {}

    /**
     * How the boot vCPU starts: at {@code entry} in {@code mode}, with {@code registers} set
     * (e.g. RSI = the zero page); {@code how} describes what was loaded, {@code fwCfg} are the
     * kernel's fw_cfg items.
     */
    public record Start(long entry, CpuMode mode, Map<String, Long> registers, String how, FwCfgKernelItems fwCfg) {}

    public static Start load(GuestMemory memory, VmConfig config) {
        // ACPI 6.5 5.2.5.1: without EFI the kernel finds the RSDP in the BIOS area; the zero
        // page's acpi_rsdp_addr says where it is as well.
        Platform platform = Platform.of(config.cpus()).withI8042(true).withCmosRtc(true);
        if (config.machine() == MachineType.PC) platform = platform.withPci(PcExtras.pciWindows(config.memory()));
        // The microvm machine's virtio devices, described in the DSDT as QEMU's microvm does (Dsdt):
        // device n in slot n on GSI 16 + n, so the count is all the tables need.
        if (config.machine() == MachineType.MICROVM) {
            platform = platform.withVirtioMmio(VirtioMmioSlot.microvm(config.pcOptions().virtio().size()));
        }
        AcpiTables.Image acpi = AcpiTables.build(platform);
        long rsdp = acpi.writeTo(memory);
        if (config.boot() instanceof LinuxKernel kernel) {
            LinuxBoot.Result linux = LinuxBoot.load(memory, kernel, rsdp, List.of());
            long bootParams = linux.loaded().bootParams();
            return linux.pvh()
                    // PVH: flat 32-bit protected mode, paging off, EBX = hvm_start_info
                    ? new Start(linux.loaded().entry(), CpuMode.PROTECTED, Map.of("rbx", bootParams), linux.how(), linux.fwCfg())
                    // boot.rst: 64-bit entry, RSI = struct boot_params
                    : new Start(linux.loaded().entry(), CpuMode.LONG, Map.of("rsi", bootParams), linux.how(), linux.fwCfg());
        }
        // The tables sit in the BIOS area below 1 MiB, where a multiboot kernel may load segments
        // (as under QEMU); the loader refuses one that would overwrite them.
        MultibootBoot.Result multiboot = MultibootBoot.load(memory, (MultibootKernel) config.boot(), config.memory(),
                List.of(new MultibootLoader.Occupied("jkvm's ACPI tables", new AddressRange(acpi.start(), acpi.end()))));
        // Multiboot 0.6.96, 3.2: 32-bit protected mode, paging off, EAX = magic, EBX = the information
        return new Start(multiboot.entry(), CpuMode.PROTECTED, multiboot.registers(), multiboot.how(), multiboot.fwCfg());
    }
}
