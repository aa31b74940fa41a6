package io.visprompt.security;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import io.visprompt.config.Tenant;

/**
 * One token bucket per tenant for inference requests: {@code inferenceBurst} tokens, refilled at
 * {@code inferencePerSecond}. Per process: with N API replicas a tenant gets up to N times the rate.
 */
final class TokenBuckets {

    private final Quotas quotas;
    private final LongSupplier nanoTime;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    TokenBuckets(Quotas quotas, LongSupplier nanoTime) {
        this.quotas = quotas;
        this.nanoTime = nanoTime;
    }

    /** Takes a token: 0 when one was there, else the nanoseconds until the next one (nothing taken). */
    long take(Tenant tenant) {
        Quotas.Quota quota = quotas.of(tenant);
        return buckets.computeIfAbsent(tenant.id(), t -> new Bucket(quota.inferenceBurst(), nanoTime.getAsLong()))
                .take(quota.inferencePerSecond(), Math.max(1, quota.inferenceBurst()), nanoTime.getAsLong());
    }

    private static final class Bucket {

        private double tokens;
        private long refilledAt;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.refilledAt = now;
        }

        synchronized long take(double perSecond, int capacity, long now) {
            if (perSecond > 0) {
                tokens = Math.min(capacity, tokens + (now - refilledAt) / 1e9 * perSecond);
            }
            refilledAt = now;
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            if (perSecond <= 0) {
                return Long.MAX_VALUE;
            }
            return (long) Math.ceil((1 - tokens) / perSecond * 1e9);
        }
    }
}
