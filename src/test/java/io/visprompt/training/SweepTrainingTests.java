package io.visprompt.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.visprompt.PostgresIntegrationTest;
import io.visprompt.TestArchives;
import io.visprompt.TestImages;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import tools.jackson.databind.JsonNode;

/**
 * An ASHA sweep end to end through HTTP with a real worker: trials train as jobs, ASHA stops the weak ones at the
 * rung (status {@code stopped}, with a prompt and a checkpoint), and the best trial's prompt classifies at once.
 */
@DirtiesContext
@TestPropertySource(properties = {"visprompt.training.workers=true", "visprompt.training.heartbeat-interval=1s",
        "visprompt.inference.max-batch-wait=20ms"})
class SweepTrainingTests extends PostgresIntegrationTest {

    static final byte[] DATASET = TestArchives.fixture("fashion-border.zip");

    @Autowired
    JdbcClient jdbc;

    @Test
    void anAshaSweepStopsWeakTrialsAtTheRungAndItsBestPromptClassifies() {
        String dataset = uploadDataset(DATASET, "fashion-border.zip", "sweep-fashion").getBody().get("id").asString();
        Map<String, Object> body = new HashMap<>(Map.of("dataset_id", dataset, "model", "fashion-cnn",
                "strategy", "asha", "seed", 1, "max_trials", 4, "max_epochs_per_trial", 3, "parallelism", 2,
                "asha", Map.of("eta", 3, "min_epochs", 1),
                "space", Map.of("hyperparameters", Map.of("learning_rate", List.of(0.01, 0.03, 4, 8)))));
        body.put("output", Map.of("label_mapping", "by_name"));
        body.put("hyperparameters", Map.of("batch_size", 32, "warmup_steps", 5, "seed", 0));
        ResponseEntity<JsonNode> created = postJson("/v1/sweeps", body);
        assertThat(created.getStatusCode()).as("%s", created.getBody()).isEqualTo(HttpStatus.CREATED);
        String id = created.getBody().get("id").asString();
        assertThat(created.getBody().at("/asha/rungs").toString()).isEqualTo("[1]");

        JsonNode sweep = await().atMost(Duration.ofMinutes(8)).pollInterval(Duration.ofSeconds(1))
                .until(() -> getJson("/v1/sweeps/" + id).getBody(), s -> !s.get("status").asString().equals("running"));
        assertThat(sweep.get("status").asString()).as("%s", sweep).isEqualTo("succeeded");
        JsonNode board = sweep.get("leaderboard");
        assertThat(board).hasSize(4);
        long epochs = 0;
        int stopped = 0;
        double bestSeen = 0;
        for (JsonNode trial : board) {
            String status = trial.get("status").asString();
            assertThat(status).isIn("succeeded", "stopped");
            assertThat(trial.get("prompt_id").asString()).isNotBlank();
            assertThat(trial.get("validation_curve")).hasSize(trial.get("epochs_used").asInt());
            if (status.equals("stopped")) {
                stopped++;
                assertThat(trial.get("epochs_used").asInt()).as("stopped at the rung").isEqualTo(1);
                assertThat(trial.get("stopped_reason").asString()).startsWith("ASHA: paused at epoch 1");
            } else {
                assertThat(trial.get("epochs_used").asInt()).isEqualTo(3);
            }
            epochs += trial.get("epochs_used").asInt();
            bestSeen = Math.max(bestSeen, trial.get("best_validation_accuracy").asDouble());
        }
        assertThat(stopped).as("the learning rates 0.01 and 0.03 barely move the prompt").isPositive();
        assertThat(sweep.at("/compute/epochs_used").asLong()).isEqualTo(epochs).isLessThan(12);
        assertThat(sweep.at("/compute/full_run_epochs").asLong()).isEqualTo(12);
        assertThat(sweep.at("/best/best_validation_accuracy").asDouble()).isEqualTo(bestSeen);
        assertThat(sweep.at("/best/trial").asInt()).isEqualTo(board.get(0).get("trial").asInt());

        // every promotion came after the sweep had started all its trials (breadth-first), was of a trial in the
        // top floor(n/3) of the results the rung had then, and at the end the rung's top floor(4/3) have gone on
        List<Map<String, Object>> rung = jdbc.sql("""
                SELECT job_id, validation_accuracy, promoted, recorded_at, promoted_at FROM sweep_rungs
                 WHERE sweep_id = ?::uuid ORDER BY recorded_at
                """).param(id).query().listOfRows();
        assertThat(rung).hasSize(4);
        AshaRungs asha = new AshaRungs(1, 3, 3);
        java.sql.Timestamp lastStarted = jdbc.sql("SELECT max(created_at) FROM training_jobs WHERE sweep_id = ?::uuid")
                .param(id).query(java.sql.Timestamp.class).single();
        for (Map<String, Object> r : rung) {
            if (!(Boolean) r.get("promoted")) {
                continue;
            }
            java.sql.Timestamp at = (java.sql.Timestamp) r.get("promoted_at");
            assertThat(at).as("promoted %s before the last trial started", r).isAfterOrEqualTo(lastStarted);
            List<Map<String, Object>> then = rung.stream()
                    .filter(o -> !((java.sql.Timestamp) o.get("recorded_at")).after(at)).toList();
            long better = then.stream().filter(o -> (Double) o.get("validation_accuracy")
                    > (Double) r.get("validation_accuracy")).count();
            assertThat(better).as("promoted %s among %s", r, then).isLessThan(asha.topCount(then.size()));
        }
        Map<String, Object> best = rung.stream()
                .max(java.util.Comparator.comparingDouble(r -> (Double) r.get("validation_accuracy"))).orElseThrow();
        assertThat(best.get("promoted")).isEqualTo(true);
        assertThat((long) stopped).isEqualTo(rung.stream().filter(r -> !(Boolean) r.get("promoted")).count());

        // a stopped trial is an ordinary job that ended as stopped, its checkpoint kept
        String stoppedJob = board.findValues("job_id").stream().map(JsonNode::asString)
                .filter(j -> getJson("/v1/training-jobs/" + j).getBody().get("status").asString().equals("stopped"))
                .findFirst().orElseThrow();
        List<String> types = new ArrayList<>();
        getJson("/v1/training-jobs/" + stoppedJob + "/events").getBody().get("data")
                .forEach(e -> types.add(e.get("type").asString()));
        assertThat(types).startsWith("created", "claimed").endsWith("stopped");
        assertThat(jdbc.sql("SELECT completed_epochs FROM training_job_checkpoints WHERE job_id = ?::uuid")
                .param(stoppedJob).query(Integer.class).single()).isEqualTo(1);

        List<String> sweepEvents = new ArrayList<>();
        getJson("/v1/sweeps/" + id + "/events?limit=100").getBody().get("data")
                .forEach(e -> sweepEvents.add(e.get("type").asString()));
        assertThat(sweepEvents).startsWith("created").endsWith("succeeded").contains("trial_stopped");
        assertThat(sweepEvents.stream().filter("trial_submitted"::equals)).hasSize(4);

        byte[] image = TestImages.testSplit(DATASET).values().iterator().next();
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("image", filePart(image, "image.png", MediaType.APPLICATION_OCTET_STREAM));
        parts.add("prompt_id", sweep.at("/best/prompt_id").asString());
        ResponseEntity<JsonNode> classified = http.post().uri("/v1/classify").contentType(MediaType.MULTIPART_FORM_DATA)
                .body(parts).retrieve().toEntity(JsonNode.class);
        assertThat(classified.getStatusCode()).as("%s", classified.getBody()).isEqualTo(HttpStatus.OK);
        assertThat(classified.getBody().at("/predictions/0/label").asString()).isNotBlank();
        assertThat(UUID.fromString(sweep.at("/best/job_id").asString())).isNotNull();
    }

