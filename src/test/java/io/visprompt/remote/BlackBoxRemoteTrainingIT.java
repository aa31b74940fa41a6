package io.visprompt.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

import io.visprompt.PostgresIntegrationTest;
import io.visprompt.TestArchives;
import tools.jackson.databind.JsonNode;

/**
 * The proof of black-box prompting end to end, through HTTP: a second visprompt, a process of the packaged jar on its
 * own embedded PostgreSQL, serves fashion-cnn bare over the Open Inference Protocol; this one registers it as a remote
 * model and trains a padding prompt for fashion-border with SPSA-GC from queries alone, then trains white-box on its
 * own copy of the model with the same data for comparison. Prints the figures (queries, wall time, test accuracy) for
 * the README.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DirtiesContext
@TestPropertySource(properties = {"visprompt.training.workers=true", "visprompt.training.heartbeat-interval=1s",
        "visprompt.remote.secret-directory=${java.io.tmpdir}/visprompt-remote-test-secrets"})
class BlackBoxRemoteTrainingIT extends PostgresIntegrationTest {

    static final int BUDGET = Integer.getInteger("bb.budget", 3000);

    ServingVisprompt serving;
    String datasetId;

    @BeforeAll
    void startServingSide() throws IOException {
        Files.createDirectories(RemoteModelTests.SECRETS);
        Files.writeString(RemoteModelTests.SECRETS.resolve("serving-token"), "Bearer " + ServingVisprompt.KEY);
        serving = ServingVisprompt.packagedJar();
        httpClient();
        datasetId = uploadDataset(TestArchives.fixture("fashion-border.zip"), "fashion-border.zip",
                "fashion-border-blackbox").getBody().get("id").asString();
    }

    @AfterAll
    void stopServingSide() {
        serving.close();
    }

    @Test
    void spsaGcOverOipClearlyBeatsTheUnpromptedModel() {
        String name = "fashion-remote-" + UUID.randomUUID().toString().substring(0, 8);
        ResponseEntity<JsonNode> registered = postJson("/v1/models", RemoteModelTests.registration(name,
                serving.url(), 32));
        assertThat(registered.getStatusCode()).as(String.valueOf(registered.getBody())).isEqualTo(HttpStatus.CREATED);

        JsonNode blackBox = train(name, Map.of("optimizer", "spsa_gc", "epochs", 1000, "batch_size", 32,
                "query_budget", BUDGET, "queries_per_step", 10));
        JsonNode whiteBox = train("fashion-cnn", Map.of("optimizer", "sgd", "epochs", 10, "batch_size", 32,
                "learning_rate", 4, "warmup_steps", 20));

        double baseline = blackBox.at("/result/baseline_test_accuracy").asDouble();
        double prompted = blackBox.at("/result/prompted_test_accuracy").asDouble();
        System.out.printf("black-box spsa_gc over OIP: %d training queries (+%d evaluation), %d retries, %.0f s, "
                + "%.1f queries/s, %.1f ms per query; test accuracy unprompted %.4f, prompted %.4f%n",
                blackBox.at("/progress/queries/used").asLong(),
                blackBox.at("/result/remote_queries").asLong() - blackBox.at("/progress/queries/used").asLong(),
                blackBox.at("/result/remote_retries").asLong(), seconds(blackBox),
                blackBox.at("/progress/queries/queries_per_second").asDouble(),
                blackBox.at("/progress/queries/mean_latency_ms").asDouble(), baseline, prompted);
        System.out.printf("white-box sgd on the local model: %d steps, %.0f s; test accuracy unprompted %.4f, "
                + "prompted %.4f%n", whiteBox.at("/progress/step").asLong(), seconds(whiteBox),
                whiteBox.at("/result/baseline_test_accuracy").asDouble(),
                whiteBox.at("/result/prompted_test_accuracy").asDouble());

        assertThat(blackBox.at("/progress/queries/used").asLong()).isEqualTo(BUDGET);
        assertThat(baseline).isLessThan(0.2);
        assertThat(prompted).as("black-box clearly beats the unprompted model").isGreaterThan(baseline + 0.2);
    }

    private JsonNode train(String model, Map<String, Object> hyperparameters) {
        ResponseEntity<JsonNode> created = postJson("/v1/training-jobs", Map.of("dataset_id", datasetId,
                "model", model, "output", Map.of("label_mapping", "by_name"), "hyperparameters", hyperparameters));
        assertThat(created.getStatusCode()).as(String.valueOf(created.getBody())).isEqualTo(HttpStatus.CREATED);
        String id = created.getBody().get("id").asString();
        JsonNode job = await().atMost(Duration.ofMinutes(30)).pollInterval(Duration.ofSeconds(1))
                .until(() -> getJson("/v1/training-jobs/" + id).getBody(),
                        j -> List.of("succeeded", "failed", "cancelled").contains(j.get("status").asString()));
        assertThat(job.get("status").asString()).as(job.toString()).isEqualTo("succeeded");
        return job;
    }

    private static double seconds(JsonNode job) {
        return Duration.between(java.time.Instant.parse(job.get("started_at").asString()),
                java.time.Instant.parse(job.get("finished_at").asString())).toMillis() / 1000.0;
    }
}
