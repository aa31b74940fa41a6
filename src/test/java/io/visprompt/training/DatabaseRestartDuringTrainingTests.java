package io.visprompt.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import io.visprompt.PostgresIntegrationTest;
import io.visprompt.RestartablePostgres;
import io.visprompt.TestArchives;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * PostgreSQL restarts ({@code pg_ctl stop -m fast}, then start on the same port and data) while a job trains: the
 * job must end {@code succeeded}, never {@code failed}. A short outage is ridden out inside the lease by retrying the
 * worker's writes; one longer than {@code transient-retry} (5 s here) gives the job back to the queue, and it
 * resumes from its last checkpoint. The application runs on a PostgreSQL of this class, through Hikari with a 1 s
 * connection timeout (so a refused connection fails fast and is retried).
 */
@TestPropertySource(properties = {"visprompt.training.workers=true", "visprompt.training.heartbeat-interval=1s",
        "visprompt.training.transient-retry=5s", "spring.datasource.hikari.connection-timeout=1000"})
class DatabaseRestartDuringTrainingTests extends PostgresIntegrationTest {

    static final RestartablePostgres postgres = new RestartablePostgres("visprompt-restart-pg");

    @DynamicPropertySource
    static void ownDatabase(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", postgres::jdbcUrl);
        registry.add("spring.datasource.username", postgres::username);
        registry.add("spring.datasource.password", () -> "");
    }

    @AfterAll
    static void stopDatabase() {
        postgres.stop();
    }

    @Autowired
    WorkerPool workers;
    @Autowired
    MeterRegistry meters;

    @Test
    void aShortRestartIsRiddenOutInsideTheLease() throws Exception {
        String id = submit(4);
        await().atMost(Duration.ofMinutes(2)).until(() -> job(id).at("/progress/step").asLong() > 0);
        double retriesBefore = count("visprompt.training.transient.retries");
        double requeuesBefore = count("visprompt.training.requeues");

        long stopped = System.nanoTime();
        postgres.stop();
        // the worker's next write meets the outage and retries; down for 3 s, within the 5 s of retries
        await().atMost(Duration.ofSeconds(3)).until(() -> count("visprompt.training.transient.retries") > retriesBefore);
        UUID job = UUID.fromString(id);
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> workers.runningJobs().contains(job));
        postgres.start();
        Duration outage = Duration.ofNanos(System.nanoTime() - stopped);

        JsonNode done = awaitEnd(id);
        report("short restart", outage, done, retriesBefore, requeuesBefore);
        assertThat(done.get("status").asString()).as("%s", done).isEqualTo("succeeded");
        assertThat(done.get("attempt").asInt()).as("kept its lease").isOne();
        assertThat(done.has("error")).isFalse();
        assertThat(count("visprompt.training.transient.retries")).isGreaterThan(retriesBefore);
        assertThat(count("visprompt.training.requeues")).isEqualTo(requeuesBefore);
    }

    @Test
    void aLongerOutageGivesTheJobBackAndItResumesFromItsCheckpoint() throws Exception {
        String id = submit(6);
        await().atMost(Duration.ofMinutes(2)).until(() -> job(id).at("/metrics/epoch").asInt(0) >= 1
                && "running".equals(job(id).get("status").asString()));
        double retriesBefore = count("visprompt.training.transient.retries");
        double requeuesBefore = count("visprompt.training.requeues");
        double resumesBefore = count("visprompt.training.resumes");

        long stopped = System.nanoTime();
        postgres.stop();
        // down for 9 s, as in the report of the failure (8-10 s): the worker keeps the job all along, failing nothing
        UUID job = UUID.fromString(id);
        await().during(Duration.ofSeconds(9)).atMost(Duration.ofSeconds(10))
                .until(() -> workers.runningJobs().contains(job));
        postgres.start();
        Duration outage = Duration.ofNanos(System.nanoTime() - stopped);

        JsonNode done = awaitEnd(id);
        report("long outage", outage, done, retriesBefore, requeuesBefore);
        assertThat(done.get("status").asString()).as("%s", done).isEqualTo("succeeded");
        assertThat(done.get("attempt").asInt()).as("released once, claimed again").isEqualTo(2);
        assertThat(done.has("error")).isFalse();
        assertThat(count("visprompt.training.requeues", "reason", "transient")).isEqualTo(requeuesBefore + 1);
        assertThat(count("visprompt.training.resumes")).isEqualTo(resumesBefore + 1);
        assertThat(eventTypes(id)).containsSubsequence("claimed", "released", "claimed", "resumed", "succeeded");
    }

    private String submit(int epochs) {
        ResponseEntity<JsonNode> upload = uploadDataset(TestArchives.fixture("fashion-border.zip"),
                "fashion-border.zip", "restart");
        assertThat(upload.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        ResponseEntity<JsonNode> created = postJson("/v1/training-jobs", Map.of("dataset_id",
                upload.getBody().get("id").asString(), "model", "fashion-cnn", "hyperparameters",
                Map.of("epochs", epochs, "batch_size", 32, "warmup_steps", 10, "seed", 1)));
        assertThat(created.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        return created.getBody().get("id").asString();
    }

    private JsonNode job(String id) {
        return getJson("/v1/training-jobs/" + id).getBody();
    }

    private JsonNode awaitEnd(String id) {
        return await().atMost(Duration.ofMinutes(3)).ignoreExceptions().until(() -> job(id),
                j -> List.of("succeeded", "failed", "cancelled").contains(j.get("status").asString()));
    }

    private List<String> eventTypes(String id) {
        List<String> types = new ArrayList<>();
        getJson("/v1/training-jobs/" + id + "/events?limit=100").getBody().get("data")
                .forEach(e -> types.add(e.get("type").asString()));
        return types;
    }

    private double count(String name, String... tags) {
        return meters.find(name).tags(tags).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    /** The figures of the run, for the record. */
    private void report(String scenario, Duration outage, JsonNode done, double retriesBefore, double requeuesBefore) {
        System.out.printf("DB-RESTART %s: outage %d ms; job %s after %d attempt(s), step %d/%d; transient retries %.0f, "
                + "requeues %.0f, resumes %.0f%n", scenario, outage.toMillis(), done.get("status").asString(),
                done.get("attempt").asInt(), done.at("/progress/step").asLong(), done.at("/progress/total_steps").asLong(),
                count("visprompt.training.transient.retries") - retriesBefore,
                count("visprompt.training.requeues") - requeuesBefore, count("visprompt.training.resumes"));
    }
}
