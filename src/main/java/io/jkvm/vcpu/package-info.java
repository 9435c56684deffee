/**
 * The vCPU run loop: {@link io.jkvm.vcpu.VcpuRunner} (one platform thread per vCPU around
 * KVM_RUN), {@link io.jkvm.vcpu.ExitDispatcher} (what each exit means, a plain function tested
 * with fake exits), and {@link io.jkvm.vcpu.VcpuKicker} (how another thread gets a vCPU out of
 * KVM_RUN).
 */
package io.jkvm.vcpu;
