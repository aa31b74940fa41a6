package io.visprompt.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import javax.imageio.ImageIO;

import io.visprompt.PostgresIntegrationTest;
import io.visprompt.TestArchives;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;

/**
 * Evaluations through the API, run by this process's workers: a learned prompt evaluated on its own test split
 * reports what its training job measured, class subsets are matched by name, the pictures are PNGs, the mistakes
 * link to stored images; and the refusals, tenant isolation and scopes of every endpoint.
 */
@DirtiesContext // its workers must not claim other classes' jobs on a shared database
@TestPropertySource(properties = {"visprompt.training.workers=true", "visprompt.training.heartbeat-interval=1s"})
class EvaluationHttpTests extends PostgresIntegrationTest {

    private static final List<String> DONE = List.of("succeeded", "failed", "cancelled");

    @Test
    void aPromptEvaluatedOnItsOwnTestSplitReportsWhatItsTrainingJobMeasuredWithAndWithoutIt() {
        String dataset = upload(TestArchives.fixture("fashion-border.zip"), "fashion-border");
        JsonNode job = finished("/v1/training-jobs/" + postJson("/v1/training-jobs", Map.of("dataset_id", dataset,
                "model", "fashion-cnn", "baselines", List.of("linear_probe"), "hyperparameters", Map.of("epochs", 2,
                        "batch_size", 64, "learning_rate", 20, "warmup_steps", 2))).getBody().get("id").asString());
        assertThat(job.get("status").asString()).as("%s", job).isEqualTo("succeeded");
        // the linear probe on the frozen model's logits, next to the bare model and the prompt
        double probe = job.at("/result/linear_probe_test_accuracy").asDouble();
        System.out.printf("fashion-border test accuracy: mapping only %.3f, prompted %.3f, linear probe %.3f (C=%s)%n",
                job.at("/result/mapping_only_test_accuracy").asDouble(),
                job.at("/result/prompted_test_accuracy").asDouble(), probe, job.at("/result/linear_probe_c").asDouble());
        assertThat(probe).isGreaterThan(job.at("/result/mapping_only_test_accuracy").asDouble());
        assertThat(job.at("/result/linear_probe_c").asDouble()).isIn(0.0001, 0.001, 0.01, 0.1, 1.0, 10.0);
        String prompt = job.at("/result/prompt_id").asString();

        ResponseEntity<JsonNode> created = postJson("/v1/evaluations", Map.of("prompt_id", prompt, "dataset_id", dataset));
        assertThat(created.getStatusCode()).as("%s", created.getBody()).isEqualTo(HttpStatus.CREATED);
        String id = created.getBody().get("id").asString();
        assertThat(created.getHeaders().getLocation()).hasToString("/v1/evaluations/" + id);
        assertThat(created.getBody().get("split").asString()).isEqualTo("test");
        JsonNode evaluation = finished("/v1/evaluations/" + id);

        assertThat(evaluation.get("status").asString()).as("%s", evaluation).isEqualTo("succeeded");
        JsonNode report = evaluation.get("report");
        assertThat(report.get("examples").asInt()).isEqualTo(300);
        assertThat(report.at("/summary/accuracy/with_prompt").asDouble())
                .isEqualTo(job.at("/result/prompted_test_accuracy").asDouble());
        assertThat(report.at("/summary/accuracy/without_prompt").asDouble())
                .isEqualTo(job.at("/result/mapping_only_test_accuracy").asDouble());
        assertThat(report.at("/summary/accuracy/difference").asDouble()).isCloseTo(
                job.at("/result/gain_over_mapping_only").asDouble(), org.assertj.core.api.Assertions.within(1e-12));
        assertThat(evaluation.at("/summary/accuracy").asDouble()).isEqualTo(report.at("/summary/accuracy/with_prompt").asDouble());
        assertThat(report.get("per_class")).hasSize(10);
        long supports = 0;
        for (JsonNode row : report.get("per_class")) {
            supports += row.get("support").asLong();
            assertThat(row.has("precision") && row.get("precision").has("with_prompt")
                    && row.get("precision").has("without_prompt")).isTrue();
        }
        assertThat(supports).isEqualTo(300);
        long[][] matrix = matrix(report.at("/confusion_matrix/with_prompt"));
        long diagonal = 0;
        for (int i = 0; i < matrix.length; i++) {
            diagonal += matrix[i][i];
        }
        assertThat(diagonal / 300.0).isEqualTo(report.at("/summary/accuracy/with_prompt").asDouble());
        assertThat(report.at("/calibration/with_prompt")).hasSize(15);
        double ece = report.at("/summary/expected_calibration_error/with_prompt").asDouble();
        assertThat(ece).isBetween(0.0, 1.0);

        BufferedImage heatmap = png(http.get().uri("/v1/evaluations/" + id + "/confusion-matrix").retrieve()
                .toEntity(byte[].class));
        assertThat(heatmap.getWidth()).isGreaterThan(10 * 44);
        BufferedImage without = png(http.get().uri("/v1/evaluations/" + id + "/confusion-matrix?variant=without_prompt")
                .retrieve().toEntity(byte[].class));
        assertThat(without.getWidth()).isEqualTo(heatmap.getWidth());
        assertThat(png(http.get().uri("/v1/evaluations/" + id + "/reliability-diagram").retrieve().toEntity(byte[].class))
                .getWidth()).isGreaterThan(400);

        long wrong = 300 - diagonal;
        JsonNode errors = getJson("/v1/evaluations/" + id + "/errors?limit=5").getBody();
        assertThat(errors.get("data")).hasSize((int) Math.min(5, wrong));
        assertThat(evaluation.at("/summary/misclassified").asLong()).isEqualTo(wrong);
        double previous = 2;
        for (JsonNode error : errors.get("data")) {
            assertThat(error.get("true_class").asString()).isNotEqualTo(error.get("predicted_class").asString());
            assertThat(error.get("confidence").asDouble()).isLessThanOrEqualTo(previous);
            previous = error.get("confidence").asDouble();
            ResponseEntity<byte[]> image = http.get().uri(error.get("image_url").asString()).retrieve().toEntity(byte[].class);
            assertThat(image.getStatusCode()).isEqualTo(HttpStatus.OK);
            assertThat(png(image).getWidth()).as("the stored 28x28 image").isEqualTo(28);
        }
        JsonNode next = getJson("/v1/evaluations/" + id + "/errors?limit=5&after=" + errors.get("last_id").asString()).getBody();
        assertThat(next.at("/data/0/position").asLong()).isEqualTo(6);

        // the training jobs' list and endpoints do not show evaluations
        assertThat(getJson("/v1/training-jobs/" + id).getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
        List<String> listed = new ArrayList<>();
        getJson("/v1/training-jobs?limit=100").getBody().get("data").forEach(j -> listed.add(j.get("id").asString()));
        assertThat(listed).contains(job.get("id").asString()).doesNotContain(id);
        List<String> evaluations = new ArrayList<>();
        getJson("/v1/evaluations?limit=100").getBody().get("data").forEach(e -> evaluations.add(e.get("id").asString()));
        assertThat(evaluations).contains(id).doesNotContain(job.get("id").asString());
        assertThat(getJson("/v1/evaluations/" + job.get("id").asString()).getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
        JsonNode events = getJson("/v1/evaluations/" + id + "/events").getBody();
        List<String> types = new ArrayList<>();
        events.get("data").forEach(e -> types.add(e.get("type").asString()));
        assertThat(types).containsSubsequence("created", "claimed", "succeeded");

        // distribution shift: the same prompt on a noisy copy of the dataset loses accuracy
        ResponseEntity<JsonNode> noisy = postJson("/v1/datasets/" + dataset + "/derive",
                Map.of("corruption", "gaussian_noise", "severity", 5, "seed", 1));
        assertThat(noisy.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        JsonNode shifted = finished("/v1/evaluations/" + postJson("/v1/evaluations", Map.of("prompt_id", prompt,
                "dataset_id", noisy.getBody().get("id").asString())).getBody().get("id").asString());
        assertThat(shifted.get("status").asString()).as("%s", shifted).isEqualTo("succeeded");
        double clean = report.at("/summary/accuracy/with_prompt").asDouble();
        double corrupted = shifted.at("/report/summary/accuracy/with_prompt").asDouble();
        System.out.printf("prompted test accuracy: clean %.3f, gaussian_noise 5 %.3f (without the prompt %.3f -> %.3f)%n",
                clean, corrupted, report.at("/summary/accuracy/without_prompt").asDouble(),
                shifted.at("/report/summary/accuracy/without_prompt").asDouble());
        assertThat(corrupted).as("accuracy under gaussian noise, severity 5").isLessThan(clean - 0.05);

        // a subset of the prompt's classes, numbered differently in the new dataset, is matched by name
        String subset = upload(classes(TestArchives.fixture("fashion-border.zip"), Set.of("bag", "coat", "trouser")),
                "three-classes");
        JsonNode onSubset = finished("/v1/evaluations/" + postJson("/v1/evaluations",
                Map.of("prompt_id", prompt, "dataset_id", subset)).getBody().get("id").asString());
        assertThat(onSubset.get("status").asString()).as("%s", onSubset).isEqualTo("succeeded");
        assertThat(onSubset.at("/report/examples").asInt()).isEqualTo(90);
        for (JsonNode row : onSubset.at("/report/per_class")) {
            JsonNode full = null;
            for (JsonNode r : report.get("per_class")) {
                if (r.get("class_name").asString().equals(row.get("class_name").asString())) {
                    full = r;
                }
            }
            boolean inSubset = Set.of("bag", "coat", "trouser").contains(row.get("class_name").asString());
            assertThat(row.get("support").asLong()).isEqualTo(inSubset ? 30 : 0);
            if (inSubset) {
                assertThat(row.at("/recall/with_prompt").asDouble()).as("same images, same predictions")
                        .isEqualTo(full.at("/recall/with_prompt").asDouble());
            }
        }
    }

    @Test
    void aBareModelIsEvaluatedOverTheClassNamesGivenAndUnknownClassesAreNamed() {
        String dataset = upload(TestArchives.randomImageFolder(3, 4, 5), "random-three");
        ResponseEntity<JsonNode> unknown = postJson("/v1/evaluations", Map.of("model", "tiny-clip",
                "class_names", List.of("class0", "dog", "class2"), "dataset_id", dataset));
        assertThat(unknown.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(unknown.getBody().get("code").asString()).isEqualTo("unknown_classes");
        assertThat(unknown.getBody().get("unknown_classes")).extracting(JsonNode::asString).containsExactly("class1");
        assertThat(unknown.getBody().get("detail").asString()).contains("class1");

        JsonNode bare = finished("/v1/evaluations/" + postJson("/v1/evaluations", Map.of("model", "tiny-clip",
                "class_names", List.of("class2", "class1", "class0", "cat"), "dataset_id", dataset, "split", "all"))
                .getBody().get("id").asString());
        assertThat(bare.get("status").asString()).as("%s", bare).isEqualTo("succeeded");
        assertThat(bare.at("/report/examples").asInt()).as("4 images per class in each of 3 splits").isEqualTo(36);
        assertThat(bare.at("/report/summary/accuracy").has("with_prompt")).isFalse();
        assertThat(bare.at("/report/per_class/3/support").asLong()).as("'cat' has no images").isZero();
        assertThat(bare.at("/report/per_class/0/support").asLong()).isEqualTo(12);
        assertThat(bare.at("/report/top_k").asInt()).isEqualTo(4);

        for (Map<String, Object> refused : List.<Map<String, Object>>of(
                Map.of("dataset_id", dataset),
                Map.of("model", "tiny-clip", "prompt_id", UUID.randomUUID().toString(), "dataset_id", dataset),
                Map.of("model", "tiny-clip", "class_names", List.of("class0", "class1", "class2"), "dataset_id", dataset,
                        "split", "everything"),
                Map.of("model", "no-such-model", "dataset_id", dataset),
                Map.of("model", "tiny-clip", "class_names", List.of("class0", "class1", "class2"),
                        "dataset_id", UUID.randomUUID().toString()))) {
            ResponseEntity<JsonNode> response = postJson("/v1/evaluations", refused);
            assertThat(response.getStatusCode()).as("%s", refused).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(response.getBody().get("code").asString()).isEqualTo("invalid_field");
        }
        ResponseEntity<JsonNode> badBaseline = postJson("/v1/training-jobs", Map.of("dataset_id", dataset,
                "model", "fashion-cnn", "baselines", List.of("knn")));
        assertThat(badBaseline.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(badBaseline.getBody().at("/errors/0/field").asString()).isEqualTo("baselines");
        ResponseEntity<JsonNode> noPrompt = postJson("/v1/evaluations",
                Map.of("prompt_id", UUID.randomUUID().toString(), "dataset_id", dataset));
        assertThat(noPrompt.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(noPrompt.getBody().get("code").asString()).isEqualTo("prompt_not_found");
    }

    @Test
    void anotherTenantsEvaluationIsNotFoundAndEveryEndpointNeedsItsScope() {
        String dataset = upload(TestArchives.randomImageFolder(2, 3, 8), "random-two");
        String id = postJson("/v1/evaluations", Map.of("model", "tiny-clip", "class_names", List.of("class0", "class1"),
                "dataset_id", dataset)).getBody().get("id").asString();
        String tenant = "eval-" + UUID.randomUUID().toString().substring(0, 8);
        RestClient other = client(key(tenant, List.of("jobs:read", "jobs:write", "datasets:read")));
        for (String path : List.of("", "/events", "/errors", "/confusion-matrix", "/reliability-diagram")) {
            ResponseEntity<JsonNode> response = other.get().uri("/v1/evaluations/" + id + path).retrieve()
                    .toEntity(JsonNode.class);
            assertThat(response.getStatusCode()).as(path).isEqualTo(HttpStatus.NOT_FOUND);
            assertThat(response.getBody().get("code").asString()).isEqualTo("evaluation_not_found");
        }
        assertThat(other.post().uri("/v1/evaluations/" + id + "/cancel").retrieve().toEntity(JsonNode.class)
                .getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(other.get().uri("/v1/evaluations").retrieve().body(JsonNode.class).get("data")).isEmpty();
        ResponseEntity<JsonNode> foreignDataset = other.post().uri("/v1/evaluations").contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("model", "tiny-clip", "class_names", List.of("class0", "class1"), "dataset_id", dataset))
                .retrieve().toEntity(JsonNode.class);
        assertThat(foreignDataset.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);

        RestClient reader = client(key(tenant, List.of("jobs:read")));
        RestClient datasetsOnly = client(key(tenant, List.of("datasets:read")));
        assertThat(reader.post().uri("/v1/evaluations").contentType(MediaType.APPLICATION_JSON).body(Map.of())
                .retrieve().toEntity(JsonNode.class).getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(reader.post().uri("/v1/evaluations/" + id + "/cancel").retrieve().toEntity(JsonNode.class)
                .getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);
        for (String path : List.of("", "/" + id, "/" + id + "/events", "/" + id + "/errors", "/" + id + "/confusion-matrix")) {
            assertThat(datasetsOnly.get().uri("/v1/evaluations" + path).retrieve().toEntity(JsonNode.class)
                    .getStatusCode()).as(path).isEqualTo(HttpStatus.FORBIDDEN);
        }
        assertThat(client(null).get().uri("/v1/evaluations").retrieve().toEntity(JsonNode.class).getStatusCode())
                .isEqualTo(HttpStatus.UNAUTHORIZED);

        // leave no work behind: on a shared database the next class's workers would claim it
        http.post().uri("/v1/evaluations/" + id + "/cancel").retrieve().toBodilessEntity();
        await().atMost(Duration.ofMinutes(1)).until(() -> DONE.contains(
                getJson("/v1/evaluations/" + id).getBody().get("status").asString()));
    }

    private String key(String tenant, List<String> scopes) {
        return postJson("/v1/api-keys", Map.of("name", "evaluator", "tenant", tenant, "scopes", scopes)).getBody()
                .get("key").asString();
    }

    private String upload(byte[] zip, String name) {
        ResponseEntity<JsonNode> upload = uploadDataset(zip, name + ".zip", name);
        assertThat(upload.getStatusCode()).as("%s", upload.getBody()).isEqualTo(HttpStatus.CREATED);
        return upload.getBody().get("id").asString();
    }

    private JsonNode finished(String path) {
        return await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
                .until(() -> getJson(path).getBody(), j -> DONE.contains(j.get("status").asString()));
    }

    static long[][] matrix(JsonNode rows) {
        long[][] matrix = new long[rows.size()][];
        for (int i = 0; i < rows.size(); i++) {
            matrix[i] = new long[rows.get(i).size()];
            for (int j = 0; j < rows.get(i).size(); j++) {
                matrix[i][j] = rows.get(i).get(j).asLong();
            }
        }
        return matrix;
    }

    static BufferedImage png(ResponseEntity<byte[]> response) {
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.IMAGE_PNG);
        try {
            return ImageIO.read(new ByteArrayInputStream(response.getBody()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The archive with only the class folders named (in every split). */
    static byte[] classes(byte[] zip, Set<String> keep) {
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip));
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                ZipOutputStream out = new ZipOutputStream(bytes)) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                String[] parts = entry.getName().split("/");
                if (entry.isDirectory() || parts.length < 3 || !keep.contains(parts[1])) {
                    continue;
                }
                out.putNextEntry(new ZipEntry(entry.getName()));
                in.transferTo(out);
                out.closeEntry();
            }
            out.finish();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
