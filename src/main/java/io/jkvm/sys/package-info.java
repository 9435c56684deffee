/**
 * The only place jkvm touches native code: system calls through one FFM downcall
 * ({@code syscall(2)}: ioctl, mmap, open, signals, eventfd, epoll), with errno captured, and the
 * restricted {@code downcallHandle} and {@code reinterpret} calls.
 */
package io.jkvm.sys;
