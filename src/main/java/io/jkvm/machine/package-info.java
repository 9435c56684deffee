/**
 * The machines jkvm builds, as types: {@link io.jkvm.machine.Machine} (sealed:
 * {@link io.jkvm.machine.BareMachine}, {@link io.jkvm.machine.MicrovmMachine},
 * {@link io.jkvm.machine.PcMachine}) loads the boot source, sets up KVM and each vCPU's start
 * state, and attaches the devices; {@link io.jkvm.machine.VcpuSet} runs the vCPU threads
 * and pauses, resumes and stops them. Adding a device or a machine touches one class here.
 */
package io.jkvm.machine;
