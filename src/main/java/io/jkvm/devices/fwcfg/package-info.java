/**
 * QEMU's firmware configuration device, fw_cfg (QEMU docs/specs/fw_cfg.rst), as on QEMU's x86
 * pc machine: the selector/data ports at 0x510-0x511 and the DMA address register at 0x514
 * ({@link io.jkvm.boot.PcPorts#FW_CFG}, {@link io.jkvm.boot.PcPorts#FW_CFG_DMA}).
 * {@link io.jkvm.devices.fwcfg.FwCfgBuilder} collects the items,
 * {@link io.jkvm.devices.fwcfg.FwCfgContents#pc} fills in those of QEMU's pc machine, and
 * {@link io.jkvm.devices.fwcfg.FwCfg} is the register model put on the port bus.
 */
package io.jkvm.devices.fwcfg;
