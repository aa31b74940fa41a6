package io.visprompt.training;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.visprompt.config.Tenant;
import io.visprompt.training.engine.EpochMetrics;
import io.visprompt.training.engine.TrainingCheckpoint;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The {@code training_jobs} table used as a work queue; all of the queue's SQL is here. Workers claim with
 * {@code FOR UPDATE SKIP LOCKED}, hold a lease renewed by heartbeats, and name their fencing token in every
 * write: a write that updates no row means the lease is gone.
 */
@Repository
class JobQueue {

    /** The fencing predicate: the row is still leased by this worker for this attempt. */
    private static final String OWNED = """
            id = :job AND lease_owner = :worker AND attempt = :attempt AND status IN ('running', 'cancelling')
            """;

    private final JdbcClient jdbc;
    private final Clock clock;
    private final TrainingProperties properties;
    private final TransactionTemplate transactions;

    JobQueue(JdbcClient jdbc, Clock clock, TrainingProperties properties, TransactionTemplate transactions) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.properties = properties;
        this.transactions = transactions;
    }

    /** The kind of a training job; other kinds of work (an evaluation) share the queue, see QueuedJobRunner. */
    static final String TRAINING = "training";

    /**
     * @param kind {@value #TRAINING} or the kind of a {@link QueuedJobRunner}
     * @param sweepId the sweep whose trial number {@code sweepTrial} this job is, or null for a plain job
     */
    record NewJob(UUID id, Tenant tenant, UUID datasetId, String modelId, String specJson, int epochs,
            long totalSteps, int maxAttempts, String idempotencyKey, String kind, UUID sweepId, Integer sweepTrial) {

        NewJob(UUID id, Tenant tenant, UUID datasetId, String modelId, String specJson, int epochs, long totalSteps,
                int maxAttempts, String idempotencyKey) {
            this(id, tenant, datasetId, modelId, specJson, epochs, totalSteps, maxAttempts, idempotencyKey, TRAINING,
                    null, null);
        }
    }

    /** @param tenant the job's owner, who also owns the prompt it learns */
    record ClaimedJob(Lease lease, Tenant tenant, UUID datasetId, String modelId, String specJson, long step,
            String kind) {

        ClaimedJob(Lease lease, Tenant tenant, UUID datasetId, String modelId, String specJson, long step) {
            this(lease, tenant, datasetId, modelId, specJson, step, TRAINING);
        }
    }

    record Requeued(UUID jobId, JobStatus status, String previousOwner) {
    }

    /**
     * Inserts a queued job. With an idempotency key the tenant already used, returns that job's id instead. Empty
     * (and nothing inserted) when the tenant already has {@code maxActive} unfinished jobs; the check and the insert
     * hold a per-tenant advisory lock (class 2), so concurrent submissions cannot both pass it.
     */
    Optional<UUID> enqueue(NewJob job, int maxActive) {
        return transactions.execute(status -> {
            jdbc.sql("SELECT 1 FROM pg_advisory_xact_lock(2, hashtext(:tenant))").param("tenant", job.tenant().id())
                    .query((rs, row) -> 1).list();
            if (job.idempotencyKey() != null) {
                Optional<UUID> earlier = jdbc.sql("SELECT id FROM training_jobs WHERE tenant = :tenant AND idempotency_key = :key")
                        .param("tenant", job.tenant().id()).param("key", job.idempotencyKey())
                        .query(UUID.class).optional();
                if (earlier.isPresent()) {
                    return earlier;
                }
            }
            if (activeJobs(job.tenant()) >= maxActive) {
                return Optional.<UUID>empty();
            }
            jdbc.sql("""
                    INSERT INTO training_jobs (id, tenant, dataset_id, model_id, spec, status, phase, max_attempts,
                                              epochs, total_steps, idempotency_key, created_at, updated_at, kind,
                                              sweep_id, sweep_trial)
                    VALUES (:id, :tenant, :dataset, :model, CAST(:spec AS jsonb), 'queued', 'queued', :maxAttempts,
                            :epochs, :totalSteps, :key, :now, :now, :kind, :sweep, :trial)
                    """).param("kind", job.kind())
                    .param("id", job.id()).param("tenant", job.tenant().id()).param("dataset", job.datasetId())
                    .param("model", job.modelId()).param("spec", job.specJson())
                    .param("maxAttempts", job.maxAttempts()).param("epochs", job.epochs())
                    .param("totalSteps", job.totalSteps()).param("key", job.idempotencyKey()).param("now", now())
                    .param("sweep", job.sweepId()).param("trial", job.sweepTrial()).update();
            event(job.id(), "info", "created", "Job queued");
            return Optional.of(job.id());
        });
    }

    /** How a request to resume a stopped job ended. */
    enum Resume {
        /** Queued again: the next worker continues it from its checkpoint. */
        RESUMED,
        /** The tenant has no such job. */
        NOT_FOUND,
        /** The job is not {@code stopped} (nothing changed). */
        NOT_STOPPED,
        /** The tenant already has {@code maxActive} unfinished jobs (nothing changed). */
        AT_QUOTA
    }

    /**
     * Queues a {@code stopped} job again (an ASHA promotion, or a user's resume): the next worker that claims it
     * continues from its checkpoint, which holds its best prompt so far and the state at the epoch it stopped. The
     * transition and its event are one statement; the quota check holds the same advisory lock as {@link #enqueue}.
     */
    Resume resumeStopped(Tenant tenant, UUID jobId, int maxActive, String message) {
        return transactions.execute(tx -> {
            jdbc.sql("SELECT 1 FROM pg_advisory_xact_lock(2, hashtext(:tenant))").param("tenant", tenant.id())
                    .query((rs, row) -> 1).list();
            Optional<String> status = jdbc.sql("""
                    SELECT status FROM training_jobs WHERE id = :job AND tenant = :tenant AND kind = :kind FOR UPDATE
                    """).param("job", jobId).param("tenant", tenant.id()).param("kind", TRAINING)
                    .query(String.class).optional();
            if (status.isEmpty()) {
                return Resume.NOT_FOUND;
            }
            if (!"stopped".equals(status.get())) {
                return Resume.NOT_STOPPED;
            }
            if (activeJobs(tenant) >= maxActive) {
                return Resume.AT_QUOTA;
            }
            Timestamp now = now();
            jdbc.sql("""
                    WITH resumed AS (
                        UPDATE training_jobs SET status = 'queued', phase = 'queued', result = NULL, error = NULL,
                               error_code = NULL, finished_at = NULL, updated_at = :now
                         WHERE id = :job AND status = 'stopped'
                        RETURNING id)
                    INSERT INTO training_job_events (job_id, created_at, level, type, message)
                    SELECT id, :now, 'info', 'requeued', :message FROM resumed
                    """).param("job", jobId).param("now", now).param("message", message).update();
            return Resume.RESUMED;
        });
    }

    /** Jobs of the tenant that are queued, running or being cancelled: what the concurrent-jobs quota counts. */
    long activeJobs(Tenant tenant) {
        return jdbc.sql("""
                SELECT count(*) FROM training_jobs
                 WHERE tenant = :tenant AND status IN ('queued', 'running', 'cancelling')
                """).param("tenant", tenant.id()).query(Long.class).single();
    }

    /** Claims the oldest queued job, if any, for {@code worker}; the claim and its event are one statement. */
    Optional<ClaimedJob> claim(String worker) {
        Timestamp now = now();
        return jdbc.sql("""
                WITH claimed AS (
                    UPDATE training_jobs j
                       SET status = 'running', phase = 'starting', attempt = j.attempt + 1, lease_owner = :worker,
                           lease_expires_at = :expires, heartbeat_at = :now, started_at = coalesce(j.started_at, :now),
                           attempt_started_at = :now, attempt_start_step = j.step, updated_at = :now
                     WHERE j.id = (SELECT id FROM training_jobs WHERE status = 'queued'
                                    ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
                    RETURNING j.id, j.attempt, j.tenant, j.dataset_id, j.model_id, j.spec::text AS spec, j.step,
                              j.kind),
                logged AS (
                    INSERT INTO training_job_events (job_id, created_at, level, type, message)
                    SELECT id, :now, 'info', 'claimed', 'Worker ' || :worker || ' started attempt ' || attempt
                      FROM claimed)
                SELECT * FROM claimed
                """)
                .param("worker", worker).param("now", now).param("expires", expiry(now))
                .query((rs, row) -> new ClaimedJob(
                        new Lease(rs.getObject("id", UUID.class), worker, rs.getInt("attempt")),
                        new Tenant(rs.getString("tenant")), rs.getObject("dataset_id", UUID.class), rs.getString("model_id"), rs.getString("spec"),
                        rs.getLong("step"), rs.getString("kind")))
                .optional();
    }

    /** Renews the lease; empty when it was lost, else the job's status (which may now be {@code cancelling}). */
    Optional<JobStatus> heartbeat(Lease lease) {
        Timestamp now = now();
        return owned("""
                UPDATE training_jobs SET lease_expires_at = :expires, heartbeat_at = :now
                 WHERE %s RETURNING status
                """, lease).param("now", now).param("expires", expiry(now))
                .query(String.class).optional().map(JobStatus::fromWire);
    }

    /** Records the position of a running job; empty when the lease was lost, else the job's status. */
    Optional<JobStatus> recordProgress(Lease lease, int epoch, long step, long totalSteps) {
        return owned("""
                UPDATE training_jobs SET epoch = :epoch, step = :step, total_steps = :total, updated_at = :now
                 WHERE %s RETURNING status
                """, lease).param("epoch", epoch).param("step", step).param("total", totalSteps)
                .param("now", now()).query(String.class).optional().map(JobStatus::fromWire);
    }

    /** A black-box job's query figures (one row per job, replaced on every write). */
    boolean recordQueries(Lease lease, io.visprompt.training.engine.QueryUsage usage, long retries, long errors) {
        return owned("""
                INSERT INTO training_job_queries (job_id, queries, query_budget, planned_queries, mean_latency_ms,
                                                  queries_per_second, eta_seconds, retries, errors, updated_at)
                SELECT id, :queries, :budget, :planned, :latency, :rate, :eta, :retries, :errors, :now
                  FROM training_jobs WHERE %s
                ON CONFLICT (job_id) DO UPDATE SET queries = excluded.queries, query_budget = excluded.query_budget,
                    planned_queries = excluded.planned_queries, mean_latency_ms = excluded.mean_latency_ms,
                    queries_per_second = excluded.queries_per_second, eta_seconds = excluded.eta_seconds,
                    retries = excluded.retries, errors = excluded.errors, updated_at = excluded.updated_at
                """, lease).param("queries", usage.queries()).param("budget", usage.budget())
                .param("planned", usage.plannedQueries()).param("latency", usage.meanLatencyMillis())
                .param("rate", usage.queriesPerSecond()).param("eta", usage.etaSeconds() < 0 ? null : usage.etaSeconds())
                .param("retries", retries).param("errors", errors).param("now", now()).update() == 1;
    }

    boolean recordPhase(Lease lease, String phase) {
        return owned("UPDATE training_jobs SET phase = :phase, updated_at = :now WHERE %s", lease)
                .param("phase", phase).param("now", now()).update() == 1;
    }

    /** Stores an epoch's metrics (again, when a resumed attempt repeats the epoch). */
    boolean recordEpoch(Lease lease, EpochMetrics m) {
        return owned("""
                INSERT INTO training_job_metrics (job_id, epoch, train_loss, train_accuracy, validation_accuracy,
                                                 learning_rate, images_per_second, duration_ms, created_at)
                SELECT id, :epoch, :loss, :trainAcc, :valAcc, :lr, :ips, :ms, :now FROM training_jobs WHERE %s
                ON CONFLICT (job_id, epoch) DO UPDATE SET train_loss = excluded.train_loss,
                    train_accuracy = excluded.train_accuracy, validation_accuracy = excluded.validation_accuracy,
                    learning_rate = excluded.learning_rate, images_per_second = excluded.images_per_second,
                    duration_ms = excluded.duration_ms, created_at = excluded.created_at
                """, lease)
                .param("epoch", m.epoch()).param("loss", m.trainLoss()).param("trainAcc", m.trainAccuracy())
                .param("valAcc", Double.isNaN(m.validationAccuracy()) ? null : m.validationAccuracy())
                .param("lr", m.learningRate()).param("ips", m.imagesPerSecond()).param("ms", m.durationMillis())
                .param("now", now()).update() == 1;
    }

    boolean saveCheckpoint(Lease lease, TrainingCheckpoint checkpoint) {
        return owned("""
                INSERT INTO training_job_checkpoints (job_id, attempt, completed_epochs, step, state, created_at)
                SELECT id, attempt, :epochs, :step, :state, :now FROM training_jobs WHERE %s
                ON CONFLICT (job_id) DO UPDATE SET attempt = excluded.attempt,
                    completed_epochs = excluded.completed_epochs, step = excluded.step, state = excluded.state,
                    created_at = excluded.created_at
                """, lease)
                .param("epochs", checkpoint.completedEpochs()).param("step", checkpoint.step())
                .param("state", checkpoint.state()).param("now", now()).update() == 1;
    }

    Optional<TrainingCheckpoint> checkpoint(UUID jobId) {
        return jdbc.sql("SELECT completed_epochs, step, state FROM training_job_checkpoints WHERE job_id = :job")
                .param("job", jobId)
                .query((rs, row) -> new TrainingCheckpoint(rs.getInt(1), rs.getLong(2), rs.getBytes(3)))
                .optional();
    }

    /** Adds an event written by the lease holder; false (and nothing written) when the lease was lost. */
    boolean event(Lease lease, String level, String type, String message) {
        return owned("""
                INSERT INTO training_job_events (job_id, created_at, level, type, message)
                SELECT id, :now, :level, :type, :message FROM training_jobs WHERE %s
                """, lease).param("now", now()).param("level", level).param("type", type)
                .param("message", message).update() == 1;
    }

    boolean succeed(Lease lease, String resultJson) {
        return finish(lease, "succeeded", null, resultJson, "Job succeeded");
    }

    /** Fails the job with a code and a message users may see (never an exception's text: see JobFailure). */
    boolean fail(Lease lease, JobFailure failure) {
        return finish(lease, "failed", failure, null, "Job failed: " + failure.message());
    }

    /** Ends a sweep's trial early (ASHA) with its best prompt so far; its checkpoint stays, so it could resume. */
    boolean stop(Lease lease, String resultJson, String reason) {
        return finish(lease, "stopped", null, resultJson, "Job stopped: " + reason);
    }

    boolean acknowledgeCancel(Lease lease) {
        return finish(lease, "cancelled", null, null, "Job cancelled");
    }

    /**
     * Gives a running job back to the queue (graceful shutdown, or a database or storage outage that outlasted the
     * retries); its checkpoint lets the next worker resume. A job being cancelled becomes cancelled instead.
     */
    boolean release(Lease lease, String reason) {
        Timestamp now = now();
        return owned("""
                WITH released AS (
                    UPDATE training_jobs SET status = CASE WHEN status = 'cancelling' THEN 'cancelled' ELSE 'queued' END,
                           phase = CASE WHEN status = 'cancelling' THEN 'cancelled' ELSE 'queued' END,
                           finished_at = CASE WHEN status = 'cancelling' THEN CAST(:now AS timestamptz) END,
                           lease_owner = NULL, lease_expires_at = NULL, updated_at = :now
                     WHERE %s
                    RETURNING id, status)
                INSERT INTO training_job_events (job_id, created_at, level, type, message)
                SELECT id, :now, 'info', CASE WHEN status = 'cancelled' THEN 'cancelled' ELSE 'released' END,
                       CASE WHEN status = 'cancelled' THEN 'Job cancelled'
                            ELSE 'Worker ' || :worker || ' released the job (' || :reason || ')' END
                  FROM released
                """, lease).param("now", now).param("reason", reason).update() == 1;
    }

    /** A user's cancel: a queued job is cancelled at once, a running one is asked to stop. */
    Optional<JobStatus> requestCancel(Tenant tenant, UUID jobId) {
        return requestCancel(tenant, jobId, TRAINING);
    }

    /** {@link #requestCancel(Tenant, UUID)} for a job of the given kind; another kind's job is not touched. */
    Optional<JobStatus> requestCancel(Tenant tenant, UUID jobId, String kind) {
        Timestamp now = now();
        return jdbc.sql("""
                WITH changed AS (
                    UPDATE training_jobs
                       SET status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE 'cancelling' END,
                           phase = CASE WHEN status = 'queued' THEN 'cancelled' ELSE phase END,
                           finished_at = CASE WHEN status = 'queued' THEN CAST(:now AS timestamptz) END,
                           updated_at = :now
                     WHERE id = :job AND tenant = :tenant AND kind = :kind AND status IN ('queued', 'running')
                    RETURNING id, status),
                logged AS (
                    INSERT INTO training_job_events (job_id, created_at, level, type, message)
                    SELECT id, :now, 'info', CASE WHEN status = 'cancelled' THEN 'cancelled' ELSE 'cancel_requested' END,
                           CASE WHEN status = 'cancelled' THEN 'Job cancelled before it started'
                                ELSE 'Cancellation requested' END
                      FROM changed)
                SELECT status FROM changed
                """).param("job", jobId).param("tenant", tenant.id()).param("kind", kind).param("now", now)
                .query(String.class).optional().map(JobStatus::fromWire);
    }

    /**
     * The reaper: jobs whose lease expired go back to the queue, or fail once they have lost
     * {@code max_attempts} leases; a job being cancelled becomes cancelled.
     */
    List<Requeued> requeueExpired() {
        Timestamp now = now();
        return jdbc.sql("""
                WITH expired AS (
                    SELECT id, lease_owner FROM training_jobs
                     WHERE status IN ('running', 'cancelling') AND lease_expires_at < :now
                     FOR UPDATE SKIP LOCKED),
                changed AS (
                    UPDATE training_jobs j
                       SET status = CASE WHEN j.status = 'cancelling' THEN 'cancelled'
                                         WHEN j.lost_leases + 1 >= j.max_attempts THEN 'failed'
                                         ELSE 'queued' END,
                           phase = CASE WHEN j.status = 'cancelling' THEN 'cancelled'
                                        WHEN j.lost_leases + 1 >= j.max_attempts THEN 'failed'
                                        ELSE 'queued' END,
                           error = CASE WHEN j.status <> 'cancelling' AND j.lost_leases + 1 >= j.max_attempts
                                        THEN 'The worker lease expired ' || (j.lost_leases + 1) || ' times (limit '
                                             || j.max_attempts || '); last worker: ' || j.lease_owner END,
                           error_code = CASE WHEN j.status <> 'cancelling' AND j.lost_leases + 1 >= j.max_attempts
                                             THEN 'worker_lost' END,
                           finished_at = CASE WHEN j.status = 'cancelling' OR j.lost_leases + 1 >= j.max_attempts
                                              THEN CAST(:now AS timestamptz) END,
                           lost_leases = j.lost_leases + 1, lease_owner = NULL, lease_expires_at = NULL, updated_at = :now
                      FROM expired
                     WHERE j.id = expired.id
                    RETURNING j.id, j.status, expired.lease_owner),
                logged AS (
                    INSERT INTO training_job_events (job_id, created_at, level, type, message)
                    SELECT id, :now, CASE WHEN status = 'queued' THEN 'warning' ELSE 'error' END, 'lease_expired',
                           'Lease of worker ' || lease_owner || ' expired; job is now ' || status
                      FROM changed)
                SELECT id, status, lease_owner FROM changed
                """).param("now", now)
                .query((rs, row) -> new Requeued(rs.getObject(1, UUID.class), JobStatus.fromWire(rs.getString(2)),
                        rs.getString(3)))
                .list();
    }

    /** True while a job that is not finished refers to the dataset. */
    boolean datasetInUse(UUID datasetId) {
        return jdbc.sql("""
                SELECT EXISTS (SELECT 1 FROM training_jobs
                                WHERE dataset_id = :dataset AND status IN ('queued', 'running', 'cancelling'))
                """).param("dataset", datasetId).query(Boolean.class).single();
    }

    boolean modelInUse(String modelId) {
        return jdbc.sql("""
                SELECT EXISTS (SELECT 1 FROM training_jobs
                                WHERE model_id = :model AND status IN ('queued', 'running', 'cancelling'))
                """).param("model", modelId).query(Boolean.class).single();
    }

    /**
     * An event not tied to a lease, written in the caller's transaction (a new job's {@code created}, and the
     * submission's warnings such as {@code warning_warmup}).
     */
    void event(UUID jobId, String level, String type, String message) {
        jdbc.sql("""
                INSERT INTO training_job_events (job_id, created_at, level, type, message)
                VALUES (:job, :now, :level, :type, :message)
                """).param("job", jobId).param("now", now()).param("level", level).param("type", type)
                .param("message", message).update();
    }

    /** Ends the job under its lease; the final status and the event that announces it are one statement. */
    private boolean finish(Lease lease, String status, JobFailure failure, String resultJson, String message) {
        Timestamp now = now();
        return owned("""
                WITH finished AS (
                    UPDATE training_jobs SET status = :status, phase = :status, error = :error, error_code = :code,
                           result = CAST(:result AS jsonb), finished_at = :now, lease_owner = NULL,
                           lease_expires_at = NULL, updated_at = :now
                     WHERE %s
                    RETURNING id)
                INSERT INTO training_job_events (job_id, created_at, level, type, message)
                SELECT id, :now, :level, :status, :message FROM finished
                """, lease).param("status", status).param("error", failure == null ? null : failure.message())
                .param("code", failure == null ? null : failure.code()).param("result", resultJson)
                .param("level", "failed".equals(status) ? "error" : "info").param("message", message)
                .param("now", now).update() == 1;
    }

    private JdbcClient.StatementSpec owned(String sqlWithOwnedPlaceholder, Lease lease) {
        return jdbc.sql(sqlWithOwnedPlaceholder.formatted(OWNED)).param("job", lease.jobId())
                .param("worker", lease.worker()).param("attempt", lease.attempt());
    }

    private Timestamp now() {
        return Timestamp.from(clock.instant().truncatedTo(ChronoUnit.MICROS));
    }

    private Timestamp expiry(Timestamp now) {
        Instant expires = now.toInstant().plus(properties.leaseDuration());
        return Timestamp.from(expires);
    }
}
