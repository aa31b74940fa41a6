package io.visprompt.security;

import java.util.Set;

import io.visprompt.config.Tenant;

/**
 * Who sent an authenticated request: the key's tenant, its prefix (never its secret) and the scopes it was granted.
 */
record Caller(Tenant tenant, String keyPrefix, Set<Scope> scopes) {

    Caller {
        scopes = Set.copyOf(scopes);
    }

    /** Request attribute holding the {@link Caller} of an authenticated request (read by the audit trail). */
    static final String ATTRIBUTE = Caller.class.getName();

    /** Request attribute holding the key prefix a request presented, whether or not the key was accepted. */
    static final String PRESENTED_PREFIX_ATTRIBUTE = Caller.class.getName() + ".presentedPrefix";
}
