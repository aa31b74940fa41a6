package io.visprompt.security;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code audit_events} table: appended to, never updated. */
@Repository
class AuditLog {

    private final JdbcClient jdbc;

    AuditLog(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * One event. {@code method}, {@code path} and {@code status} are null for events no request caused.
     *
     * @param tenant    the caller's tenant; null when the request was not authenticated
     * @param keyPrefix the prefix of the key the caller presented, accepted or not
     */
    record AuditEvent(Long id, Instant at, String tenant, String keyPrefix, String method, String path,
            String resourceType, String resourceId, String action, Integer status) {
    }

    void append(AuditEvent e) {
        jdbc.sql("""
                INSERT INTO audit_events (at, tenant, key_prefix, method, path, resource_type, resource_id, action, status)
                VALUES (:at, :tenant, :prefix, :method, :path, :type, :resourceId, :action, :status)
                """).param("at", Timestamp.from(e.at())).param("tenant", e.tenant()).param("prefix", e.keyPrefix())
                .param("method", e.method()).param("path", e.path()).param("type", e.resourceType())
                .param("resourceId", e.resourceId()).param("action", e.action()).param("status", e.status())
                .update();
    }

    /**
     * Deletes up to {@code batch} of the oldest events before {@code cutoff}; 0 as well when another process is doing
     * the same (a transaction-scoped advisory lock, class 3 key 1, taken without waiting).
     */
    int deleteBefore(Instant cutoff, int batch) {
        return jdbc.sql("""
                WITH housekeeping AS (SELECT pg_try_advisory_xact_lock(3, 1) AS held)
                DELETE FROM audit_events
                 WHERE id IN (SELECT id FROM audit_events WHERE at < :cutoff ORDER BY id LIMIT :batch)
                   AND (SELECT held FROM housekeeping)
                """).param("cutoff", Timestamp.from(cutoff)).param("batch", batch).update();
    }

    /** Newest first; {@code after} is the id of the last event of the previous page; {@code tenant} filters. */
    List<AuditEvent> page(String tenant, Long after, int limit) {
        return jdbc.sql("""
                SELECT * FROM audit_events
                 WHERE (CAST(:tenant AS text) IS NULL OR tenant = :tenant)
                   AND (CAST(:after AS bigint) IS NULL OR id < :after)
                 ORDER BY id DESC LIMIT :limit
                """).param("tenant", tenant).param("after", after).param("limit", limit)
                .query(AuditLog::map).list();
    }

    private static AuditEvent map(ResultSet rs, int row) throws SQLException {
        return new AuditEvent(rs.getLong("id"), rs.getTimestamp("at").toInstant(), rs.getString("tenant"),
                rs.getString("key_prefix"), rs.getString("method"), rs.getString("path"),
                rs.getString("resource_type"), rs.getString("resource_id"), rs.getString("action"),
                (Integer) rs.getObject("status"));
    }
}
