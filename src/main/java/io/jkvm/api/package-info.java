/**
 * The Java API for building and running VMs: {@link io.jkvm.config.VmConfig} says what to run,
 * {@link io.jkvm.api.VirtualMachine} owns its KVM resources and threads, {@link io.jkvm.exit.VmExit}
 * says how the run ended. The CLI is a thin layer over this package.
 */
package io.jkvm.api;
