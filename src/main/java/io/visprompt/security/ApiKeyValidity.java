package io.visprompt.security;

import java.util.Optional;

/**
 * Whether the API key behind a response that outlives its request (an event stream) still works: such a response
 * checks now and then and ends once its key is revoked, as a new request would be refused.
 */
public interface ApiKeyValidity {

    /** The key prefix of the request being handled on this thread; empty when it was not made with an accepted key. */
    Optional<String> currentKeyPrefix();

    /**
     * Whether the key is known and not revoked, as a new request would find it now: a key revoked by any process
     * turns false within {@code visprompt.security.key-cache-ttl}. Cached, so cheap to ask often.
     */
    boolean stillValid(String keyPrefix);
}
