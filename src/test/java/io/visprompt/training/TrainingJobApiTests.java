package io.visprompt.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.visprompt.PostgresIntegrationTest;
import io.visprompt.TestArchives;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.JsonNode;

/** The jobs API as a user meets it, with no worker in this process (the test profile's default) so jobs stay queued. */
class TrainingJobApiTests extends PostgresIntegrationTest {

    private String datasetId;

    @BeforeEach
    void dataset() {
        ResponseEntity<JsonNode> upload = uploadDataset(TestArchives.randomImageFolder(3, 4, 1), "random.zip", "random");
        assertThat(upload.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        datasetId = upload.getBody().get("id").asString();
    }

    @Test
    void jobWithOnlyDatasetAndModelIsQueuedWithThePapersDefaults() {
        ResponseEntity<JsonNode> created = postJson("/v1/training-jobs", Map.of("dataset_id", datasetId, "model", "fashion-cnn"));

        assertThat(created.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        JsonNode job = created.getBody();
        assertThat(created.getHeaders().getLocation()).hasToString("/v1/training-jobs/" + job.get("id").asString());
        assertThat(job.get("status").asString()).isEqualTo("queued");
        assertThat(job.at("/prompt/template").asString()).isEqualTo("padding");
        assertThat(job.at("/prompt/size").asInt()).as("30 px at 224 scaled to 32 px").isEqualTo(4);
        assertThat(job.at("/prompt/placement").asString()).isEqualTo("normalized");
        assertThat(job.at("/output/label_mapping").asString()).isEqualTo("identity");
        JsonNode hp = job.get("hyperparameters");
        assertThat(hp.get("learning_rate").asDouble()).isEqualTo(40.0);
        assertThat(hp.get("momentum").asDouble()).isEqualTo(0.9);
        assertThat(hp.get("warmup_steps").asInt()).as("a tenth of the job's 1000 steps").isEqualTo(100);
        assertThat(hp.get("batch_size").asInt()).isEqualTo(128);
        assertThat(hp.get("optimizer").asString()).isEqualTo("sgd");
        assertThat(hp.get("epochs").asInt()).isEqualTo(1000);
        assertThat(hp.get("seed").asLong()).isZero();
        assertThat(job.at("/progress/total_steps").asLong()).as("1000 epochs of one 12-image batch").isEqualTo(1000);
    }

    @Test
    void defaultsEndpointShowsExactlyWhatAJobGetsForEachLeftOutSetting() {
        ResponseEntity<JsonNode> response = getJson("/v1/training-jobs/defaults");
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
        JsonNode defaults = response.getBody();

        for (String model : List.of("fashion-cnn", "tiny-clip")) {
            JsonNode job = postJson("/v1/training-jobs", Map.of("dataset_id", datasetId, "model", model)).getBody();
            JsonNode perModel = defaults.at("/models/" + model);
            assertThat(job.at("/prompt/template").asString()).isEqualTo(defaults.at("/prompt/template").asString());
            assertThat(job.at("/prompt/placement").asString()).isEqualTo(defaults.at("/prompt/placement").asString());
            assertThat(job.at("/prompt/size").asInt()).as(model).isEqualTo(perModel.get("prompt_size").asInt());
            assertThat(job.at("/hyperparameters/batch_size").asInt()).as(model).isEqualTo(perModel.get("batch_size").asInt());
            assertThat(job.at("/output/text_templates")).as(model).isEqualTo(perModel.get("text_templates"));
            for (String setting : List.of("epochs", "learning_rate", "momentum", "weight_decay",
                    "optimizer", "seed", "checkpoint_every")) {
                assertThat(job.at("/hyperparameters/" + setting)).as(setting)
                        .isEqualTo(defaults.at("/hyperparameters/" + setting));
            }
            // warm-up: a tenth of the job's steps, at most the shown (paper's) 1000
            long totalSteps = job.at("/progress/total_steps").asLong();
            assertThat(job.at("/hyperparameters/warmup_steps").asLong())
                    .isEqualTo(Math.min(defaults.at("/hyperparameters/warmup_steps").asLong(), totalSteps / 10));
        }
        assertThat(defaults.at("/models/fashion-cnn/prompt_size").asInt()).as("30 px at 224 scaled to 32 px").isEqualTo(4);
        assertThat(defaults.at("/output/label_mapping").asString()).isEqualTo("identity");
        assertThat(defaults.at("/output/text_template").asString()).isEqualTo("This is a photo of a {}");
        assertThat(defaults.at("/prompt/templates").toString()).isEqualTo("[\"padding\",\"fixed_patch\",\"random_patch\"]");
        assertThat(defaults.at("/prompt/placements").toString()).isEqualTo("[\"normalized\",\"pixel_shrink\"]");
        assertThat(defaults.at("/statuses").toString()).as("the console's job filter reads them here")
                .isEqualTo("[\"queued\",\"running\",\"cancelling\",\"succeeded\",\"failed\",\"cancelled\",\"stopped\"]");
        assertThat(defaults.at("/output/label_mappings").toString())
                .isEqualTo("[\"identity\",\"frequency\",\"iterative\",\"by_name\"]");
        assertThat(defaults.at("/hyperparameters/optimizers").toString())
                .isEqualTo("[\"sgd\",\"normalized_sgd\",\"adam\",\"spsa_gc\",\"rgf\"]");
        assertThat(defaults.at("/hyperparameters/black_box_optimizers").toString()).isEqualTo("[\"spsa_gc\",\"rgf\"]");
        assertThat(defaults.at("/hyperparameters/query_budget").asLong()).isEqualTo(20000);
        assertThat(defaults.at("/hyperparameters/queries_per_step").asInt()).isEqualTo(10);
        assertThat(defaults.at("/hyperparameters/learning_rates/spsa_gc").asDouble()).isEqualTo(0.04);
    }

    @Test
    void clipJobsDefaultToBatch256AndTheModelsTextTemplate() {
        JsonNode job = postJson("/v1/training-jobs", Map.of("dataset_id", datasetId, "model", "tiny-clip")).getBody();

        assertThat(job.at("/hyperparameters/batch_size").asInt()).isEqualTo(256);
        assertThat(job.at("/output/text_templates/0").asString()).contains("{}");
    }

    @Test
    void invalidSettingsAreRefusedWithProblemDetailsNamingTheField() {
        Map<String, Map<String, Object>> cases = Map.of(
                "hyperparameters.batch_size", Map.of("hyperparameters", Map.of("batch_size", 0)),
                "hyperparameters.learning_rate", Map.of("hyperparameters", Map.of("learning_rate", -1)),
                "hyperparameters.momentum", Map.of("hyperparameters", Map.of("momentum", 1.5)),
                "hyperparameters.optimizer", Map.of("hyperparameters", Map.of("optimizer", "adamw")),
                "prompt.template", Map.of("prompt", Map.of("template", "circle")),
                "prompt.size", Map.of("prompt", Map.of("size", 16)),
                "output.label_mapping", Map.of("output", Map.of("label_mapping", "semantic")),
                "model", Map.of("model", "resnet-9000"),
                "dataset_id", Map.of("dataset_id", UUID.randomUUID().toString()));
        cases.forEach((field, override) -> {
            Map<String, Object> body = new java.util.HashMap<>(Map.of("dataset_id", datasetId, "model", "fashion-cnn"));
            body.putAll(override);
            ResponseEntity<JsonNode> response = postJson("/v1/training-jobs", body);
            assertThat(response.getStatusCode()).as(field).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
            assertThat(response.getBody().get("code").asString()).as(field).isEqualTo("invalid_field");
            assertThat(response.getBody().at("/errors/0/field").asString()).as(field).isEqualTo(field);
        });
    }

    @Test
    void malformedAndMistypedBodiesAreRefused() {
        ResponseEntity<JsonNode> malformed = http.post().uri("/v1/training-jobs").contentType(MediaType.APPLICATION_JSON)
                .body("{\"dataset_id\": ").retrieve().toEntity(JsonNode.class);
        assertThat(malformed.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(malformed.getBody().get("code").asString()).isEqualTo("malformed_request");

        ResponseEntity<JsonNode> misspelled = postJson("/v1/training-jobs",
                Map.of("dataset_id", datasetId, "model", "fashion-cnn", "hyperparameters", Map.of("learning_rat", 1)));
        assertThat(misspelled.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);

        ResponseEntity<JsonNode> wrongType = http.post().uri("/v1/training-jobs").contentType(MediaType.TEXT_PLAIN)
                .body("dataset_id=1").retrieve().toEntity(JsonNode.class);
        assertThat(wrongType.getStatusCode()).isEqualTo(HttpStatus.UNSUPPORTED_MEDIA_TYPE);
        assertThat(wrongType.getBody().get("code").asString()).isEqualTo("unsupported_media_type");
    }

    @Test
    void unknownJobsAnswer404ProblemDetails() {
        UUID id = UUID.randomUUID();
        for (String path : List.of("", "/events", "/metrics")) {
            ResponseEntity<JsonNode> response = getJson("/v1/training-jobs/" + id + path);
            assertThat(response.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
            assertThat(response.getBody().get("code").asString()).isEqualTo("training_job_not_found");
        }
        assertThat(postJson("/v1/training-jobs/" + id + "/cancel", Map.of()).getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
    }

    @Test
    void cancellingAQueuedJobEndsItAndRecordsTheEvents() {
        String id = postJson("/v1/training-jobs", Map.of("dataset_id", datasetId, "model", "fashion-cnn")).getBody()
                .get("id").asString();

        ResponseEntity<JsonNode> cancelled = postJson("/v1/training-jobs/" + id + "/cancel", Map.of());
        assertThat(cancelled.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        assertThat(cancelled.getBody().get("status").asString()).isEqualTo("cancelled");
        assertThat(cancelled.getBody().get("finished_at").isNull()).isFalse();

        ResponseEntity<JsonNode> again = postJson("/v1/training-jobs/" + id + "/cancel", Map.of());
        assertThat(again.getStatusCode()).isEqualTo(HttpStatus.CONFLICT);
        assertThat(again.getBody().get("code").asString()).isEqualTo("job_not_cancellable");

        List<String> types = new ArrayList<>();
        getJson("/v1/training-jobs/" + id + "/events").getBody().get("data").forEach(e -> types.add(e.get("type").asString()));
        assertThat(types).containsExactly("created", "cancelled");
    }

    @Test
    void listIsNewestFirstWithCursorPaginationAndStatusFilter() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(postJson("/v1/training-jobs", Map.of("dataset_id", datasetId, "model", "fashion-cnn")).getBody()
                    .get("id").asString());
        }
        postJson("/v1/training-jobs/" + ids.get(4) + "/cancel", Map.of());

        JsonNode first = getJson("/v1/training-jobs?limit=2&status=queued").getBody();
        assertThat(first.get("has_more").asBoolean()).isTrue();
        List<String> seen = new ArrayList<>();
        first.get("data").forEach(j -> seen.add(j.get("id").asString()));
        JsonNode next = getJson("/v1/training-jobs?limit=2&status=queued&after=" + first.get("last_id").asString()).getBody();
        next.get("data").forEach(j -> seen.add(j.get("id").asString()));

        assertThat(seen).containsExactly(ids.get(3), ids.get(2), ids.get(1), ids.get(0));
        assertThat(getJson("/v1/training-jobs?limit=0").getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(getJson("/v1/training-jobs?status=done").getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
    }

    @Test
    void sameIdempotencyKeyReturnsTheSameJob() {
        String key = "retry-" + UUID.randomUUID();
        Map<String, String> body = Map.of("dataset_id", datasetId, "model", "fashion-cnn");
        JsonNode first = http.post().uri("/v1/training-jobs").header("Idempotency-Key", key)
                .contentType(MediaType.APPLICATION_JSON).body(body).retrieve().body(JsonNode.class);
        JsonNode second = http.post().uri("/v1/training-jobs").header("Idempotency-Key", key)
                .contentType(MediaType.APPLICATION_JSON).body(body).retrieve().body(JsonNode.class);

        assertThat(second.get("id").asString()).isEqualTo(first.get("id").asString());
    }

    @Test
    void datasetUsedByAQueuedJobCannotBeDeletedUntilTheJobEnds() {
        String id = postJson("/v1/training-jobs", Map.of("dataset_id", datasetId, "model", "fashion-cnn")).getBody()
                .get("id").asString();

        ResponseEntity<JsonNode> refused = http.delete().uri("/v1/datasets/" + datasetId).retrieve().toEntity(JsonNode.class);
        assertThat(refused.getStatusCode()).isEqualTo(HttpStatus.CONFLICT);
        assertThat(refused.getBody().get("code").asString()).isEqualTo("dataset_in_use");
        assertThat(getJson("/v1/datasets/" + datasetId).getStatusCode()).isEqualTo(HttpStatus.OK);

        postJson("/v1/training-jobs/" + id + "/cancel", Map.of());
        assertThat(http.delete().uri("/v1/datasets/" + datasetId).retrieve().toBodilessEntity().getStatusCode())
                .isEqualTo(HttpStatus.NO_CONTENT);
    }

    @Test
    void modelsEndpointListsTheConfiguredDemoModels() {
        JsonNode models = getJson("/v1/models").getBody();
        List<String> ids = new ArrayList<>();
        models.get("data").forEach(m -> ids.add(m.get("id").asString() + ":" + m.get("kind").asString() + ":" + m.get("input_size").asInt()));
        assertThat(ids).contains("fashion-cnn:classifier:32", "tiny-clip:clip:32");
        assertThat(getJson("/v1/models/nope").getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
    }

    @Test
    void aWarmUpLongerThanHalfTheJobIsAcceptedWithAWarningEvent() {
        String key = "warm-up-" + UUID.randomUUID();
        Map<String, Object> body = Map.of("dataset_id", datasetId, "model", "fashion-cnn",
                "hyperparameters", Map.of("epochs", 3, "warmup_steps", 1000));
        ResponseEntity<JsonNode> created = http.post().uri("/v1/training-jobs").header("Idempotency-Key", key)
                .contentType(MediaType.APPLICATION_JSON).body(body).retrieve().toEntity(JsonNode.class);
        assertThat(created.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        String id = created.getBody().get("id").asString();
        assertThat(created.getBody().at("/hyperparameters/warmup_steps").asInt()).isEqualTo(1000);
        // a retry returns the same job without a second warning
        http.post().uri("/v1/training-jobs").header("Idempotency-Key", key).contentType(MediaType.APPLICATION_JSON)
                .body(body).retrieve().toBodilessEntity();

        JsonNode events = getJson("/v1/training-jobs/" + id + "/events").getBody().get("data");
        List<String> types = new ArrayList<>();
        events.forEach(e -> types.add(e.get("type").asString()));
        assertThat(types).containsExactly("created", "warning_warmup");
        assertThat(events.get(1).get("level").asString()).isEqualTo("warning");
        assertThat(events.get(1).get("message").asString()).contains("warmup_steps 1000 is 33333% of the job's 3 steps")
                .contains("climbs to 0.12 of 40 and never decays");

        JsonNode defaulted = postJson("/v1/training-jobs", Map.of("dataset_id", datasetId, "model", "fashion-cnn",
                "hyperparameters", Map.of("epochs", 3))).getBody();
        assertThat(defaulted.at("/hyperparameters/warmup_steps").asInt()).as("3 steps / 10").isZero();
        List<String> quiet = new ArrayList<>();
        getJson("/v1/training-jobs/" + defaulted.get("id").asString() + "/events").getBody().get("data")
                .forEach(e -> quiet.add(e.get("type").asString()));
        assertThat(quiet).containsExactly("created");
    }

    @Test
    void eachOptimizerDefaultsToItsOwnLearningRate() {
        Map<String, Double> expected = Map.of("sgd", 40.0, "normalized_sgd", 3.0, "adam", 0.01);
        expected.forEach((optimizer, rate) -> {
            JsonNode job = postJson("/v1/training-jobs", Map.of("dataset_id", datasetId, "model", "fashion-cnn",
                    "hyperparameters", Map.of("optimizer", optimizer))).getBody();
            assertThat(job.at("/hyperparameters/optimizer").asString()).isEqualTo(optimizer);
            assertThat(job.at("/hyperparameters/learning_rate").asDouble()).as(optimizer).isEqualTo(rate);
        });
        JsonNode defaults = getJson("/v1/training-jobs/defaults").getBody();
        expected.forEach((optimizer, rate) -> assertThat(defaults.at("/hyperparameters/learning_rates/" + optimizer)
                .asDouble()).as("the console's hint reads %s's here", optimizer).isEqualTo(rate));
    }
}
