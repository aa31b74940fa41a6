package io.visprompt.security;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.visprompt.config.Tenant;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code api_keys} table. Secrets never reach it: only their SHA-256. */
@Repository
class ApiKeyStore {

    /** Advisory lock (class 3) held while the set of admin keys changes: bootstrap and revocation. */
    private static final String LOCK_KEYS = "SELECT 1 FROM pg_advisory_xact_lock(3, 0)";

    private final JdbcClient jdbc;

    ApiKeyStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** A stored key; {@code secretSha256} is compared, never shown. */
    record StoredKey(String prefix, byte[] secretSha256, String name, Tenant tenant, Set<Scope> scopes, String origin,
            Instant createdAt, Instant lastUsedAt, Instant revokedAt) {

        boolean revoked() {
            return revokedAt != null;
        }
    }

    Optional<StoredKey> find(String prefix) {
        return jdbc.sql("SELECT * FROM api_keys WHERE prefix = :prefix").param("prefix", prefix)
                .query(ApiKeyStore::map).optional();
    }

    /** Inserts the key unless its prefix is taken; true when inserted. */
    boolean insert(StoredKey key) {
        return jdbc.sql("""
                INSERT INTO api_keys (prefix, secret_sha256, name, tenant, scopes, origin, created_at)
                VALUES (:prefix, :hash, :name, :tenant, :scopes, :origin, :created)
                ON CONFLICT DO NOTHING
                """).param("prefix", key.prefix()).param("hash", key.secretSha256()).param("name", key.name())
                .param("tenant", key.tenant().id())
                .param("scopes", key.scopes().stream().map(Scope::wireName).toArray(String[]::new))
                .param("origin", key.origin()).param("created", Timestamp.from(key.createdAt())).update() == 1;
    }

    /** Newest first; {@code afterPrefix} is the last key of the previous page. */
    List<StoredKey> page(String afterPrefix, int limit) {
        return jdbc.sql("""
                SELECT * FROM api_keys
                 WHERE CAST(:after AS text) IS NULL
                    OR (created_at, prefix) < (SELECT created_at, prefix FROM api_keys WHERE prefix = :after)
                 ORDER BY created_at DESC, prefix DESC LIMIT :limit
                """).param("after", afterPrefix).param("limit", limit).query(ApiKeyStore::map).list();
    }

    /** Revokes the key (keeping the first revocation time); empty for an unknown prefix. */
    Optional<StoredKey> revoke(String prefix, Instant now) {
        return jdbc.sql("""
                UPDATE api_keys SET revoked_at = coalesce(revoked_at, :now) WHERE prefix = :prefix RETURNING *
                """).param("prefix", prefix).param("now", Timestamp.from(now)).query(ApiKeyStore::map).optional();
    }

    void touch(String prefix, Instant now) {
        jdbc.sql("UPDATE api_keys SET last_used_at = :now WHERE prefix = :prefix")
                .param("prefix", prefix).param("now", Timestamp.from(now)).update();
    }

    boolean anyKey() {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM api_keys)").query(Boolean.class).single();
    }

    /** Admin keys that still work, other than {@code prefix}. */
    long otherActiveAdminKeys(String prefix) {
        return jdbc.sql("""
                SELECT count(*) FROM api_keys
                 WHERE revoked_at IS NULL AND 'admin' = ANY (scopes) AND prefix <> :prefix
                """).param("prefix", prefix).query(Long.class).single();
    }

    /** Serializes changes to the set of admin keys across processes; call inside a transaction. */
    void lockKeys() {
        jdbc.sql(LOCK_KEYS).query((rs, row) -> 1).list();
    }

    private static StoredKey map(ResultSet rs, int row) throws SQLException {
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        Array array = rs.getArray("scopes");
        for (String name : (String[]) array.getArray()) {
            Scope.fromWire(name).ifPresent(scopes::add); // a scope this version does not know grants nothing
        }
        return new StoredKey(rs.getString("prefix"), rs.getBytes("secret_sha256"), rs.getString("name"),
                new Tenant(rs.getString("tenant")), scopes, rs.getString("origin"), instant(rs, "created_at"),
                instant(rs, "last_used_at"), instant(rs, "revoked_at"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
