package io.visprompt.training;

import static io.visprompt.ServiceProcesses.awaitReady;
import static io.visprompt.ServiceProcesses.datasetUpload;
import static io.visprompt.ServiceProcesses.freePort;
import static io.visprompt.ServiceProcesses.serviceCommand;
import static io.visprompt.ServiceProcesses.sendOk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.visprompt.TestArchives;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two service processes (the packaged jar, each with its worker, heartbeat, reaper and sweep top-up) on one
 * PostgreSQL run one sweep: its trials run at the same time in both, no trial is claimed twice at once, and when one
 * process is killed (SIGKILL: no checkpoint on the way out, no release) mid-trial, its lease expires and the other
 * process resumes that trial from its last checkpoint: the sweep loses no trial.
 */
class SweepTwoWorkersIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String ADMIN_KEY = "vp_sweepit_" + "0123456789abcdef".repeat(3);
    private final List<Process> processes = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private EmbeddedPostgres postgres;

    @AfterEach
    void stopEverything() throws IOException {
        processes.forEach(Process::destroyForcibly);
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void twoWorkerProcessesRunASweepInParallelWithoutDoubleClaimsAndLoseNoTrialWhenOneIsKilled() throws Exception {
        postgres = EmbeddedPostgres.builder().start();
        JdbcClient db = JdbcClient.create(postgres.getPostgresDatabase());
        Path storage = Files.createTempDirectory("visprompt-sweep-it");
        int portA = freePort();
        Process first = start(portA, storage, "first");
        String base = "http://localhost:" + portA;
        awaitReady(http, base);
        int portB = freePort();
        Process second = start(portB, storage, "second");
        // both workers idle before the sweep exists: a second process still starting could miss every trial, since
        // the first alone runs this small sweep in well under a minute
        awaitReady(http, "http://localhost:" + portB);

        String dataset = JSON.readTree(sendOk(http,
                datasetUpload(base, ADMIN_KEY, TestArchives.fixture("fashion-border.zip")))).get("id").asString();
        String sweepBody = JSON.writeValueAsString(Map.of(
                "dataset_id", dataset, "model", "fashion-cnn", "strategy", "grid", "max_trials", 4,
                "max_epochs_per_trial", 6, "parallelism", 2,
                "space", Map.of("hyperparameters", Map.of("learning_rate", List.of(1, 2, 4, 8))),
                "hyperparameters", Map.of("batch_size", 16, "warmup_steps", 5, "checkpoint_every", 5)));
        UUID id = UUID.fromString(JSON.readTree(sendOk(http, HttpRequest.newBuilder(URI.create(base + "/v1/sweeps"))
                .header("Authorization", "Bearer " + ADMIN_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(sweepBody)))).get("id").asString());

        // both processes hold a trial at once, each past its first checkpoint
        await().atMost(Duration.ofMinutes(4)).until(() -> db.sql("""
                SELECT count(DISTINCT regexp_replace(j.lease_owner, '-w[0-9]+$', '')) FROM training_jobs j
                  JOIN training_job_checkpoints c ON c.job_id = j.id
                 WHERE j.sweep_id = :id AND j.status = 'running'
                """).param("id", id).query(Long.class).single() == 2);
        Map<String, Object> killedTrial = runningTrialOf(db, id, first.pid());
        UUID killedJob = (UUID) killedTrial.get("id");
        first.destroyForcibly(); // SIGKILL: no shutdown hook, no checkpoint on the way out, no release
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(db.sql("SELECT status FROM training_jobs WHERE id = :job").param("job", killedJob)
                .query(String.class).single()).as("nothing released it").isEqualTo("running");

        await().atMost(Duration.ofMinutes(8)).pollInterval(Duration.ofSeconds(1)).until(() -> db.sql(
                "SELECT status FROM sweeps WHERE id = :id").param("id", id).query(String.class).single(),
                status -> !status.equals("running"));
        assertThat(db.sql("SELECT status FROM sweeps WHERE id = :id").param("id", id).query(String.class).single())
                .isEqualTo("succeeded");
        assertThat(second.isAlive()).isTrue();

        List<Map<String, Object>> trials = db.sql("""
                SELECT id, status, attempt, started_at, finished_at,
                       (SELECT count(*) FROM training_job_events e WHERE e.job_id = j.id AND e.type = 'claimed') AS claims,
                       (SELECT count(*) FROM training_job_events e WHERE e.job_id = j.id
                         AND e.type IN ('released', 'lease_expired')) AS handovers,
                       (SELECT count(*) FROM training_job_events e WHERE e.job_id = j.id AND e.type = 'resumed'
                         AND e.message LIKE 'Resuming from the checkpoint%') AS resumes,
                       (SELECT count(*) FROM training_job_metrics m WHERE m.job_id = j.id) AS epochs
                  FROM training_jobs j WHERE sweep_id = :id ORDER BY sweep_trial
                """).param("id", id).query().listOfRows();
        assertThat(trials).hasSize(4);
        for (Map<String, Object> t : trials) {
            List<String> events = db.sql("""
                    SELECT type || ': ' || message FROM training_job_events WHERE job_id = :job ORDER BY id
                    """).param("job", t.get("id")).query(String.class).list();
            assertThat(t.get("status")).as("%s", events).isEqualTo("succeeded");
            assertThat(t.get("epochs")).isEqualTo(6L);
            long handovers = (Long) t.get("handovers");
            // a trial is claimed once, and once more after each handover: never by two workers at a time
            assertThat(t.get("claims")).as("%s", events).isEqualTo(1 + handovers);
            assertThat(((Number) t.get("attempt")).longValue()).isEqualTo(1 + handovers);
            assertThat(t.get("resumes")).as("a handed-over trial resumes from its checkpoint: %s", events)
                    .isEqualTo(handovers);
            boolean claimed = false;
            for (String e : events) {
                if (e.startsWith("claimed: ")) {
                    assertThat(claimed).as("claimed again before a handover: %s", events).isFalse();
                    claimed = true;
                } else if (e.startsWith("released: ") || e.startsWith("lease_expired: ")) {
                    claimed = false;
                }
            }
        }
        Map<String, Object> killed = trials.stream().filter(t -> t.get("id").equals(killedJob)).findFirst()
                .orElseThrow();
        assertThat(killed.get("handovers")).as("the killed process's trial: its lease expired, then it resumed")
                .isEqualTo(1L);
        assertThat(db.sql("""
                SELECT count(*) FROM training_job_events WHERE job_id = :job AND type = 'lease_expired'
                """).param("job", killedJob).query(Long.class).single()).isEqualTo(1L);
        assertThat(trials.stream().mapToLong(t -> (Long) t.get("handovers")).sum()).as("only that one")
                .isEqualTo(1L);
        // two trials' running intervals overlap
        boolean overlap = false;
        for (Map<String, Object> a : trials) {
            for (Map<String, Object> b : trials) {
                if (a != b && ((Timestamp) a.get("started_at")).before((Timestamp) b.get("finished_at"))
                        && ((Timestamp) b.get("started_at")).before((Timestamp) a.get("finished_at"))) {
                    overlap = true;
                }
            }
        }
        assertThat(overlap).isTrue();
        assertThat(db.sql("SELECT count(*) FROM sweep_events WHERE sweep_id = :id AND type = 'trial_submitted'")
                .param("id", id).query(Long.class).single()).as("each trial submitted once").isEqualTo(4L);
    }

    /** The trial the process with {@code pid} runs: its workers' names carry the process id. */
    private static Map<String, Object> runningTrialOf(JdbcClient db, UUID sweep, long pid) {
        return db.sql("""
                SELECT id, lease_owner FROM training_jobs
                 WHERE sweep_id = :id AND status = 'running' AND lease_owner LIKE :owner
                """).param("id", sweep).param("owner", "%-" + pid + "-%").query().singleRow();
    }

    private Process start(int port, Path storage, String name) throws IOException {
        Path log = Files.createTempFile("visprompt-sweep-" + name, ".log");
        // a short lease so the killed process's trial is requeued soon; retries stay well under it
        Process process = new ProcessBuilder(serviceCommand(port,
                postgres.getJdbcUrl("postgres", "postgres"), List.of("-Xmx1g"),
                "--visprompt.datasets.storage-dir=" + storage,
                "--visprompt.security.bootstrap-key=" + ADMIN_KEY,
                "--visprompt.training.lease-duration=10s",
                "--visprompt.training.transient-retry=3s",
                "--visprompt.training.heartbeat-interval=1s",
                "--visprompt.training.reaper-interval=1s",
                "--visprompt.training.progress-interval=0s"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(process);
        return process;
    }
}
