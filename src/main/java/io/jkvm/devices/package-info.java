/**
 * Device models: pure register models behind {@link io.jkvm.bus.BusDevice}, with no KVM, fds
 * or threads inside. Output leaves through a {@link io.jkvm.devices.ByteSink}; a device that
 * ends the run does so through an {@link io.jkvm.exit.ExitRequester}.
 * A device with state saves it as a plain record and is restored from one
 * ({@link io.jkvm.state.Stateful}, {@link io.jkvm.devices.UartState} is the model) and has a
 * reset ({@link io.jkvm.state.Resettable}).
 * To add a device, copy {@link io.jkvm.devices.DebugExit} (the smallest) and its test.
 */
package io.jkvm.devices;
