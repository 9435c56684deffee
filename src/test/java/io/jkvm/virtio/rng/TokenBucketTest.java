package io.jkvm.virtio.rng;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link TokenBucket}: exact over time, fractions of a token carried, capped at one second. */
class TokenBucketTest {
    long now = 5_000_000_000L; // any start: only differences count

    @Test
    void startsFullAndRefillsAtTheRate() {
        TokenBucket b = new TokenBucket(3, () -> now);
        assertEquals(3, b.available());
        b.take(3);
        // 1 ms steps for a second: a third of a token each 333.3 ms, never lost to rounding.
        int seen = 0;
        for (int i = 0; i < 1000; i++) {
            now += 1_000_000;
            long a = b.available();
            seen += (int) a;
            b.take(a);
        }
        assertEquals(3, seen);
        assertEquals(0, b.available());
    }

    @Test
    void neverHoldsMoreThanOneSecond() {
        TokenBucket b = new TokenBucket(1000, () -> now);
        b.take(1000);
        now += 60 * TokenBucket.SECOND;
        assertEquals(1000, b.available());
    }

    @Test
    void nanosUntilCountsTheOwedFraction() {
        TokenBucket b = new TokenBucket(1000, () -> now);
        b.take(1000);
        now += 500_000; // half a token
        assertEquals(63_500_000, b.nanosUntil(64));
        assertEquals(1, b.nanosUntil(0));
        assertEquals(999_500_000, b.nanosUntil(5000), "capped at the bucket's size");
    }
}
