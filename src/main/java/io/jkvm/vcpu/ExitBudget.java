package io.jkvm.vcpu;

import java.util.concurrent.atomic.AtomicLong;

/** A VM-wide limit on the number of exits (--exits N), shared by every vCPU. */
public final class ExitBudget {
    private final long limit;
    private final AtomicLong spent = new AtomicLong();

    public ExitBudget(long limit) {
        if (limit <= 0) throw new IllegalArgumentException("exit limit must be positive");
        this.limit = limit;
    }

    public long limit() { return limit; }

    /** Counts one exit; true when that exit used up the budget. */
    public boolean spendOne() {
        return spent.incrementAndGet() >= limit;
    }
}
