package io.jkvm.state;

/**
 * A device's saved state: a plain, immutable record of everything the device needs to continue
 * where it was, and nothing derived from it. It writes itself as one section
 * ({@link StateWriter#beginSection}), fields in a fixed order; its class offers the matching
 * {@code static XxxState readFrom(StateReader)}, which accepts every version it has written.
 */
public interface SavedState {
    /** Appends this state to {@code out} as one section. */
    void writeTo(StateWriter out);
}
