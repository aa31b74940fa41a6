package io.visprompt.security;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;

/**
 * Accepts a presented key when its prefix names a stored key that is not revoked and the SHA-256 of its secret
 * matches (compared in constant time). Stored keys are cached per process for {@code visprompt.security.key-cache-ttl}
 * (a few seconds): a key revoked by any process stops working everywhere within that time. {@code last_used_at} is
 * written once per key per cache period.
 */
@Component
class ApiKeyAuthenticationProvider implements AuthenticationProvider, ApiKeyValidity {

    /** More cached keys than this and the cache starts afresh (keys are few; this only bounds memory). */
    private static final int MAX_CACHED = 10_000;

    private final ApiKeyStore store;
    private final Clock clock;
    private final long ttlNanos;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    ApiKeyAuthenticationProvider(ApiKeyStore store, Clock clock, ApiSecurityProperties properties) {
        this.store = store;
        this.clock = clock;
        this.ttlNanos = properties.keyCacheTtl().toNanos();
    }

    private record Cached(ApiKeyStore.StoredKey key, long loadedAt, AtomicBoolean touched) {
    }

    @Override
    public Authentication authenticate(Authentication authentication) throws AuthenticationException {
        String presented = ((ApiKeyAuthentication) authentication).presentedKey();
        ApiKeyFormat.Parsed parsed = ApiKeyFormat.parse(presented)
                .orElseThrow(() -> new BadCredentialsException("The API key is malformed"));
        Cached cached = lookup(parsed.prefix())
                .orElseThrow(() -> new BadCredentialsException("The API key is unknown or revoked"));
        ApiKeyStore.StoredKey key = cached.key();
        if (key.revoked() || !ApiKeyFormat.matches(parsed.secret(), key.secretSha256())) {
            throw new BadCredentialsException("The API key is unknown or revoked");
        }
        if (cached.touched().compareAndSet(false, true)) {
            store.touch(key.prefix(), clock.instant().truncatedTo(ChronoUnit.MICROS));
        }
        return ApiKeyAuthentication.accepted(new Caller(key.tenant(), key.prefix(), key.scopes()));
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return ApiKeyAuthentication.class.isAssignableFrom(authentication);
    }

    @Override
    public Optional<String> currentKeyPrefix() {
        RequestAttributes request = RequestContextHolder.getRequestAttributes();
        return request != null && request.getAttribute(Caller.ATTRIBUTE, RequestAttributes.SCOPE_REQUEST) instanceof Caller c
                ? Optional.of(c.keyPrefix()) : Optional.empty();
    }

    @Override
    public boolean stillValid(String keyPrefix) {
        return lookup(keyPrefix).map(cached -> !cached.key().revoked()).orElse(false);
    }

    /** Forgets a key at once in this process (other processes within the cache's time to live). */
    void evict(String prefix) {
        cache.remove(prefix);
    }

    private Optional<Cached> lookup(String prefix) {
        long now = System.nanoTime();
        Cached cached = cache.get(prefix);
        if (cached != null && now - cached.loadedAt() < ttlNanos) {
            return Optional.of(cached);
        }
        Optional<ApiKeyStore.StoredKey> stored = store.find(prefix);
        if (stored.isEmpty()) {
            cache.remove(prefix);
            return Optional.empty();
        }
        if (cache.size() >= MAX_CACHED) {
            cache.clear();
        }
        Cached fresh = new Cached(stored.get(), now, new AtomicBoolean(false));
        if (ttlNanos > 0) {
            cache.put(prefix, fresh);
        }
        return Optional.of(fresh);
    }
}
