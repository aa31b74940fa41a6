package io.visprompt.remote;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * One user's (a job's) hold on a remote model: the signal to abandon queries, checked while a query is in flight and
 * between tries, and the retries and errors its queries met.
 */
public final class QueryControl {

    private final BooleanSupplier cancelled;
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong queries = new AtomicLong();

    public QueryControl(BooleanSupplier cancelled) {
        this.cancelled = cancelled;
    }

    boolean cancelled() {
        return cancelled.getAsBoolean();
    }

    void countRetry() {
        retries.incrementAndGet();
    }

    void countError() {
        errors.incrementAndGet();
    }

    void countQuery() {
        queries.incrementAndGet();
    }

    /** Tries that were repeated (after a 429, a 5xx, a timeout or a connection error). */
    public long retries() {
        return retries.get();
    }

    /** Failed tries, retried or not. */
    public long errors() {
        return errors.get();
    }

    /** Answered queries, training and evaluation. */
    public long queries() {
        return queries.get();
    }
}
