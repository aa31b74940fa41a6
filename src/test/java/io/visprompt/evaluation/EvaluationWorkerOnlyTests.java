package io.visprompt.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import io.visprompt.PostgresIntegrationTest;
import io.visprompt.TestArchives;
import io.visprompt.config.Tenant;
import io.visprompt.dataset.StoredDatasets;
import io.visprompt.training.QueuedJobs;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Evaluations in a worker-only process (no API): claimed from the one queue and run there, started again after
 * their worker's lease expired (the reaper requeues them), and stopped by a cancel while they run.
 */
@DirtiesContext // its workers and reaper must not touch other classes' jobs on a shared database
@TestPropertySource(properties = {"visprompt.api.enabled=false", "visprompt.training.workers=true",
        "visprompt.training.reaper=true", "visprompt.training.reaper-interval=500ms",
        "visprompt.training.heartbeat-interval=500ms", "visprompt.training.poll-interval=100ms"})
class EvaluationWorkerOnlyTests extends PostgresIntegrationTest {

    @Autowired
    ApplicationContext context;
    @Autowired
    EvaluationSubmission submission;
    @Autowired
    QueuedJobs jobs;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    TransactionTemplate transactions;
    @Autowired
    DataSource dataSource;

    private Tenant tenant;
    private UUID dataset;

    @BeforeEach
    void dataset() {
        tenant = new Tenant("worker-only-" + UUID.randomUUID().toString().substring(0, 8));
        dataset = StoredDatasets.importArchive(context, tenant, TestArchives.randomImageFolder(2, 40, 3), "random");
    }

    private EvaluationRequest bareClip(String split) {
        return new EvaluationRequest(null, "tiny-clip", List.of("class0", "class1"), dataset, split);
    }

    private QueuedJobs.Job finished(UUID id) {
        return await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                .until(() -> jobs.find(tenant, EvaluationRunner.KIND, id).orElseThrow(), QueuedJobs.Job::finished);
    }

    @Test
    void aWorkerOnlyProcessRunsAQueuedEvaluationToItsReport() {
        UUID id = submission.submit(tenant, bareClip("all"), null);

        QueuedJobs.Job job = finished(id);

        assertThat(job.status()).as("%s", job).isEqualTo("succeeded");
        assertThat(job.kind()).isEqualTo("evaluation");
        assertThat(job.step()).isEqualTo(240);
        assertThat(jdbc.sql("SELECT (report->>'examples')::int FROM evaluation_results WHERE job_id = :id")
                .param("id", id).query(Integer.class).single()).isEqualTo(240);
    }

    @Test
    void anEvaluationWhoseWorkerVanishedIsRequeuedByTheReaperAndRunAgain() {
        // a worker claimed it and died: the row says running, under a lease that has already expired
        UUID id = transactions.execute(tx -> {
            UUID submitted = submission.submit(tenant, bareClip("test"), null);
            jdbc.sql("""
                    UPDATE training_jobs SET status = 'running', phase = 'evaluating', attempt = 1,
                           lease_owner = 'vanished-worker', lease_expires_at = now() - interval '1 second',
                           started_at = now(), attempt_started_at = now(), attempt_start_step = 0
                     WHERE id = :id
                    """).param("id", submitted).update();
            return submitted;
        });

        QueuedJobs.Job job = finished(id);

        assertThat(job.status()).as("%s", job).isEqualTo("succeeded");
        assertThat(job.attempt()).isEqualTo(2);
        assertThat(jobs.events(id, 0, 100)).extracting(QueuedJobs.Event::type)
                .containsSubsequence("created", "lease_expired", "claimed", "succeeded");
        assertThat(jdbc.sql("SELECT count(*) FROM evaluation_results WHERE job_id = :id").param("id", id)
                .query(Long.class).single()).isEqualTo(1);
    }