    /**
     * A trial ASHA stopped is resumed on request: POST /v1/training-jobs/{id}/resume queues it again, and a worker
     * continues it from the checkpoint after the epoch it stopped at (not from scratch) to its last epoch.
     */
    @Test
    void aStoppedTrialResumedOnRequestContinuesFromItsCheckpointAndFinishes() {
        String dataset = uploadDataset(DATASET, "fashion-border.zip", "resume-fashion").getBody().get("id").asString();
        // three trials at one rung (epoch 1): floor(3/3) = 1 goes on, the other two end stopped after epoch 1
        Map<String, Object> body = new HashMap<>(Map.of("dataset_id", dataset, "model", "fashion-cnn",
                "strategy", "asha", "seed", 2, "max_trials", 3, "max_epochs_per_trial", 3, "parallelism", 1,
                "space", Map.of("hyperparameters", Map.of("learning_rate", List.of(0.01, 1, 4)))));
        body.put("hyperparameters", Map.of("batch_size", 32, "warmup_steps", 5, "seed", 0));
        String sweep = postJson("/v1/sweeps", body).getBody().get("id").asString();
        JsonNode ended = await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1))
                .until(() -> getJson("/v1/sweeps/" + sweep).getBody(), s -> !s.get("status").asString().equals("running"));
        List<String> stopped = new ArrayList<>();
        String finished = null;
        for (JsonNode trial : ended.get("leaderboard")) {
            if (trial.get("status").asString().equals("stopped")) {
                stopped.add(trial.get("job_id").asString());
            } else {
                finished = trial.get("job_id").asString();
            }
        }
        assertThat(stopped).as("%s", ended).hasSize(2);
        String job = stopped.get(0);
        String stoppedPrompt = getJson("/v1/training-jobs/" + job).getBody().at("/result/prompt_id").asString();
        long checkpointStep = jdbc.sql("SELECT step FROM training_job_checkpoints WHERE job_id = ?::uuid").param(job)
                .query(Long.class).single();

        ResponseEntity<JsonNode> refused = postJson("/v1/training-jobs/" + finished + "/resume", Map.of());
        assertThat(refused.getStatusCode()).isEqualTo(HttpStatus.CONFLICT);
        assertThat(refused.getBody().get("code").asString()).isEqualTo("job_not_stopped");
        assertThat(postJson("/v1/training-jobs/" + UUID.randomUUID() + "/resume", Map.of()).getStatusCode())
                .isEqualTo(HttpStatus.NOT_FOUND);
        String tenant = "resumer-" + UUID.randomUUID().toString().substring(0, 8);
        String otherKey = postJson("/v1/api-keys", Map.of("name", "resume", "tenant", tenant,
                "scopes", List.of("jobs:read", "jobs:write"))).getBody().get("key").asString();
        assertThat(client(otherKey).post().uri("/v1/training-jobs/" + job + "/resume").retrieve()
                .toEntity(JsonNode.class).getStatusCode()).as("another tenant's job").isEqualTo(HttpStatus.NOT_FOUND);
        String readerKey = postJson("/v1/api-keys", Map.of("name", "resume", "tenant", tenant,
                "scopes", List.of("jobs:read"))).getBody().get("key").asString();
        assertThat(client(readerKey).post().uri("/v1/training-jobs/" + job + "/resume").retrieve()
                .toEntity(JsonNode.class).getStatusCode()).as("jobs:write needed").isEqualTo(HttpStatus.FORBIDDEN);

        ResponseEntity<JsonNode> resumed = postJson("/v1/training-jobs/" + job + "/resume", Map.of());
        assertThat(resumed.getStatusCode()).as("%s", resumed.getBody()).isEqualTo(HttpStatus.ACCEPTED);
        assertThat(resumed.getBody().get("status").asString()).isIn("queued", "running");
        assertThat(postJson("/v1/training-jobs/" + job + "/resume", Map.of()).getBody().get("code").asString())
                .as("resumed once").isEqualTo("job_not_stopped");

        JsonNode done = await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                .until(() -> getJson("/v1/training-jobs/" + job).getBody(),
                        j -> JobStatus.fromWire(j.get("status").asString()).isTerminal());
        assertThat(done.get("status").asString()).as("%s", done).isEqualTo("succeeded");
        assertThat(getJson("/v1/training-jobs/" + job + "/metrics").getBody().get("data")).hasSize(3);
        List<String> events = new ArrayList<>();
        getJson("/v1/training-jobs/" + job + "/events?limit=100").getBody().get("data")
                .forEach(e -> events.add(e.get("type").asString() + ": " + e.get("message").asString()));
        assertThat(events).as("%s", events).anyMatch(e -> e.startsWith("requeued: Resume requested"))
                .anyMatch(e -> e.startsWith("resumed: Resuming from the checkpoint at step " + checkpointStep
                        + " (1 epochs done)"));
        assertThat(events.get(events.size() - 1)).startsWith("succeeded");
        String newPrompt = done.at("/result/prompt_id").asString();
        assertThat(newPrompt).isNotEqualTo(stoppedPrompt);
        assertThat(getJson("/v1/prompts/" + stoppedPrompt).getStatusCode()).as("the stopped trial's prompt is kept")
                .isEqualTo(HttpStatus.OK);
    }
}
