package io.jkvm.state;

import io.jkvm.JkvmException;

/**
 * Saved state that cannot be read: truncated, of an unknown section or version, or holding a
 * value no device could have had. The message names the section, the byte offset and what was
 * expected.
 */
public final class StateFormatException extends JkvmException {
    public StateFormatException(String message) {
        super(message);
    }

    public StateFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
