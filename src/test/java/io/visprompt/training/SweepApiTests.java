package io.visprompt.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.visprompt.PostgresIntegrationTest;
import io.visprompt.TestArchives;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;

/**
 * The sweeps API without workers: the planned trials, refusals, tenant isolation, scopes, the concurrent-jobs quota
 * (trials wait for it instead of failing) and cancel.
 */
class SweepApiTests extends PostgresIntegrationTest {

    // The tenant with a quota of one job is named per test run: on a shared database, a job an earlier (or killed)
    // run left running under a fixed name would take that one place.
    static final String QUOTA_TENANT = "sweep-quota-" + UUID.randomUUID().toString().substring(0, 8);

    @DynamicPropertySource
    static void quota(DynamicPropertyRegistry registry) {
        registry.add("visprompt.security.quotas.tenants." + QUOTA_TENANT + ".concurrent-jobs", () -> "1");
    }

    @Autowired
    JdbcClient jdbc;

    @Test
    void aGridSweepPlansEveryCombinationAndQueuesParallelismTrialsAsJobs() {
        String dataset = dataset(http);
        ResponseEntity<JsonNode> created = postJson("/v1/sweeps", Map.of("dataset_id", dataset,
                "model", "fashion-cnn", "strategy", "grid", "max_trials", 6, "max_epochs_per_trial", 2,
                "parallelism", 2, "space", Map.of("prompt", Map.of("size", List.of(2, 4)),
                        "hyperparameters", Map.of("learning_rate", List.of(1, 4, 16))),
                "hyperparameters", Map.of("batch_size", 8, "momentum", 0.5)));
        assertThat(created.getStatusCode()).as("%s", created.getBody()).isEqualTo(HttpStatus.CREATED);
        JsonNode sweep = created.getBody();
        assertThat(created.getHeaders().getLocation()).hasToString("/v1/sweeps/" + sweep.get("id").asString());
        assertThat(sweep.get("status").asString()).isEqualTo("running");
        assertThat(sweep.at("/progress/trials").asInt()).isEqualTo(6);
        assertThat(sweep.at("/progress/queued").asInt()).isEqualTo(2);
        assertThat(sweep.at("/progress/pending").asInt()).isEqualTo(4);
        assertThat(sweep.at("/compute/full_run_epochs").asInt()).isEqualTo(12);
        assertThat(sweep.at("/compute/epochs_used").asInt()).isZero();
        assertThat(sweep.get("leaderboard")).hasSize(6);

        UUID id = UUID.fromString(sweep.get("id").asString());
        List<Map<String, Object>> jobs = jdbc.sql("""
                SELECT sweep_trial, status, epochs, spec -> 'prompt' ->> 'size' AS size,
                       spec -> 'hyperparameters' ->> 'learning_rate' AS lr,
                       spec -> 'hyperparameters' ->> 'momentum' AS momentum
                  FROM training_jobs WHERE sweep_id = :id ORDER BY sweep_trial
                """).param("id", id).query().listOfRows();
        assertThat(jobs).hasSize(2);
        assertThat(jobs.get(0)).containsEntry("sweep_trial", 0).containsEntry("status", "queued")
                .containsEntry("epochs", 2).containsEntry("size", "2").containsEntry("lr", "1.0")
                .containsEntry("momentum", "0.5");
        assertThat(jobs.get(1)).containsEntry("size", "2").containsEntry("lr", "4.0");
        JsonNode trialJob = getJson("/v1/training-jobs/" + jdbc.sql(
                "SELECT id FROM training_jobs WHERE sweep_id = :id AND sweep_trial = 1").param("id", id)
                .query(UUID.class).single()).getBody();
        assertThat(trialJob.at("/hyperparameters/learning_rate").asDouble()).as("an ordinary job").isEqualTo(4.0);

        List<String> events = new ArrayList<>();
        getJson("/v1/sweeps/" + id + "/events").getBody().get("data").forEach(e -> events.add(e.get("type").asString()));
        assertThat(events).containsExactly("created", "trial_submitted", "trial_submitted");
        JsonNode listed = getJson("/v1/sweeps?limit=100").getBody();
        assertThat(listed.get("object").asString()).isEqualTo("list");
        assertThat(listed.get("data").findValuesAsString("id")).contains(id.toString());

        ResponseEntity<JsonNode> cancelled = postJson("/v1/sweeps/" + id + "/cancel", Map.of());
        assertThat(cancelled.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        assertThat(cancelled.getBody().get("status").asString()).isEqualTo("cancelled");
        assertThat(jdbc.sql("SELECT DISTINCT status FROM training_jobs WHERE sweep_id = :id").param("id", id)
                .query(String.class).list()).containsExactly("cancelled");
        assertThat(postJson("/v1/sweeps/" + id + "/cancel", Map.of()).getBody().get("code").asString())
                .isEqualTo("sweep_not_cancellable");
    }

    @Test
    void refusedSweepsNameTheFieldAndStoreNothing() {
        String dataset = dataset(http);
        Map<String, Object> grid = Map.of("dataset_id", dataset, "model", "fashion-cnn", "strategy", "grid",
                "max_trials", 2, "max_epochs_per_trial", 2, "space",
                Map.of("hyperparameters", Map.of("learning_rate", List.of(1, 4, 16))));
        assertThat(problemField(grid)).isEqualTo("max_trials");
        assertThat(problemField(Map.of("dataset_id", dataset, "model", "fashion-cnn", "strategy", "bayes",
                "max_trials", 2, "max_epochs_per_trial", 2, "space", Map.of("prompt", Map.of("size", List.of(2))))))
                .isEqualTo("strategy");
        assertThat(problemField(Map.of("dataset_id", dataset, "model", "fashion-cnn", "strategy", "random",
                "max_trials", 2, "max_epochs_per_trial", 2, "space", Map.of("prompt", Map.of("size", List.of(40))))))
                .as("a padding that leaves no image, as a job would be refused").isEqualTo("prompt.size");
        assertThat(problemField(Map.of("dataset_id", dataset, "model", "fashion-cnn", "strategy", "asha",
                "max_trials", 2, "max_epochs_per_trial", 3, "asha", Map.of("min_epochs", 3),
                "space", Map.of("prompt", Map.of("size", List.of(2)))))).isEqualTo("asha.min_epochs");
        String noValidation = uploadDataset(TestArchives.randomImageFolder(2, 3, 5, "train", "test"), "d.zip",
                "no-val").getBody().get("id").asString();
        assertThat(problemField(Map.of("dataset_id", noValidation, "model", "fashion-cnn", "strategy", "random",
                "max_trials", 2, "max_epochs_per_trial", 2, "space", Map.of("prompt", Map.of("size", List.of(2))))))
                .isEqualTo("dataset_id");
        // no sweep and no job on either dataset (the whole table would count other contexts' sweeps too)
        assertThat(jdbc.sql("SELECT count(*) FROM sweeps WHERE dataset_id IN (:d)")
                .param("d", List.of(UUID.fromString(dataset), UUID.fromString(noValidation))).query(Long.class)
                .single()).isZero();
        assertThat(jdbc.sql("SELECT count(*) FROM training_jobs WHERE dataset_id IN (:d)")
                .param("d", List.of(UUID.fromString(dataset), UUID.fromString(noValidation))).query(Long.class)
                .single()).isZero();
    }

    @Test
    void anotherTenantsSweepIsNotFoundAndAReadOnlyKeyCannotStartOne() {
        String dataset = dataset(http);
        String id = postJson("/v1/sweeps", Map.of("dataset_id", dataset, "model", "fashion-cnn", "strategy", "random",
                "max_trials", 2, "max_epochs_per_trial", 2, "space", Map.of("prompt", Map.of("size", List.of(2, 4)))))
                .getBody().get("id").asString();
        String tenant = "sweeper-" + UUID.randomUUID().toString().substring(0, 8);
        RestClient other = client(key(tenant, List.of("jobs:read", "jobs:write")));
        for (String path : List.of("/v1/sweeps/" + id, "/v1/sweeps/" + id + "/events")) {
            assertThat(other.get().uri(path).retrieve().toEntity(JsonNode.class).getStatusCode())
                    .isEqualTo(HttpStatus.NOT_FOUND);
        }
        assertThat(other.post().uri("/v1/sweeps/" + id + "/cancel").retrieve().toEntity(JsonNode.class)
                .getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(other.get().uri("/v1/sweeps").retrieve().body(JsonNode.class).get("data")).isEmpty();
        assertThat(other.post().uri("/v1/sweeps").contentType(MediaType.APPLICATION_JSON).body(Map.of(
                "dataset_id", dataset, "model", "fashion-cnn", "strategy", "random", "max_trials", 2,
                "max_epochs_per_trial", 2, "space", Map.of("prompt", Map.of("size", List.of(2)))))
                .retrieve().toEntity(JsonNode.class).getBody().get("errors").get(0).get("field").asString())
                .as("another tenant's dataset does not exist for it").isEqualTo("dataset_id");

        RestClient reader = client(key(tenant, List.of("jobs:read")));
        ResponseEntity<JsonNode> refused = reader.post().uri("/v1/sweeps").contentType(MediaType.APPLICATION_JSON)
                .body(Map.of()).retrieve().toEntity(JsonNode.class);
        assertThat(refused.getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(reader.get().uri("/v1/sweeps").retrieve().toEntity(JsonNode.class).getStatusCode())
                .isEqualTo(HttpStatus.OK);
        assertThat(client(key(tenant, List.of("datasets:read"))).get().uri("/v1/sweeps").retrieve()
                .toEntity(JsonNode.class).getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);
    }

    @Test
    void trialsBeyondTheTenantsConcurrentJobQuotaWaitInsteadOfFailing() {
        RestClient tenant = client(key(QUOTA_TENANT, List.of("datasets:write", "jobs:read", "jobs:write")));
        String dataset = dataset(tenant);
        JsonNode sweep = tenant.post().uri("/v1/sweeps").contentType(MediaType.APPLICATION_JSON).body(Map.of(
                "dataset_id", dataset, "model", "fashion-cnn", "strategy", "grid", "max_trials", 3,
                "max_epochs_per_trial", 2, "parallelism", 3,
                "space", Map.of("prompt", Map.of("size", List.of(2, 4, 6))))).retrieve().body(JsonNode.class);
        assertThat(sweep.get("status").asString()).isEqualTo("running");
        assertThat(sweep.at("/progress/queued").asInt()).as("the quota allows one job").isEqualTo(1);
        assertThat(sweep.at("/progress/pending").asInt()).isEqualTo(2);
        assertThat(sweep.at("/progress/waiting_for_quota").asBoolean()).isTrue();
        String id = sweep.get("id").asString();
        List<String> events = new ArrayList<>();
        tenant.get().uri("/v1/sweeps/" + id + "/events").retrieve().body(JsonNode.class).get("data")
                .forEach(e -> events.add(e.get("type").asString()));
        assertThat(events).containsExactly("created", "trial_submitted", "waiting_for_quota");

        // the trial's job ends (here: cancelled), the quota frees up and the next trial is queued
        String job = jdbc.sql("SELECT id FROM training_jobs WHERE sweep_id = ?::uuid").param(id).query(String.class)
                .single();
        assertThat(tenant.post().uri("/v1/training-jobs/" + job + "/cancel").retrieve().toEntity(JsonNode.class)
                .getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        sweeps.advance(UUID.fromString(id));
        JsonNode advanced = tenant.get().uri("/v1/sweeps/" + id).retrieve().body(JsonNode.class);
        assertThat(advanced.at("/progress/queued").asInt()).isEqualTo(1);
        assertThat(advanced.at("/progress/cancelled").asInt()).isEqualTo(1);
        assertThat(advanced.at("/progress/pending").asInt()).isEqualTo(1);
        assertThat(advanced.at("/progress/waiting_for_quota").asBoolean()).isTrue();
        assertThat(tenant.post().uri("/v1/sweeps/" + id + "/cancel").retrieve().toEntity(JsonNode.class)
                .getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
    }

    @Test
    void concurrentTopUpsSubmitEachTrialOnceAndNeverMoreThanParallelism() throws Exception {
        String dataset = dataset(http);
        String id = postJson("/v1/sweeps", Map.of("dataset_id", dataset, "model", "fashion-cnn", "strategy", "grid",
                "max_trials", 6, "max_epochs_per_trial", 2, "parallelism", 2,
                "space", Map.of("prompt", Map.of("size", List.of(1, 2, 3, 4, 5, 6))))).getBody().get("id").asString();
        UUID sweep = UUID.fromString(id);
        for (UUID job : jdbc.sql("SELECT id FROM training_jobs WHERE sweep_id = :id").param("id", sweep)
                .query(UUID.class).list()) {
            assertThat(postJson("/v1/training-jobs/" + job + "/cancel", Map.of()).getStatusCode())
                    .isEqualTo(HttpStatus.ACCEPTED);
        }
        // eight processes' top-ups at once, as after two trials ended: two more trials, each once
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                calls.add(pool.submit(() -> sweeps.advance(sweep)));
            }
            for (Future<?> call : calls) {
                call.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(jdbc.sql("SELECT sweep_trial FROM training_jobs WHERE sweep_id = :id ORDER BY sweep_trial")
                .param("id", sweep).query(Integer.class).list()).containsExactly(0, 1, 2, 3);
        assertThat(jdbc.sql("SELECT count(*) FROM training_jobs WHERE sweep_id = :id AND status = 'queued'")
                .param("id", sweep).query(Long.class).single()).isEqualTo(2L);
        assertThat(jdbc.sql("SELECT count(*) FROM sweep_events WHERE sweep_id = :id AND type = 'trial_submitted'")
                .param("id", sweep).query(Long.class).single()).isEqualTo(4L);
        postJson("/v1/sweeps/" + id + "/cancel", Map.of());
    }

    @Autowired
    Sweeps sweeps;

    private String problemField(Map<String, Object> body) {
        ResponseEntity<JsonNode> response = postJson("/v1/sweeps", body);
        assertThat(response.getStatusCode()).as("%s", response.getBody()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(response.getHeaders().getContentType()).hasToString("application/problem+json");
        assertThat(response.getBody().get("code").asString()).isEqualTo("invalid_field");
        return response.getBody().get("errors").get(0).get("field").asString();
    }

    private String key(String tenant, List<String> scopes) {
        return postJson("/v1/api-keys", Map.of("name", "sweeps", "tenant", tenant, "scopes", scopes)).getBody()
                .get("key").asString();
    }

    private String dataset(RestClient client) {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("file", filePart(TestArchives.randomImageFolder(2, 4, 11), "tiny.zip",
                MediaType.parseMediaType("application/zip")));
        return client.post().uri("/v1/datasets").contentType(MediaType.MULTIPART_FORM_DATA).body(parts).retrieve()
                .body(JsonNode.class).get("id").asString();
    }
}
