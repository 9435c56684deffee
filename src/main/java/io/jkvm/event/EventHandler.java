package io.jkvm.event;

/**
 * What an {@link EventLoop} calls when a registered {@link EventFd} was written: the loop has
 * already taken the counter. Runs on the loop's thread; must not block for long (it delays
 * every other fd of that thread) and should not throw (the loop reports it once and goes on).
 */
@FunctionalInterface
public interface EventHandler {
    /** {@code count}: the counter the loop read (the sum of the writes since the last call, at least 1). */
    void onEvent(long count);
}