    @Test
    void aCancelWhileTheEvaluationRunsStopsItWithoutAReport() throws Exception {
        UUID id;
        // Holding dataset_images locked stops the running evaluation where it reads its images: it is running, and
        // cannot finish, until the cancel is stored.
        try (Connection lock = dataSource.getConnection()) {
            lock.setAutoCommit(false);
            try (Statement statement = lock.createStatement()) {
                statement.execute("LOCK TABLE dataset_images IN ACCESS EXCLUSIVE MODE");
            }
            id = submission.submit(tenant, bareClip("all"), null);
            UUID submitted = id;
            await().atMost(Duration.ofMinutes(1)).until(() -> jobs.find(tenant, EvaluationRunner.KIND, submitted)
                    .orElseThrow().status().equals("running"));
            assertThat(jobs.cancel(tenant, EvaluationRunner.KIND, id)).contains("cancelling");
            lock.commit();
        }

        QueuedJobs.Job job = finished(id);

        assertThat(job.status()).as("%s", job).isEqualTo("cancelled");
        assertThat(job.step()).as("stopped at its first batch, not after the last").isLessThan(240);
        assertThat(jobs.events(id, 0, 100)).extracting(QueuedJobs.Event::type)
                .containsSubsequence("claimed", "cancel_requested", "cancelled");
        assertThat(jdbc.sql("SELECT count(*) FROM evaluation_results WHERE job_id = :id").param("id", id)
                .query(Long.class).single()).isZero();
    }

    /**
     * The worker shuts down while an evaluation runs (it is held at its first checkpoint, after image 128, so the
     * stop lands mid-way): the evaluation checkpoints after its next batch, goes back to the queue, and a restarted
     * worker goes on from image 160. Its report and mistakes equal those of the same evaluation run straight.
     */
    @Test
    void anEvaluationInterruptedByAWorkerRestartResumesFromItsCheckpointToTheStraightRunsReport() throws Exception {
        UUID straight = submission.submit(tenant, bareClip("all"), null);
        assertThat(finished(straight).status()).isEqualTo("succeeded");

        org.springframework.context.SmartLifecycle workers = context.getBean("workerPool",
                org.springframework.context.SmartLifecycle.class);
        UUID id;
        java.util.concurrent.CompletableFuture<Void> stopped;
        try (Connection lock = dataSource.getConnection()) {
            lock.setAutoCommit(false);
            try (Statement statement = lock.createStatement()) {
                statement.execute("LOCK TABLE training_job_checkpoints IN SHARE ROW EXCLUSIVE MODE");
            }
            id = submission.submit(tenant, bareClip("all"), null);
            await().atMost(Duration.ofMinutes(1)).until(() -> jdbc.sql("""
                    SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                     WHERE c.relname = 'training_job_checkpoints' AND NOT l.granted
                    """).query(Long.class).single() > 0);
            stopped = java.util.concurrent.CompletableFuture.runAsync(workers::stop);
            await().atMost(Duration.ofSeconds(10)).until(() -> !workers.isRunning());
            lock.commit();
        }
        stopped.get(1, java.util.concurrent.TimeUnit.MINUTES);
        QueuedJobs.Job suspended = jobs.find(tenant, EvaluationRunner.KIND, id).orElseThrow();
        assertThat(suspended.status()).as("%s", suspended).isEqualTo("queued");
        assertThat(jdbc.sql("SELECT step FROM training_job_checkpoints WHERE job_id = :id").param("id", id)
                .query(Long.class).single()).isEqualTo(160);

        workers.start();
        QueuedJobs.Job resumed = finished(id);

        assertThat(resumed.status()).as("%s", resumed).isEqualTo("succeeded");
        assertThat(jobs.events(id, 0, 100)).filteredOn(e -> e.type().equals("resumed")).singleElement()
                .satisfies(e -> assertThat(e.message()).contains("at image 160 of 240"));
        assertThat(resumed.resultJson()).contains("\"resumed_at_image\": 160");
        String straightReport = jdbc.sql("SELECT report::text FROM evaluation_results WHERE job_id = :id")
                .param("id", straight).query(String.class).single();
        String resumedReport = jdbc.sql("SELECT report::text FROM evaluation_results WHERE job_id = :id")
                .param("id", id).query(String.class).single();
        assertThat(resumedReport).isEqualTo(straightReport);
        assertThat(jdbc.sql("SELECT errors::text FROM evaluation_results WHERE job_id = :id").param("id", id)
                .query(String.class).single()).isEqualTo(jdbc.sql(
                        "SELECT errors::text FROM evaluation_results WHERE job_id = :id").param("id", straight)
                        .query(String.class).single());
    }
}
