/**
 * Device lifecycle beyond read and write: {@link io.jkvm.state.Resettable} (what a machine or
 * virtio reset does), {@link io.jkvm.state.Stateful} (a device saved as a plain state record and
 * restored from one) and the byte form of those records, {@link io.jkvm.state.StateWriter} and
 * {@link io.jkvm.state.StateReader}. A leaf package: devices and the KVM binding depend on it,
 * and it depends on nothing of jkvm's but {@link io.jkvm.JkvmException}.
 */
package io.jkvm.state;
