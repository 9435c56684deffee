package io.jkvm.machine;

import io.jkvm.boot.CpuMode;
import io.jkvm.boot.EntryPoint;
import io.jkvm.devices.fwcfg.FwCfgKernelItems;

import java.util.Map;

/**
 * How the vCPUs start once the boot source is in guest RAM: the mode and entry, registers set
 * on every vCPU (e.g. RSI = the zero page), what was loaded (for --debug), and the kernel's
 * fw_cfg items (QEMU's kernel, initrd and command-line items).
 */
public record BootPlan(CpuMode mode, EntryPoint entry, Map<String, Long> registers, String note,
                       FwCfgKernelItems kernelItems) {
    public BootPlan {
        registers = Map.copyOf(registers);
    }
}
