package io.jkvm.cli;

import io.jkvm.JkvmException;

/** A bad flag or flag value: reported in one line with exit status 2. */
final class UsageException extends JkvmException {
    UsageException(String message) {
        super(message);
    }
}
