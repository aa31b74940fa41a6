package io.visprompt.deploy;

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
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.visprompt.TestArchives;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two real service processes on one real PostgreSQL: SIGTERM to the worker running a job makes it checkpoint and
 * release the job, and a second process resumes it from that checkpoint rather than from scratch.
 */
class WorkerHandoverIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** The admin key both processes are configured with (stored hashed by whichever starts first). */
    private static final String ADMIN_KEY = "vp_handover_" + "0123456789abcdef".repeat(3);
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
    void sigtermedWorkerHandsItsJobToAnotherProcessThatResumesFromTheCheckpoint() throws Exception {
        postgres = EmbeddedPostgres.builder().start();
        Path storage = Files.createTempDirectory("visprompt-handover");
        JdbcClient db = JdbcClient.create(postgres.getPostgresDatabase());

        int portA = freePort();
        Process first = start(portA, storage, "first");
        String base = "http://localhost:" + portA;
        awaitReady(http, base);
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/v1/training-jobs")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).as("no key").isEqualTo(401);

        String datasetId = JSON.readTree(sendOk(http,
                datasetUpload(base, ADMIN_KEY, TestArchives.fixture("fashion-border.zip")))).get("id").asString();
        String body = """
                {"dataset_id": "%s", "model": "fashion-cnn",
                 "hyperparameters": {"epochs": 400, "batch_size": 16, "warmup_steps": 10, "checkpoint_every": 5}}
                """.formatted(datasetId);
        String jobId = JSON.readTree(sendOk(http, HttpRequest.newBuilder(URI.create(base + "/v1/training-jobs"))
                .header("Authorization", "Bearer " + ADMIN_KEY).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)))).get("id").asString();
        UUID job = UUID.fromString(jobId);

        await().atMost(Duration.ofMinutes(3)).until(() -> db.sql("SELECT step FROM training_job_checkpoints WHERE job_id = :id")
                .param("id", job).query(Long.class).optional().orElse(0L) >= 10);

        first.destroy(); // SIGTERM
        assertThat(first.waitFor(90, TimeUnit.SECONDS)).as("graceful exit").isTrue();

        var released = db.sql("SELECT status, lease_owner, attempt, step FROM training_jobs WHERE id = :id")
                .param("id", job).query().singleRow();
        assertThat(released.get("status")).isEqualTo("queued");
        assertThat(released.get("lease_owner")).isNull();
        long checkpointStep = db.sql("SELECT step FROM training_job_checkpoints WHERE job_id = :id")
                .param("id", job).query(Long.class).single();
        assertThat(checkpointStep).as("the checkpoint written on SIGTERM").isEqualTo((Long) released.get("step"));

        int portB = freePort();
        start(portB, storage, "second");
        await().atMost(Duration.ofMinutes(3)).until(() -> db.sql("SELECT attempt = 2 AND status = 'running' AND step > :step FROM training_jobs WHERE id = :id")
                .param("id", job).param("step", checkpointStep).query(Boolean.class).single());

        List<String> events = db.sql("SELECT type || ': ' || message FROM training_job_events WHERE job_id = :id ORDER BY id")
                .param("id", job).query(String.class).list();
        assertThat(events).anyMatch(e -> e.startsWith("released: "));
        assertThat(events).anyMatch(e -> e.startsWith("resumed: Resuming from the checkpoint at step " + checkpointStep + " "));
        assertThat(db.sql("SELECT count(*) FROM training_job_events WHERE job_id = :id AND type = 'claimed'")
                .param("id", job).query(Long.class).single()).isEqualTo(2);
    }

    private Process start(int port, Path storage, String name) throws IOException {
        Path log = Files.createTempFile("visprompt-" + name, ".log");
        Process process = new ProcessBuilder(serviceCommand(port,
                postgres.getJdbcUrl("postgres", "postgres"), List.of("-Xmx1g"),
                "--visprompt.datasets.storage-dir=" + storage,
                "--visprompt.security.bootstrap-key=" + ADMIN_KEY,
                "--visprompt.training.heartbeat-interval=1s",
                "--visprompt.training.progress-interval=0s"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(process);
        return process;
    }
}
