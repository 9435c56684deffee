package io.jkvm.state;

/**
 * A device whose state can be saved and loaded (a snapshot, a migration). {@link #state()} and
 * {@link #restore} are meant for a machine whose vCPUs are stopped; they synchronize with the
 * device's own lock, so they are safe at any time, but a state taken while a vCPU runs is only
 * one instant of a moving device.
 *
 * @param <S> the device's state record
 */
public interface Stateful<S extends SavedState> {
    /** The device's state now. */
    S state();

    /**
     * Loads {@code state}, replacing the device's, and drives the interrupt lines to the levels
     * it implies. A state that does not fit this device (one saved from a device built
     * differently) is refused with an {@link IllegalArgumentException} and leaves the device as
     * it was.
     */
    void restore(S state);
}
