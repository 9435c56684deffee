package io.jkvm.virtio.rng;

import java.util.function.LongSupplier;

/**
 * A token bucket of bytes: {@code rate} tokens a second, at most one second's worth held
 * (a guest that waited long gets a burst of at most {@code rate} bytes). Time comes from an
 * injected clock, so tests are exact. Not thread-safe: its device's lock guards it.
 */
final class TokenBucket {
    static final long SECOND = 1_000_000_000L;
    /** The highest rate kept exact in 64 bits (tokens x 10^9 must fit); {@link RngDevice} treats more as no limit. */
    static final long MAX_RATE = SECOND;

    private final long rate;
    private final LongSupplier nanoTime;
    private long tokens;
    /** The part of a token earned but not yet whole, in billionths: exact, nothing lost to rounding. */
    private long fraction;
    /** When time was last turned into tokens. */
    private long credited;

    TokenBucket(long rate, LongSupplier nanoTime) {
        if (rate <= 0 || rate > MAX_RATE) throw new IllegalArgumentException("rate " + rate);
        this.rate = rate;
        this.nanoTime = nanoTime;
        this.tokens = rate; // starts full
        this.credited = nanoTime.getAsLong();
    }

    /** The tokens available now. */
    long available() {
        long now = nanoTime.getAsLong();
        long elapsed = now - credited;
        credited = now;
        if (elapsed >= SECOND) {
            tokens = rate;
            fraction = 0;
        } else if (elapsed > 0) {
            long billionths = elapsed * rate + fraction; // < 2 x 10^18: no overflow
            tokens += billionths / SECOND;
            fraction = billionths % SECOND;
            if (tokens >= rate) {
                tokens = rate;
                fraction = 0;
            }
        }
        return tokens;
    }

    /** Spends {@code n} tokens, at most {@link #available()}. */
    void take(long n) {
        tokens -= n;
    }

    /** Nanoseconds from now until {@code want} tokens (at most the bucket's size) are there; at least 1. */
    long nanosUntil(long want) {
        long need = Math.min(want, rate) - available();
        if (need <= 0) return 1;
        return Math.max(1, (need * SECOND - fraction + rate - 1) / rate);
    }
}
