/**
 * virtio-console (virtio 1.2 §5.3): {@link io.jkvm.virtio.console.ConsoleDevice}, one console
 * port (Linux's hvc0) whose output goes to a {@link io.jkvm.devices.ByteSink} and whose input
 * waits in a bounded buffer until the driver offers receive buffers.
 */
package io.jkvm.virtio.console;
