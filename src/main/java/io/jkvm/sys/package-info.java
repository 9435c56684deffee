/**
 * The only place jkvm touches native code: libc calls through the FFM API (ioctl, mmap,
 * signals), with errno captured, and the restricted {@code reinterpret} calls.
 */
package io.jkvm.sys;
