package io.visprompt.training;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

import io.visprompt.config.DomainException;
import io.visprompt.config.Tenant;
import io.visprompt.security.QuotaExceeded;
import io.visprompt.security.Quotas;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The queue as other modules use it for their own kinds of work ({@link QueuedJobRunner}): submit, read, list,
 * events and cancel, always of one kind and one tenant (another tenant's job, or a job of another kind, is not
 * found). The jobs wait in the training jobs' table with the same claim, lease, fencing, heartbeat, reaper and
 * concurrent-jobs quota.
 */
@Component
public class QueuedJobs {

    /** The statuses a job goes through, as the API names them. */
    public static final List<String> STATUSES = Arrays.stream(JobStatus.values()).map(JobStatus::wireName).toList();

    /**
     * A job as stored; {@code specJson} is what was submitted, {@code resultJson} what {@link QueuedJobRun#succeed}
     * recorded (null until then), {@code percent} null before the total is known.
     */
    public record Job(UUID id, String kind, UUID datasetId, String modelId, String status, String phase,
            long step, Long totalSteps, Double percent, int attempt, int maxAttempts, String errorCode, String error,
            String specJson, String resultJson, Instant createdAt, Instant startedAt, Instant finishedAt,
            Instant updatedAt) {

        public boolean finished() {
            return JobStatus.fromWire(status).isTerminal();
        }
    }

    public record Event(long id, Instant createdAt, String level, String type, String message) {
    }

    private final JobQueue queue;
    private final JdbcClient jdbc;
    private final TrainingProperties properties;
    private final Quotas quotas;
    private final TrainingJobEventStream eventStream;

    QueuedJobs(JobQueue queue, JdbcClient jdbc, TrainingProperties properties, Quotas quotas,
            TrainingJobEventStream eventStream) {
        this.queue = queue;
        this.jdbc = jdbc;
        this.properties = properties;
        this.quotas = quotas;
        this.eventStream = eventStream;
    }

    /**
     * Queues a job of {@code kind}; with an idempotency key the tenant already used, returns that job's id.
     *
     * @param totalSteps the progress total the runner will report against
     * @throws QuotaExceeded when the tenant already has its quota of unfinished jobs (of any kind)
     */
    public UUID enqueue(Tenant tenant, String kind, UUID datasetId, String modelId, String specJson, long totalSteps,
            String idempotencyKey) {
        if (JobQueue.TRAINING.equals(kind)) {
            throw new IllegalArgumentException("training jobs are submitted through the training-jobs API");
        }
        int maxActive = quotas.of(tenant).concurrentJobs();
        return queue.enqueue(new JobQueue.NewJob(UUID.randomUUID(), tenant, datasetId, modelId, specJson, 1,
                totalSteps, properties.maxAttempts(), idempotencyKey, kind, null, null), maxActive)
                .orElseThrow(() -> new QuotaExceeded(DomainException.Kind.LIMIT_REACHED, "concurrent_jobs", maxActive,
                        queue.activeJobs(tenant), "The tenant already has " + maxActive + " queued or running jobs, "
                                + "its quota; wait for one to finish or cancel one"));
    }

    public Optional<Job> find(Tenant tenant, String kind, UUID id) {
        return jdbc.sql(SELECT + " WHERE id = :id AND tenant = :tenant AND kind = :kind")
                .param("id", id).param("tenant", tenant.id()).param("kind", kind).query(QueuedJobs::job).optional();
    }

    /**
     * Newest first, strictly after the job {@code after} (the previous page's last); empty when {@code after} is not
     * a job of this tenant and kind.
     *
     * @param status null for any; else one of {@link #STATUSES}
     */
    public List<Job> list(Tenant tenant, String kind, String status, UUID after, int limit) {
        return jdbc.sql(SELECT + """
                 WHERE tenant = :tenant AND kind = :kind
                   AND (CAST(:status AS text) IS NULL OR status = :status)
                   AND (CAST(:after AS uuid) IS NULL OR (created_at, id) <
                        (SELECT created_at, id FROM training_jobs WHERE id = :after AND tenant = :tenant AND kind = :kind))
                 ORDER BY created_at DESC, id DESC LIMIT :limit
                """).param("tenant", tenant.id()).param("kind", kind).param("status", status)
                .param("after", after).param("limit", limit).query(QueuedJobs::job).list();
    }

