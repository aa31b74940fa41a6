package io.visprompt.evaluation;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import io.visprompt.config.Tenant;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** The {@code evaluation_results} table: one full report per succeeded evaluation, and its misclassified examples. */
@Repository
class EvaluationResults {

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };
    private static final TypeReference<List<Map<String, Object>>> LIST = new TypeReference<>() { };

    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final Clock clock;

    EvaluationResults(JdbcClient jdbc, JsonMapper json, Clock clock) {
        this.jdbc = jdbc;
        this.json = json;
        this.clock = clock;
    }

    /** In the caller's transaction (the one that marks the job succeeded); a rerun attempt's row replaces it. */
    void save(UUID jobId, Tenant tenant, List<String> classNames, Map<String, Object> report,
            List<Map<String, Object>> errors) {
        jdbc.sql("""
                INSERT INTO evaluation_results (job_id, tenant, class_names, report, errors, created_at)
                VALUES (:job, :tenant, :classes, CAST(:report AS jsonb), CAST(:errors AS jsonb), :now)
                ON CONFLICT (job_id) DO UPDATE SET class_names = excluded.class_names, report = excluded.report,
                    errors = excluded.errors, created_at = excluded.created_at
                """).param("job", jobId).param("tenant", tenant.id())
                .param("classes", classNames.toArray(String[]::new))
                .param("report", json.writeValueAsString(report)).param("errors", json.writeValueAsString(errors))
                .param("now", Timestamp.from(clock.instant().truncatedTo(ChronoUnit.MICROS))).update();
    }

    Optional<Map<String, Object>> report(Tenant tenant, UUID jobId) {
        return jdbc.sql("SELECT report::text FROM evaluation_results WHERE job_id = :job AND tenant = :tenant")
                .param("job", jobId).param("tenant", tenant.id()).query(String.class).optional()
                .map(text -> json.readValue(text, MAP));
    }

    /** The misclassified examples from position {@code offset} (most confident mistakes first), at most {@code limit}. */
    List<Map<String, Object>> errors(Tenant tenant, UUID jobId, long offset, int limit) {
        String text = jdbc.sql("""
                SELECT coalesce(jsonb_agg(e ORDER BY n), '[]'::jsonb)::text
                  FROM evaluation_results r, jsonb_array_elements(r.errors) WITH ORDINALITY AS t(e, n)
                 WHERE r.job_id = :job AND r.tenant = :tenant AND n > :offset AND n <= :offset + :limit
                """).param("job", jobId).param("tenant", tenant.id()).param("offset", offset).param("limit", limit)
                .query(String.class).single();
        return json.readValue(text, LIST);
    }
}
