package io.visprompt.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

import io.micrometer.core.instrument.MeterRegistry;
import io.visprompt.PostgresIntegrationTest;
import io.visprompt.TestArchives;
import tools.jackson.databind.JsonNode;

/**
 * Remote models through HTTP: a second visprompt serves fashion-cnn bare over the Open Inference Protocol, behind a
 * server that injects faults. Registration checks the endpoint; black-box jobs train on it through 500s, 429s and
 * hangs, fail naming the endpoint when it stays down, and stop mid-query when cancelled; the auth secret never
 * shows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DirtiesContext
@ExtendWith(OutputCaptureExtension.class)
@TestPropertySource(properties = {"visprompt.training.workers=true", "visprompt.training.heartbeat-interval=300ms",
        "visprompt.remote.request-timeout=1s", "visprompt.remote.initial-backoff=20ms",
        "visprompt.remote.max-backoff=200ms", "visprompt.remote.max-attempts=6",
        "visprompt.remote.secret-directory=${java.io.tmpdir}/visprompt-remote-test-secrets"})
class RemoteModelTests extends PostgresIntegrationTest {

    static final List<String> LABELS = List.of("t-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
            "sneaker", "bag", "ankle boot");
    static final Path SECRETS = Path.of(System.getProperty("java.io.tmpdir"), "visprompt-remote-test-secrets");

    ServingVisprompt serving;
    FaultyEndpoint faulty;
    String datasetId;

    @Autowired
    MeterRegistry meters;

    @BeforeAll
    void startServingSide() throws IOException {
        Files.createDirectories(SECRETS);
        Files.writeString(SECRETS.resolve("serving-token"), "Bearer " + ServingVisprompt.KEY + "\n");
        serving = ServingVisprompt.inThisJvm();
        faulty = new FaultyEndpoint(serving.url());
        httpClient();
        datasetId = uploadDataset(TestArchives.fixture("fashion-border.zip"), "fashion-border.zip",
                "fashion-border-remote").getBody().get("id").asString();
    }

    @AfterAll
    void stopServingSide() {
        faulty.close();
        serving.close();
    }

    @Test
    void theServingSideAnswersMetadataReadinessAndInferenceForABareCatalogModel() {
        var remote = org.springframework.web.client.RestClient.builder().baseUrl(serving.url())
                .defaultHeader("Authorization", "Bearer " + ServingVisprompt.KEY)
                .defaultStatusHandler(status -> true, (request, response) -> { }).build();
        JsonNode metadata = remote.get().uri("/v2/models/fashion-cnn").retrieve().body(JsonNode.class);
        assertThat(metadata.at("/inputs/1/name").asString()).isEqualTo("pixels");
        assertThat(metadata.at("/inputs/1/shape").toString()).isEqualTo("[-1,3,32,32]");
        assertThat(metadata.at("/outputs/0/shape").toString()).isEqualTo("[-1,10]");
        assertThat(remote.get().uri("/v2/models/fashion-cnn/ready").retrieve().toEntity(JsonNode.class)
                .getStatusCode()).isEqualTo(HttpStatus.OK);
        float[] zeros = new float[2 * 3 * 32 * 32];
        JsonNode answer = remote.post().uri("/v2/models/fashion-cnn/infer").body(Map.of("inputs", List.of(Map.of(
                "name", "pixels", "shape", List.of(2, 3, 32, 32), "datatype", "FP32", "data", zeros))))
                .retrieve().body(JsonNode.class);
        assertThat(answer.at("/outputs/0/shape").toString()).isEqualTo("[2,10]");
        double sum = 0;
        for (int i = 0; i < 10; i++) {
            sum += answer.at("/outputs/0/data/" + i).asDouble();
        }
        assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
        assertThat(remote.get().uri("/v2/models/no-such-model").retrieve().toEntity(JsonNode.class)
                .getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
    }

    @Test
    void badRegistrationsGetStableCodes() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        assertRefused(registration(unique("down"), "http://127.0.0.1:" + closedPort, 32), 400, "remote_unreachable");
        assertRefused(registration(unique("html"), faulty.url() + "/html", 32), 400, "remote_not_oip");
        assertRefused(registration(unique("size"), serving.url(), 64), 400, "remote_metadata_mismatch");
        Map<String, Object> wrongClasses = registration(unique("classes"), serving.url(), 32);
        wrongClasses.put("class_names", List.of("a", "b", "c"));
        assertRefused(wrongClasses, 400, "remote_metadata_mismatch");
        Map<String, Object> outsideSecrets = registration(unique("secret"), serving.url(), 32);
        outsideSecrets.put("auth", Map.of("header", "Authorization", "file", "/etc/passwd"));
        assertRefused(outsideSecrets, 400, "invalid_field");
        Map<String, Object> anyEnv = registration(unique("env"), serving.url(), 32);
        anyEnv.put("auth", Map.of("header", "Authorization", "env", "SPRING_DATASOURCE_PASSWORD"));
        assertRefused(anyEnv, 400, "invalid_field");
        Map<String, Object> userInfo = registration(unique("userinfo"), "http://user:pw@127.0.0.1:1", 32);
        assertRefused(userInfo, 400, "invalid_field");
        assertRefused(registration("fashion-cnn", serving.url(), 32), 409, "remote_model_exists");

        String name = unique("ok");
        ResponseEntity<JsonNode> created = postJson("/v1/models", registration(name, serving.url(), 32));
        assertThat(created.getStatusCode()).as(String.valueOf(created.getBody())).isEqualTo(HttpStatus.CREATED);
        assertThat(created.getBody().get("kind").asString()).isEqualTo("remote");
        assertThat(created.getBody().at("/auth/file").asString()).endsWith("serving-token");
        assertThat(getJson("/v1/remote-models/" + name).getBody().get("url").asString()).isEqualTo(serving.url());
        assertRefused(registration(name, serving.url(), 32), 409, "remote_model_exists");
        assertThat(created.getBody().toString()).doesNotContain(ServingVisprompt.KEY);
    }

    @Test
    void aWhiteBoxOptimizerIsRefusedForARemoteModel() {
        String name = register(serving.url());
        ResponseEntity<JsonNode> refused = postJson("/v1/training-jobs", Map.of("dataset_id", datasetId,
                "model", name, "hyperparameters", Map.of("optimizer", "sgd")));
        assertThat(refused.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(refused.getBody().toString()).contains("hyperparameters.optimizer");
    }

    @Test
    void aJobFinishesThrough500s429sAndHangsAndCountsItsRetries(CapturedOutput output) {
        faulty.faults(7, 11, 13);
        String name = register(faulty.url());
        JsonNode job = awaitEnd(submit(name, "rgf", 60, 4), Duration.ofMinutes(4));

        assertThat(job.get("status").asString()).as(job.toString()).isEqualTo("succeeded");
        assertThat(faulty.injected500.get()).isPositive();
        assertThat(faulty.injected429.get()).isPositive();
        assertThat(faulty.injectedHangs.get()).isPositive();
        assertThat(job.at("/result/remote_retries").asLong()).isGreaterThanOrEqualTo(
                faulty.injected500.get() + faulty.injected429.get() + faulty.injectedHangs.get());
        assertThat(job.at("/progress/queries/used").asLong()).isEqualTo(60);
        assertThat(job.at("/progress/queries/budget").asLong()).isEqualTo(60);
        assertThat(job.at("/progress/queries/retries").asLong()).isPositive();
        assertThat(meters.find("visprompt.remote.retries").counters()).isNotEmpty();
        assertThat(meters.find("visprompt.remote.query.latency").timers()).isNotEmpty();
        assertNoSecretIn(job, output);
    }

    @Test
    void aJobFailsNamingTheEndpointWhenItStaysDown(CapturedOutput output) throws IOException {
        try (FaultyEndpoint doomed = new FaultyEndpoint(serving.url())) {
            String name = register(doomed.url());
            doomed.goDown();
            JsonNode job = awaitEnd(submit(name, "spsa_gc", 40, 2), Duration.ofMinutes(2));

            assertThat(job.get("status").asString()).isEqualTo("failed");
            assertThat(job.get("error_code").asString()).isEqualTo("remote_endpoint_unavailable");
            assertThat(job.get("error").asString()).contains(doomed.url()).contains("HTTP 503");
            assertNoSecretIn(job, output);
        }
        // the registration and other models are untouched
        assertThat(getJson("/v1/models/fashion-cnn").getStatusCode()).isEqualTo(HttpStatus.OK);
    }

    @Test
    void cancelStopsAJobWhoseQueryHangs() throws IOException {
        try (FaultyEndpoint hanging = new FaultyEndpoint(serving.url())) {
            String name = register(hanging.url());
            hanging.hangAll(Duration.ofSeconds(30));
            String id = submit(name, "spsa_gc", 40, 2);
            await().atMost(Duration.ofSeconds(30)).until(() -> hanging.injectedHangs.get() > 0);
            assertThat(http.post().uri("/v1/training-jobs/" + id + "/cancel").retrieve().toEntity(JsonNode.class)
                    .getStatusCode().is2xxSuccessful()).isTrue();
            // well before the query's own timeout-and-retries (6 tries of 1 s) would end it
            JsonNode job = awaitEnd(id, Duration.ofSeconds(4));
            assertThat(job.get("status").asString()).isEqualTo("cancelled");
        }
    }

    private void assertNoSecretIn(JsonNode job, CapturedOutput output) {
        String id = job.get("id").asString();
        String secret = ServingVisprompt.KEY.substring(ServingVisprompt.KEY.lastIndexOf('_') + 1);
        assertThat(job.toString()).doesNotContain(secret);
        assertThat(getJson("/v1/training-jobs/" + id + "/events").getBody().toString()).doesNotContain(secret);
        assertThat(getJson("/v1/remote-models").getBody().toString()).doesNotContain(secret);
        assertThat(output.getAll()).doesNotContain(secret);
    }

    private String submit(String model, String optimizer, int budget, int queriesPerStep) {
        ResponseEntity<JsonNode> created = postJson("/v1/training-jobs", Map.of("dataset_id", datasetId,
                "model", model, "output", Map.of("label_mapping", "by_name"), "hyperparameters", Map.of(
                        "optimizer", optimizer, "epochs", 2, "batch_size", 32, "query_budget", budget,
                        "queries_per_step", queriesPerStep)));
        assertThat(created.getStatusCode()).as(String.valueOf(created.getBody())).isEqualTo(HttpStatus.CREATED);
        return created.getBody().get("id").asString();
    }

    private String register(String url) {
        String name = unique("remote");
        ResponseEntity<JsonNode> created = postJson("/v1/models", registration(name, url, 32));
        assertThat(created.getStatusCode()).as(String.valueOf(created.getBody())).isEqualTo(HttpStatus.CREATED);
        return name;
    }

    static Map<String, Object> registration(String name, String url, int size) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("kind", "remote");
        body.put("name", name);
        body.put("url", url);
        body.put("model", "fashion-cnn");
        body.put("input", Map.of("name", "pixels", "shape", List.of(-1, 3, size, size), "datatype", "FP32",
                "layout", "NCHW"));
        body.put("output", Map.of("name", "probabilities", "kind", "probabilities"));
        body.put("preprocessing", Map.of("size", size, "raw", true));
        body.put("class_names", LABELS);
        body.put("auth", Map.of("header", "Authorization", "file", SECRETS.resolve("serving-token").toString()));
        return body;
    }

    private void assertRefused(Map<String, Object> body, int status, String code) {
        ResponseEntity<JsonNode> refused = postJson("/v1/models", body);
        assertThat(refused.getStatusCode().value()).as(String.valueOf(refused.getBody())).isEqualTo(status);
        assertThat(refused.getBody().get("code").asString()).isEqualTo(code);
        assertThat(refused.getBody().toString()).doesNotContain(ServingVisprompt.KEY);
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private JsonNode awaitEnd(String id, Duration timeout) {
        return await().atMost(timeout).pollInterval(Duration.ofMillis(200))
                .until(() -> getJson("/v1/training-jobs/" + id).getBody(),
                        job -> List.of("succeeded", "failed", "cancelled").contains(job.get("status").asString()));
    }
}
