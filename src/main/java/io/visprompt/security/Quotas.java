package io.visprompt.security;

import io.visprompt.config.Tenant;
import org.springframework.util.unit.DataSize;

/**
 * Per-tenant limits ({@code visprompt.security.quotas.*}, with per-tenant overrides under
 * {@code visprompt.security.quotas.tenants.<tenant>.*}). The modules that store things check them where they store,
 * under a per-tenant lock, so that a refusal changes nothing, and refuse with {@link QuotaExceeded}.
 */
public interface Quotas {

    Quota of(Tenant tenant);

    /**
     * @param datasetBytes       bytes of stored dataset images (the {@code total_bytes} of the tenant's datasets)
     * @param concurrentJobs     training jobs queued, running or being cancelled at once
     * @param inferencePerSecond {@code /v1/classify} and {@code /v2/models/{id}/infer} requests per second, sustained
     * @param inferenceBurst     the token bucket's size: requests that may arrive at once after a quiet period
     */
    record Quota(DataSize datasetBytes, int concurrentJobs, double inferencePerSecond, int inferenceBurst) {
    }
}
