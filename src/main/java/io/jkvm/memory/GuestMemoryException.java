package io.jkvm.memory;

/** A guest-physical access that falls outside guest RAM (or straddles a region's end). */
public final class GuestMemoryException extends RuntimeException {
    public GuestMemoryException(String message) {
        super(message);
    }
}
