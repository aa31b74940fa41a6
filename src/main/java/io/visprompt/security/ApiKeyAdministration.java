package io.visprompt.security;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;

import io.visprompt.config.Tenant;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/** Creating, listing and revoking keys: what the admin endpoints and the bootstrap use. */
@Service
class ApiKeyAdministration {

    private final ApiKeyStore store;
    private final ApiKeyAuthenticationProvider authentication;
    private final TransactionTemplate transactions;
    private final Clock clock;

    ApiKeyAdministration(ApiKeyStore store, ApiKeyAuthenticationProvider authentication,
            TransactionTemplate transactions, Clock clock) {
        this.store = store;
        this.authentication = authentication;
        this.transactions = transactions;
        this.clock = clock;
    }

    /** A key just made: the full key is in {@code key} and nowhere else. */
    record CreatedKey(ApiKeyStore.StoredKey stored, String key) {
    }

    CreatedKey create(String name, Tenant tenant, Set<Scope> scopes, String origin) {
        for (int attempt = 0; ; attempt++) {
            ApiKeyFormat.Parsed generated = ApiKeyFormat.generate();
            ApiKeyStore.StoredKey key = new ApiKeyStore.StoredKey(generated.prefix(),
                    ApiKeyFormat.sha256(generated.secret()), name, tenant, scopes, origin, now(), null, null);
            if (store.insert(key)) {
                return new CreatedKey(key, ApiKeyFormat.format(generated));
            }
            if (attempt == 5) { // 48 random bits of prefix: a collision five times over is not chance
                throw new IllegalStateException("Could not find a free key prefix");
            }
        }
    }

    List<ApiKeyStore.StoredKey> page(String after, int limit) {
        return store.page(after, limit);
    }

    ApiKeyStore.StoredKey find(String prefix) {
        return store.find(prefix).orElseThrow(() -> ApiKeyRefused.notFound(prefix));
    }

    /**
     * Revokes a key at once in this process and within the key cache's time to live in the others. The last admin
     * key that still works is not revoked (409 {@code last_admin_key}): nobody could manage keys afterwards.
     */
    ApiKeyStore.StoredKey revoke(String prefix) {
        ApiKeyStore.StoredKey revoked = transactions.execute(status -> {
            store.lockKeys();
            ApiKeyStore.StoredKey key = store.find(prefix).orElseThrow(() -> ApiKeyRefused.notFound(prefix));
            if (!key.revoked() && key.scopes().contains(Scope.ADMIN) && store.otherActiveAdminKeys(prefix) == 0) {
                throw ApiKeyRefused.lastAdminKey(prefix);
            }
            return store.revoke(prefix, now()).orElseThrow();
        });
        authentication.evict(prefix);
        return revoked;
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
