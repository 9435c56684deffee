/**
 * How a run ends: {@link io.jkvm.exit.VmExit} (the reason and status) and
 * {@link io.jkvm.exit.ExitRequester} (how a device or the host asks for the end). A leaf
 * package: devices, vCPUs and the API all depend on it, and it depends on nothing of jkvm's.
 */
package io.jkvm.exit;
