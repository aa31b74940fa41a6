package io.visprompt.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.visprompt.MutableClock;
import io.visprompt.config.Tenant;
import io.visprompt.training.engine.EpochMetrics;
import io.visprompt.training.engine.TrainingCheckpoint;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * The queue's guarantees against a real PostgreSQL migrated by Flyway: the queue's own SQL on a database of this
 * class (no application context, no web server, no engine, nobody else's workers or reaper).
 */
class JobQueueTests {

    static EmbeddedPostgres postgres;
    static JdbcClient jdbc;
    static TransactionTemplate transactions;

    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    final JobQueue queue = new JobQueue(jdbc, clock, properties(), transactions);

    @BeforeAll
    static void database() throws Exception {
        postgres = EmbeddedPostgres.builder().start();
        DataSource dataSource = postgres.getPostgresDatabase();
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
        jdbc = JdbcClient.create(dataSource);
        transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    }

    @AfterAll
    static void stop() throws Exception {
        postgres.close();
    }

    /** The defaults of application.yml that the queue reads: a 60 s lease. */
    static TrainingProperties properties() {
        return new TrainingProperties(false, true, 1, Duration.ofSeconds(60), Duration.ofSeconds(10),
                Duration.ofSeconds(1), Duration.ofSeconds(15), Duration.ofMillis(250), 3, 1000, Duration.ofSeconds(30));
    }

    @Test
    void competingWorkersNeverClaimTheSameJobTwice() throws Exception {
        drainQueue();
        List<UUID> jobs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            jobs.add(enqueue(3));
        }
        List<UUID> claimed = Collections.synchronizedList(new ArrayList<>());
        int workers = 6;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        for (int w = 0; w < workers; w++) {
            String worker = "worker-" + w;
            pool.submit(() -> {
                start.await();
                Optional<JobQueue.ClaimedJob> job;
                while ((job = queue.claim(worker)).isPresent()) {
                    claimed.add(job.get().lease().jobId());
                }
                return null;
            });
        }
        start.countDown();
        pool.shutdown();
        assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();

        assertThat(claimed).hasSize(jobs.size()).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(jobs);
        assertThat(jdbc.sql("SELECT count(*) FROM training_jobs WHERE id IN (:ids) AND status = 'running' AND attempt = 1")
                .param("ids", jobs).query(Long.class).single()).isEqualTo(jobs.size());
    }

    @Test
    void expiredLeaseGoesToAnotherWorkerAndTheFirstWorkersLateWritesAreRejected() {
        drainQueue();
        UUID id = enqueue(3);
        Lease first = queue.claim("worker-a").orElseThrow().lease();
        assertThat(queue.saveCheckpoint(first, new TrainingCheckpoint(1, 10, new byte[] {1, 2, 3}))).isTrue();

        clock.advance(Duration.ofSeconds(61));
        assertThat(queue.requeueExpired()).extracting(JobQueue.Requeued::jobId, JobQueue.Requeued::status)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(id, JobStatus.QUEUED));
        JobQueue.ClaimedJob second = queue.claim("worker-b").orElseThrow();
        assertThat(second.lease().jobId()).isEqualTo(id);
        assertThat(second.lease().attempt()).isEqualTo(2);
        assertThat(queue.checkpoint(id)).get().extracting(TrainingCheckpoint::step).isEqualTo(10L);

        // the zombie: every write fenced by (worker-a, attempt 1) changes nothing
        assertThat(queue.heartbeat(first)).isEmpty();
        assertThat(queue.recordProgress(first, 2, 20, 100)).isEmpty();
        assertThat(queue.recordEpoch(first, metrics(2))).isFalse();
        assertThat(queue.saveCheckpoint(first, new TrainingCheckpoint(2, 20, new byte[] {9}))).isFalse();
        assertThat(queue.event(first, "info", "late", "should not be stored")).isFalse();
        assertThat(queue.succeed(first, "{}")).isFalse();
        assertThat(queue.fail(first, new JobFailure("invalid_training_input", "late failure"))).isFalse();

        Map<String, Object> row = jdbc.sql("SELECT status, lease_owner, attempt, step, error FROM training_jobs WHERE id = :id")
                .param("id", id).query().singleRow();
        assertThat(row).containsEntry("status", "running").containsEntry("lease_owner", "worker-b")
                .containsEntry("attempt", 2).containsEntry("step", 0L);
        assertThat(row.get("error")).isNull();
        assertThat(queue.checkpoint(id)).get().extracting(TrainingCheckpoint::step).isEqualTo(10L);
        assertThat(jdbc.sql("SELECT count(*) FROM training_job_events WHERE job_id = :id AND type = 'late'")
                .param("id", id).query(Long.class).single()).isZero();

        // the rightful owner writes normally
        assertThat(queue.recordEpoch(second.lease(), metrics(1))).isTrue();
        assertThat(queue.succeed(second.lease(), "{\"prompt_id\":null}")).isTrue();
        assertThat(jdbc.sql("SELECT status FROM training_jobs WHERE id = :id").param("id", id).query(String.class).single())
                .isEqualTo("succeeded");
    }

    @Test
    void heartbeatKeepsTheLeaseAlive() {
        drainQueue();
        UUID id = enqueue(3);
        Lease lease = queue.claim("worker-a").orElseThrow().lease();
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofSeconds(40));
            assertThat(queue.heartbeat(lease)).contains(JobStatus.RUNNING);
            assertThat(queue.requeueExpired()).isEmpty();
        }
        assertThat(statusOf(id)).isEqualTo("running");
    }

    @Test
    void theReaperCountsLeaseExpiriesAndRequeues() {
        drainQueue();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        ExpiredLeaseRecovery reaper = new ExpiredLeaseRecovery(queue,
                new TrainingJobQueries(jdbc, JsonMapper.builder().build(), clock), properties(), meters);
        enqueue(3);
        enqueue(1);
        queue.claim("worker-a").orElseThrow();
        queue.claim("worker-b").orElseThrow();
        clock.advance(Duration.ofSeconds(61));

        reaper.run();

        assertThat(meters.get("visprompt.training.lease.expiries").tag("outcome", "queued").counter().count()).isOne();
        assertThat(meters.get("visprompt.training.lease.expiries").tag("outcome", "failed").counter().count()).isOne();
        assertThat(meters.get("visprompt.training.requeues").tag("reason", "lease_expired").counter().count()).isOne();
        reaper.run();
        assertThat(meters.get("visprompt.training.lease.expiries").counters()).extracting(c -> c.count())
                .as("counted once").containsOnly(1.0);
    }

    @Test
    void jobFailsWithAReasonOnceItHasLostMaxAttemptsLeases() {
        drainQueue();
        UUID id = enqueue(2);
        for (int attempt = 1; attempt <= 2; attempt++) {
            Lease lease = queue.claim("worker-" + attempt).orElseThrow().lease();
            assertThat(lease.attempt()).isEqualTo(attempt);
            clock.advance(Duration.ofSeconds(61));
            queue.requeueExpired();
        }
        Map<String, Object> row = jdbc.sql("SELECT status, error, error_code, lease_owner FROM training_jobs WHERE id = :id")
                .param("id", id).query().singleRow();
        assertThat(row.get("status")).isEqualTo("failed");
        assertThat(row.get("error_code")).isEqualTo("worker_lost");
        assertThat((String) row.get("error")).contains("expired 2 times").contains("worker-2");
        assertThat(row.get("lease_owner")).isNull();
        assertThat(queue.claim("worker-3")).isEmpty();
    }

    @Test
    void cancellingARunningJobReachesTheWorkerThroughItsHeartbeat() {
        drainQueue();
        UUID id = enqueue(3);
        Lease lease = queue.claim("worker-a").orElseThrow().lease();
        assertThat(queue.requestCancel(Tenant.DEFAULT, id)).contains(JobStatus.CANCELLING);
        assertThat(queue.heartbeat(lease)).contains(JobStatus.CANCELLING);
        assertThat(queue.acknowledgeCancel(lease)).isTrue();
        assertThat(statusOf(id)).isEqualTo("cancelled");
        assertThat(queue.requestCancel(Tenant.DEFAULT, id)).isEmpty();
    }

    @Test
    void releasedJobIsQueuedAgainWithItsCheckpoint() {
        drainQueue();
        UUID id = enqueue(3);
        Lease lease = queue.claim("worker-a").orElseThrow().lease();
        assertThat(queue.saveCheckpoint(lease, new TrainingCheckpoint(3, 42, new byte[] {7}))).isTrue();
        assertThat(queue.release(lease, "shutdown")).isTrue();
        assertThat(statusOf(id)).isEqualTo("queued");
        JobQueue.ClaimedJob again = queue.claim("worker-b").orElseThrow();
        assertThat(again.lease().attempt()).isEqualTo(2);
        assertThat(queue.checkpoint(id)).get().satisfies(c -> {
            assertThat(c.completedEpochs()).isEqualTo(3);
            assertThat(c.state()).containsExactly(7);
        });
    }

    @Test
    void aFailedJobShowsUsersACodeAndASafeMessageNeverTheExceptionText() {
        drainQueue();
        UUID id = enqueue(3);
        Lease lease = queue.claim("worker-a").orElseThrow().lease();
        RuntimeException internal = new DataIntegrityViolationException(
                "PreparedStatementCallback; SQL [INSERT INTO prompts (id, values) VALUES (?, ?)]; ERROR: value too long "
                + "at /var/lib/visprompt/datasets/0f1e/images/7.png");

        assertThat(queue.fail(lease, JobFailure.of(internal))).isTrue();

        TrainingJobView view = new TrainingJobQueries(jdbc, JsonMapper.builder().build(), clock)
                .find(Tenant.DEFAULT, id).orElseThrow();
        assertThat(view.status()).isEqualTo("failed");
        assertThat(view.errorCode()).isEqualTo("training_error");
        assertThat(view.error()).doesNotContain("SQL", "INSERT", "/var/lib", "Exception");
        List<String> events = jdbc.sql("SELECT message FROM training_job_events WHERE job_id = :id ORDER BY id")
                .param("id", id).query(String.class).list();
        assertThat(events.get(events.size() - 1)).startsWith("Job failed")
                .doesNotContain("SQL", "INSERT", "/var/lib", "Exception");
    }

    /**
     * Every status change and the event that records it commit together: with the event insert failing (a trigger
     * refuses every event row), no transition changes the job; without the trigger each leaves its event.
     */
    @Test
    void everyStatusChangeAndItsEventCommitTogether() {
        drainQueue();
        UUID claimedId = enqueue(1);
        jdbc.sql("""
                CREATE FUNCTION refuse_events() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'event insert refused by the test'; END $$
                """).update();
        jdbc.sql("CREATE TRIGGER refuse_events BEFORE INSERT ON training_job_events FOR EACH ROW EXECUTE FUNCTION refuse_events()")
                .update();
        try {
            assertThatThrownBy(() -> queue.claim("worker-a")).isInstanceOf(DataAccessException.class);
            assertThat(row(claimedId)).containsEntry("status", "queued").containsEntry("attempt", 0);
            assertThatThrownBy(() -> queue.requestCancel(Tenant.DEFAULT, claimedId)).isInstanceOf(DataAccessException.class);
            assertThat(row(claimedId)).containsEntry("status", "queued");
        } finally {
            jdbc.sql("DROP TRIGGER refuse_events ON training_job_events").update();
        }

        Lease lease = queue.claim("worker-a").orElseThrow().lease();
        assertThat(lastEvent(claimedId)).isEqualTo("claimed");
        for (Transition transition : List.<Transition>of(
                () -> queue.release(lease, "shutdown"),
                () -> queue.succeed(lease, "{}"),
                () -> queue.fail(lease, new JobFailure("invalid_training_input", "bad data")),
                () -> queue.acknowledgeCancel(lease),
                () -> queue.requestCancel(Tenant.DEFAULT, claimedId),
                () -> {
                    clock.advance(Duration.ofSeconds(61));
                    try {
                        return queue.requeueExpired();
                    } finally {
                        clock.advance(Duration.ofSeconds(-61));
                    }
                })) {
            Map<String, Object> before = row(claimedId);
            long events = eventCount(claimedId);
            withEventsRefused(() -> assertThatThrownBy(transition::run).isInstanceOf(DataAccessException.class));
            assertThat(row(claimedId)).as("no status change without its event").isEqualTo(before);
            assertThat(eventCount(claimedId)).isEqualTo(events);
        }

        // and without the fault each transition leaves its event, in the same commit as the status
        assertThat(queue.requestCancel(Tenant.DEFAULT, claimedId)).contains(JobStatus.CANCELLING);
        assertThat(lastEvent(claimedId)).isEqualTo("cancel_requested");
        assertThat(queue.acknowledgeCancel(lease)).isTrue();
        assertThat(row(claimedId)).containsEntry("status", "cancelled");
        assertThat(lastEvent(claimedId)).isEqualTo("cancelled");

        UUID failing = enqueue(1);
        Lease second = queue.claim("worker-b").orElseThrow().lease();
        clock.advance(Duration.ofSeconds(61));
        assertThat(queue.requeueExpired()).extracting(JobQueue.Requeued::status).containsExactly(JobStatus.FAILED);
        assertThat(row(failing)).containsEntry("status", "failed");
        assertThat(lastEvent(failing)).isEqualTo("lease_expired");
        assertThat(second.attempt()).isOne();
    }

    @FunctionalInterface
    interface Transition {
        Object run();
    }

    private void withEventsRefused(Runnable action) {
        jdbc.sql("CREATE TRIGGER refuse_events BEFORE INSERT ON training_job_events FOR EACH ROW EXECUTE FUNCTION refuse_events()")
                .update();
        try {
            action.run();
        } finally {
            jdbc.sql("DROP TRIGGER refuse_events ON training_job_events").update();
        }
    }

    private Map<String, Object> row(UUID id) {
        return jdbc.sql("SELECT status, phase, attempt, lease_owner, error, finished_at, lost_leases FROM training_jobs WHERE id = :id")
                .param("id", id).query().singleRow();
    }

    private long eventCount(UUID id) {
        return jdbc.sql("SELECT count(*) FROM training_job_events WHERE job_id = :id").param("id", id)
                .query(Long.class).single();
    }

    private String lastEvent(UUID id) {
        return jdbc.sql("SELECT type FROM training_job_events WHERE job_id = :id ORDER BY id DESC LIMIT 1")
                .param("id", id).query(String.class).single();
    }

    private UUID enqueue(int maxAttempts) {
        return queue.enqueue(new JobQueue.NewJob(UUID.randomUUID(), Tenant.DEFAULT, UUID.randomUUID(), "fashion-cnn",
                "{\"prompt\":{}}", 1, 10, maxAttempts, null), Integer.MAX_VALUE).orElseThrow();
    }

    /** Leaves no queued job from another test of this class behind (they share one database). */
    private void drainQueue() {
        jdbc.sql("UPDATE training_jobs SET status = 'cancelled', lease_owner = NULL WHERE status IN ('queued', 'running', 'cancelling')")
                .update();
    }

    private String statusOf(UUID id) {
        return jdbc.sql("SELECT status FROM training_jobs WHERE id = :id").param("id", id).query(String.class).single();
    }

    private static EpochMetrics metrics(int epoch) {
        return new EpochMetrics(epoch, 1.0, 0.5, 0.5, 0.1, 100, 1000);
    }
}