    public boolean exists(Tenant tenant, String kind, UUID id) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM training_jobs WHERE id = :id AND tenant = :tenant AND kind = :kind)")
                .param("id", id).param("tenant", tenant.id()).param("kind", kind).query(Boolean.class).single();
    }

    /** Events of a job found with {@link #find} or {@link #exists}, oldest first, after the event id {@code after}. */
    public List<Event> events(UUID jobId, long after, int limit) {
        return jdbc.sql("""
                SELECT id, created_at, level, type, message FROM training_job_events
                 WHERE job_id = :job AND id > :after ORDER BY id LIMIT :limit
                """).param("job", jobId).param("after", after).param("limit", limit)
                .query((rs, row) -> new Event(rs.getLong(1), rs.getTimestamp(2).toInstant(), rs.getString(3),
                        rs.getString(4), rs.getString(5)))
                .list();
    }

    /**
     * The job's events as Server-Sent Events, exactly as {@code GET /v1/training-jobs/{id}/events} streams them: an
     * {@code event} per event row (SSE id = the row's id), a {@code progress} event with {@code view} of the job
     * whenever it changed, and {@code end} once it is finished; resumed after {@code Last-Event-ID}, else after
     * {@code after}. The caller has checked that the job exists ({@link #find} or {@link #exists}).
     *
     * @param view the job as the caller's API shows it (its GET), read again whenever the job changed
     * @throws EventStreamUnavailable when the server is shutting down or has its limit of open streams
     */
    public SseEmitter openEventStream(Tenant tenant, String kind, UUID id, long after, String lastEventId,
            Function<Job, Object> view) {
        return eventStream.open(id, TrainingJobEventStream.resumeAfter(after, lastEventId),
                new TrainingJobEventStream.Followed() {
                    @Override
                    public Optional<TrainingJobEventStream.Snapshot> snapshot() {
                        return find(tenant, kind, id).map(job -> new TrainingJobEventStream.Snapshot(view.apply(job),
                                job.status(), List.of(job.status(), Objects.toString(job.phase()), job.step(),
                                        job.attempt(), Objects.toString(job.errorCode()),
                                        Objects.toString(job.error()), Objects.toString(job.resultJson()),
                                        Objects.toString(job.updatedAt()))));
                    }

                    @Override
                    public List<Event> eventsAfter(long afterId, int limit) {
                        return events(id, afterId, limit);
                    }

                    @Override
                    public long idOf(Object event) {
                        return ((Event) event).id();
                    }
                });
    }

    /**
     * A queued job is cancelled at once, a running one asked to stop within a step; the new status, or empty when
     * the job is not found or already finished (or being cancelled).
     */
    public Optional<String> cancel(Tenant tenant, String kind, UUID id) {
        return queue.requestCancel(tenant, id, kind).map(JobStatus::wireName);
    }

    private static final String SELECT = """
            SELECT id, kind, dataset_id, model_id, status, phase, step, total_steps, attempt, max_attempts, error_code,
                   error, spec::text AS spec_json, result::text AS result_json, created_at, started_at, finished_at,
                   updated_at
              FROM training_jobs
            """;

    private static Job job(ResultSet rs, int row) throws SQLException {
        Long total = (Long) rs.getObject("total_steps");
        long step = rs.getLong("step");
        Double percent = total == null || total == 0 ? null : Math.min(100.0, Math.round(1000.0 * step / total) / 10.0);
        return new Job(rs.getObject("id", UUID.class), rs.getString("kind"), rs.getObject("dataset_id", UUID.class),
                rs.getString("model_id"), rs.getString("status"), rs.getString("phase"), step, total, percent,
                rs.getInt("attempt"), rs.getInt("max_attempts"), rs.getString("error_code"), rs.getString("error"),
                rs.getString("spec_json"), rs.getString("result_json"), instant(rs, "created_at"),
                instant(rs, "started_at"), instant(rs, "finished_at"), instant(rs, "updated_at"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
