package io.jkvm;

/**
 * An error caused by the user's input or the host's set-up, whose message says what is wrong
 * and what to do about it in one line. The CLI prints the message alone (no stack trace unless
 * {@code --debug}) and exits with a non-zero status.
 */
public class JkvmException extends RuntimeException {
    public JkvmException(String message) {
        super(message);
    }

    public JkvmException(String message, Throwable cause) {
        super(message, cause);
    }
}
