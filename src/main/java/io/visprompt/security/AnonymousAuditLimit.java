package io.visprompt.security;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * How many audit rows requests without a valid key may cause: a token bucket per remote address and one, ten times
 * larger, for all of them together, so that a flood of anonymous requests cannot grow {@code audit_events} without
 * bound (from one address or from many). Per process.
 */
final class AnonymousAuditLimit {

    /** More addresses than this and the buckets start afresh (the shared bucket still bounds the rows). */
    private static final int MAX_ADDRESSES = 10_000;
    private static final String ALL = "";
    private static final int ALL_FACTOR = 10;

    private record Bucket(double tokens, long at) {
    }

    private final double perSecond;
    private final int burst;
    private final LongSupplier nanoTime;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    AnonymousAuditLimit(double perSecond, int burst, LongSupplier nanoTime) {
        this.perSecond = perSecond;
        this.burst = burst;
        this.nanoTime = nanoTime;
    }

    /** Takes a token for a row caused from {@code address}; false: over the limit, record nothing. */
    boolean allow(String address) {
        if (buckets.size() >= MAX_ADDRESSES) {
            buckets.clear();
        }
        return take(address == null ? "unknown" : address, 1) && take(ALL, ALL_FACTOR);
    }

    private boolean take(String key, int factor) {
        long now = nanoTime.getAsLong();
        double capacity = (double) burst * factor;
        AtomicBoolean taken = new AtomicBoolean();
        buckets.compute(key, (k, bucket) -> {
            double tokens = bucket == null ? capacity
                    : Math.min(capacity, bucket.tokens() + Math.max(0, now - bucket.at()) / 1e9 * perSecond * factor);
            if (tokens >= 1) {
                taken.set(true);
                tokens -= 1;
            }
            return new Bucket(tokens, now);
        });
        return taken.get();
    }
}
