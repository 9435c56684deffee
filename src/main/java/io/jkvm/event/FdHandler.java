package io.jkvm.event;

/**
 * What an {@link EventLoop} calls when a registered raw fd is ready. The fd is watched
 * level-triggered: the handler must consume what made it ready (read the data, accept the
 * connection) or it is called again at once.
 */
@FunctionalInterface
public interface FdHandler {
    /** {@code events}: the epoll(7) event bits, e.g. {@code Libc.EPOLLIN | Libc.EPOLLHUP}. */
    void onReady(int events);
}
