/**
 * Device models: pure register models behind {@link io.jkvm.bus.BusDevice}, with no KVM, fds
 * or threads inside. Output leaves through a {@link io.jkvm.devices.ByteSink}; a device that
 * ends the run does so through an {@link io.jkvm.exit.ExitRequester}.
 * To add a device, copy {@link io.jkvm.devices.DebugExit} (the smallest) and its test.
 */
package io.jkvm.devices;
