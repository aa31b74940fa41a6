package io.visprompt.security;

import io.visprompt.config.DomainException;

/**
 * A tenant's quota would be exceeded: code {@code quota_exceeded}, with members {@code quota} (its name),
 * {@code limit} and {@code used}. Nothing was changed.
 */
public final class QuotaExceeded extends DomainException {

    /**
     * @param kind {@link Kind#TOO_LARGE} for a quota on stored size, {@link Kind#LIMIT_REACHED} for one that frees up
     *             as work ends
     */
    public QuotaExceeded(Kind kind, String quota, long limit, long used, String detail) {
        super(kind, "quota_exceeded", detail);
        put("quota", quota);
        put("limit", limit);
        put("used", used);
    }

    /** Adds a machine-readable member, such as what the refused request asked for. */
    public QuotaExceeded with(String name, Object value) {
        put(name, value);
        return this;
    }
}
