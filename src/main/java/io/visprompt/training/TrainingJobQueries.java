package io.visprompt.training;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import io.visprompt.config.Tenant;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Read side of the jobs API: single jobs, cursor-paginated lists, events and per-epoch metrics. Jobs are found by
 * id and tenant: another tenant's job reads as one that does not exist; events and metrics are read once the job
 * was found.
 */
@Repository
class TrainingJobQueries {

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };

    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final Clock clock;

    TrainingJobQueries(JdbcClient jdbc, JsonMapper json, Clock clock) {
        this.jdbc = jdbc;
        this.json = json;
        this.clock = clock;
    }

    Optional<TrainingJobView> find(Tenant tenant, UUID id) {
        return jdbc.sql(SELECT_JOB + " WHERE j.id = :id AND j.tenant = :tenant AND j.kind = 'training'").param("id", id)
                .param("tenant", tenant.id()).query(this::mapJob).optional();
    }

    /** Newest first; {@code after} is the id of the last job of the previous page. */
    List<TrainingJobView> list(Tenant tenant, Optional<JobStatus> status, UUID after, int limit) {
        return jdbc.sql(SELECT_JOB + """
                 WHERE j.tenant = :tenant AND j.kind = 'training'
                   AND (CAST(:status AS text) IS NULL OR j.status = :status)
                   AND (CAST(:after AS uuid) IS NULL OR (j.created_at, j.id) <
                        (SELECT created_at, id FROM training_jobs WHERE id = :after AND tenant = :tenant))
                 ORDER BY j.created_at DESC, j.id DESC LIMIT :limit
                """).param("tenant", tenant.id()).param("status", status.map(JobStatus::wireName).orElse(null))
                .param("after", after)
                .param("limit", limit).query(this::mapJob).list();
    }

    boolean exists(Tenant tenant, UUID id) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM training_jobs WHERE id = :id AND tenant = :tenant AND kind = 'training')")
                .param("id", id).param("tenant", tenant.id()).query(Boolean.class).single();
    }

    List<TrainingJobView.EventView> events(UUID jobId, long afterId, int limit) {
        return jdbc.sql("""
                SELECT id, created_at, level, type, message FROM training_job_events
                 WHERE job_id = :job AND id > :after ORDER BY id LIMIT :limit
                """).param("job", jobId).param("after", afterId).param("limit", limit)
                .query((rs, row) -> new TrainingJobView.EventView(rs.getLong(1), rs.getTimestamp(2).toInstant(),
                        rs.getString(3), rs.getString(4), rs.getString(5)))
                .list();
    }

    List<TrainingJobView.MetricView> metrics(UUID jobId) {
        return jdbc.sql("SELECT * FROM training_job_metrics WHERE job_id = :job ORDER BY epoch")
                .param("job", jobId).query((rs, row) -> mapMetric(rs, "")).list();
    }

    Map<String, Long> countByStatus() {
        Map<String, Long> counts = new java.util.HashMap<>();
        jdbc.sql("SELECT status, count(*) FROM training_jobs GROUP BY status")
                .query(rs -> {
                    counts.put(rs.getString(1), rs.getLong(2));
                });
        return counts;
    }

    private static final String SELECT_JOB = """
            SELECT j.*, j.spec::text AS spec_json, j.result::text AS result_json, m.epoch AS m_epoch,
                   m.train_loss AS m_train_loss, m.train_accuracy AS m_train_accuracy,
                   m.validation_accuracy AS m_validation_accuracy, m.learning_rate AS m_learning_rate,
                   m.images_per_second AS m_images_per_second, m.duration_ms AS m_duration_ms,
                   m.created_at AS m_created_at, q.queries AS q_queries, q.query_budget AS q_budget,
                   q.planned_queries AS q_planned, q.mean_latency_ms AS q_latency, q.queries_per_second AS q_rate,
                   q.eta_seconds AS q_eta, q.retries AS q_retries, q.errors AS q_errors, q.updated_at AS q_updated_at
              FROM training_jobs j
              LEFT JOIN training_job_queries q ON q.job_id = j.id
              LEFT JOIN LATERAL (SELECT * FROM training_job_metrics WHERE job_id = j.id ORDER BY epoch DESC LIMIT 1) m
                ON true
            """;

    private TrainingJobView mapJob(ResultSet rs, int row) throws SQLException {
        Map<String, Object> spec = json.readValue(rs.getString("spec_json"), MAP);
        String resultJson = rs.getString("result_json");
        Long total = (Long) rs.getObject("total_steps");
        long step = rs.getLong("step");
        Double percent = total == null || total == 0 ? null : Math.min(100.0, Math.round(1000.0 * step / total) / 10.0);
        String status = rs.getString("status");
        Long eta = null;
        Timestamp attemptStarted = rs.getTimestamp("attempt_started_at");
        long startStep = rs.getLong("attempt_start_step");
        if (("running".equals(status)) && total != null && attemptStarted != null && step > startStep) {
            double secondsPerStep = Duration.between(attemptStarted.toInstant(), clock.instant()).toMillis()
                    / 1000.0 / (step - startStep);
            eta = Math.round(secondsPerStep * (total - step));
        }
        TrainingJobView.MetricView latest = rs.getObject("m_epoch") == null ? null : mapMetric(rs, "m_");
        @SuppressWarnings("unchecked")
        Map<String, Object> prompt = (Map<String, Object>) spec.get("prompt");
        @SuppressWarnings("unchecked")
        Map<String, Object> output = (Map<String, Object>) spec.get("output");
        @SuppressWarnings("unchecked")
        Map<String, Object> hyperparameters = (Map<String, Object>) spec.get("hyperparameters");
        return new TrainingJobView(rs.getObject("id", UUID.class), "training_job",
                rs.getObject("dataset_id", UUID.class), rs.getString("model_id"), status, rs.getString("phase"),
                prompt, output, hyperparameters,
                progress(rs, step, total, percent, eta, status),
                latest, resultJson == null ? null : json.readValue(resultJson, MAP), rs.getInt("attempt"),
                rs.getInt("max_attempts"), rs.getString("error_code"), rs.getString("error"), instant(rs, "created_at"),
                instant(rs, "started_at"), instant(rs, "finished_at"), instant(rs, "updated_at"));
    }

    private static TrainingJobView.Progress progress(ResultSet rs, long step, Long total, Double percent, Long eta,
            String status) throws SQLException {
        TrainingJobView.Queries queries = null;
        if (rs.getObject("q_queries") != null) {
            Long queryEta = (Long) rs.getObject("q_eta");
            queries = new TrainingJobView.Queries(rs.getLong("q_queries"), rs.getLong("q_budget"),
                    rs.getLong("q_planned"), rs.getDouble("q_latency"), rs.getDouble("q_rate"), queryEta,
                    rs.getLong("q_retries"), rs.getLong("q_errors"), instant(rs, "q_updated_at"));
            if ("running".equals(status) && queryEta != null) {
                // a black-box job's time goes into its queries: the query rate predicts it best
                eta = queryEta;
            }
        }
        return new TrainingJobView.Progress(rs.getInt("epoch"), rs.getInt("epochs"), step, total, percent, eta,
                queries);
    }

    /** A metric row; {@code prefix} is {@code m_} for the latest-metric columns joined to a job. */
    private static TrainingJobView.MetricView mapMetric(ResultSet rs, String prefix) throws SQLException {
        return new TrainingJobView.MetricView(rs.getInt(prefix + "epoch"), rs.getDouble(prefix + "train_loss"),
                rs.getDouble(prefix + "train_accuracy"), (Double) rs.getObject(prefix + "validation_accuracy"),
                rs.getDouble(prefix + "learning_rate"), rs.getDouble(prefix + "images_per_second"),
                rs.getLong(prefix + "duration_ms"), instant(rs, prefix + "created_at"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
