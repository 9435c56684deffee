package io.jkvm.virtio.rng;

import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Runs a task later, for a device that has no thread of its own (a {@link io.jkvm.virtio.VirtioDevice}
 * never has one): a rate-limited {@link RngDevice} asks to be called again when its bucket has
 * refilled. Tests pass a fake that runs tasks when the test advances its clock.
 */
public interface DeviceTimer extends AutoCloseable {

    /** Runs {@code task} once, on some thread, after {@code delayNanos}; cancelling the future stops it. */
    Future<?> schedule(Runnable task, long delayNanos);

    /** Stops the timer; tasks not yet run are dropped. */
    @Override
    default void close() {}

    /** For a device that never waits (no rate limit): asking it to schedule is a device bug. */
    DeviceTimer NONE = (task, delayNanos) -> {
        throw new UnsupportedOperationException("this device has no timer");
    };

    /**
     * A timer on one daemon platform thread named {@code threadName}, started on the first
     * task and ended by {@link #close()}.
     */
    static DeviceTimer daemon(String threadName) {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true); // a reset's cancelled retry does not linger in the queue
        return new DeviceTimer() {
            private final ScheduledExecutorService exec = executor;

            @Override
            public Future<?> schedule(Runnable task, long delayNanos) {
                return exec.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
            }

            @Override
            public void close() {
                exec.shutdownNow();
            }
        };
    }
}
