package io.visprompt.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;

import io.visprompt.PostgresIntegrationTest;
import io.visprompt.TestArchives;
import io.visprompt.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import tools.jackson.databind.JsonNode;

/**
 * The whole product through HTTP, as a user drives it: upload a dataset, train a prompt on the frozen demo
 * classifier, poll to the end, download the prompt and classify with it. One job is trained for the class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// Closed after the class: its workers must not claim other classes' jobs on a shared database.
@DirtiesContext
@TestPropertySource(properties = {"visprompt.training.workers=true", "visprompt.training.heartbeat-interval=1s",
        "visprompt.inference.max-batch-wait=20ms"})
class TrainAndServeTests extends PostgresIntegrationTest {

    static final byte[] DATASET = TestArchives.fixture("fashion-border.zip");
    static final int EPOCHS = 6;

    JsonNode job;
    String promptId;

    @BeforeAll
    void trainOnePrompt() throws Exception {
        httpClient();
        String datasetId = uploadDataset(DATASET, "fashion-border.zip", "fashion-border").getBody().get("id").asString();
        // expected.json's reference settings for this task; folder names match the model's labels (by_name)
        ResponseEntity<JsonNode> created = postJson("/v1/training-jobs", Map.of("dataset_id", datasetId,
                "model", "fashion-cnn", "output", Map.of("label_mapping", "by_name"), "hyperparameters",
                Map.of("epochs", EPOCHS, "batch_size", 32, "learning_rate", 4, "warmup_steps", 20, "seed", 0)));
        assertThat(created.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        job = awaitEnd(created.getBody().get("id").asString(), Duration.ofMinutes(5));
        promptId = job.at("/result/prompt_id").asString();
    }

    @Test
    void jobSucceedsWithPerEpochMetricsEventsAndAPromptThatBeatsTheFrozenModel() {
        assertThat(job.get("status").asString()).as(job.toString()).isEqualTo("succeeded");
        assertThat(job.at("/progress/percent").asDouble()).isEqualTo(100.0);
        double zeroShot = job.at("/result/zero_shot_test_accuracy").asDouble();
        double prompted = job.at("/result/prompted_test_accuracy").asDouble();
        assertThat(zeroShot).as("the border watermark wrecks the frozen CNN").isLessThan(0.3);
        assertThat(prompted).as("the learned padding cancels it (PyTorch reaches 0.80)").isGreaterThan(0.6);

        String id = job.get("id").asString();
        JsonNode metrics = getJson("/v1/training-jobs/" + id + "/metrics").getBody().get("data");
        assertThat(metrics.size()).isEqualTo(EPOCHS);
        for (int e = 0; e < EPOCHS; e++) {
            assertThat(metrics.get(e).get("epoch").asInt()).isEqualTo(e + 1);
            assertThat(metrics.get(e).get("train_loss").asDouble()).isPositive();
            assertThat(metrics.get(e).get("validation_accuracy").asDouble()).isBetween(0.0, 1.0);
        }
        List<String> events = new ArrayList<>();
        getJson("/v1/training-jobs/" + id + "/events").getBody().get("data").forEach(e -> events.add(e.get("type").asString()));
        assertThat(events).startsWith("created", "claimed").endsWith("succeeded");
    }

    @Test
    void classifyingTheTestSplitReproducesTheAccuraciesTrainingReported() throws Exception {
        Map<String, byte[]> test = TestImages.testSplit(DATASET);
        // 16 clients at once, as a busy service sees them: the dynamic batcher groups their requests, where one
        // client at a time would wait out max-batch-wait on every image
        List<Callable<boolean[]>> requests = new ArrayList<>();
        for (Map.Entry<String, byte[]> image : test.entrySet()) {
            String truth = TestImages.classOf(image.getKey());
            requests.add(() -> new boolean[] {
                classify(image.getValue(), Map.of("prompt_id", promptId)).at("/predictions/0/label").asString()
                        .equals(truth),
                classify(image.getValue(), Map.of("prompt_id", promptId, "prompted", "false"))
                        .at("/predictions/0/label").asString().equals(truth)});
        }
        int promptedCorrect = 0;
        int unpromptedCorrect = 0;
        ExecutorService clients = Executors.newFixedThreadPool(16);
        try {
            for (Future<boolean[]> answer : clients.invokeAll(requests)) {
                boolean[] correct = answer.get();
                promptedCorrect += correct[0] ? 1 : 0;
                unpromptedCorrect += correct[1] ? 1 : 0;
            }
        } finally {
            clients.shutdownNow();
        }
        assertThat((double) promptedCorrect / test.size()).isCloseTo(job.at("/result/prompted_test_accuracy").asDouble(), within(1e-9));
        assertThat((double) unpromptedCorrect / test.size()).isCloseTo(job.at("/result/zero_shot_test_accuracy").asDouble(), within(1e-9));
    }

    @Test
    void promptDownloadsAsPictureAndExactTensorAndReimportsToIdenticalPredictions() throws Exception {
        JsonNode prompt = getJson("/v1/prompts/" + promptId).getBody();
        assertThat(prompt.get("model").asString()).isEqualTo("fashion-cnn");
        assertThat(prompt.get("shape").toString()).isEqualTo("[3,32,32]");

        ResponseEntity<byte[]> png = http.get().uri("/v1/prompts/" + promptId + "/content").accept(MediaType.IMAGE_PNG)
                .retrieve().toEntity(byte[].class);
        BufferedImage picture = ImageIO.read(new ByteArrayInputStream(png.getBody()));
        assertThat(picture.getWidth()).isEqualTo(32);
        assertThat(picture.getHeight()).isEqualTo(32);
        assertThat(picture.getRGB(16, 16) >>> 24).as("transparent where the padding mask is 0").isZero();
        assertThat(picture.getRGB(1, 1) >>> 24).isEqualTo(255);

        BufferedImage example = ImageIO.read(new ByteArrayInputStream(http.get()
                .uri("/v1/prompts/" + promptId + "/content?example=1").retrieve().body(byte[].class)));
        assertThat(example.getWidth()).isEqualTo(32);

        byte[] npy = http.get().uri("/v1/prompts/" + promptId + "/content").accept(MediaType.parseMediaType("application/x-npy"))
                .retrieve().body(byte[].class);
        byte[] mask = http.get().uri("/v1/prompts/" + promptId + "/mask").retrieve().body(byte[].class);
        ResponseEntity<byte[]> raw = http.get().uri("/v1/prompts/" + promptId + "/content")
                .accept(MediaType.APPLICATION_OCTET_STREAM).retrieve().toEntity(byte[].class);
        assertThat(raw.getHeaders().getFirst("X-Tensor-Shape")).isEqualTo("3,32,32");
        assertThat(raw.getBody()).hasSize(3 * 32 * 32 * 4);
        assertThat(java.util.Arrays.copyOfRange(npy, npy.length - raw.getBody().length, npy.length)).isEqualTo(raw.getBody());

        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("values", filePart(npy, "prompt.npy", MediaType.APPLICATION_OCTET_STREAM));
        parts.add("mask", filePart(mask, "mask.npy", MediaType.APPLICATION_OCTET_STREAM));
        parts.add("metadata", Map.of("model", "fashion-cnn", "class_names", prompt.get("class_names"),
                "label_mapping", prompt.get("label_mapping"), "template", "padding", "size", 4));
        ResponseEntity<JsonNode> imported = http.post().uri("/v1/prompts").contentType(MediaType.MULTIPART_FORM_DATA)
                .body(parts).retrieve().toEntity(JsonNode.class);
        assertThat(imported.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        String importedId = imported.getBody().get("id").asString();

        for (byte[] image : TestImages.testSplit(DATASET).values().stream().limit(20).toList()) {
            JsonNode original = classify(image, Map.of("prompt_id", promptId, "top_k", "10"));
            JsonNode copy = classify(image, Map.of("prompt_id", importedId, "top_k", "10"));
            assertThat(copy.get("predictions").toString()).isEqualTo(original.get("predictions").toString());
        }
    }

    @Test
    void previewExamplesLeaveNoDatasetFileOpen() throws Exception {
        for (int n = 1; n <= 20; n++) {
            assertThat(http.get().uri("/v1/prompts/" + promptId + "/content?example=" + n).retrieve()
                    .toEntity(byte[].class).getStatusCode()).isEqualTo(HttpStatus.OK);
        }
        List<Path> open = new ArrayList<>();
        try (DirectoryStream<Path> descriptors = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : descriptors) {
                try {
                    Path target = Files.readSymbolicLink(fd);
                    // the stored dataset images are the only PNG files the service reads
                    if (target.getFileName() != null && target.getFileName().toString().endsWith(".png")) {
                        open.add(target);
                    }
                } catch (IOException gone) {
                    // closed while listing
                }
            }
        }
        assertThat(open).as("dataset files this process still holds open").isEmpty();
    }

    @Test
    void openInferenceProtocolAnswersLikeClassify() {
        assertThat(getJson("/v2/health/live").getBody().get("live").asBoolean()).isTrue();
        assertThat(getJson("/v2/health/ready").getBody().get("ready").asBoolean()).isTrue();
        JsonNode metadata = getJson("/v2/models/" + promptId).getBody();
        assertThat(metadata.get("name").asString()).isEqualTo(promptId);
        assertThat(metadata.at("/inputs/1/shape").toString()).isEqualTo("[-1,3,32,32]");
        assertThat(metadata.at("/outputs/0/shape").toString()).isEqualTo("[-1,10]");

        byte[] image = TestImages.testSplit(DATASET).values().iterator().next();
        JsonNode viaClassify = classify(image, Map.of("prompt_id", promptId, "top_k", "1"));
        JsonNode inferred = postJson("/v2/models/" + promptId + "/infer", Map.of("id", "r1", "inputs", List.of(Map.of(
                "name", "image", "datatype", "BYTES", "shape", List.of(1),
                "data", List.of(Base64.getEncoder().encodeToString(image)))))).getBody();
        assertThat(inferred.get("id").asString()).isEqualTo("r1");
        assertThat(inferred.at("/outputs/1/data/0").asString()).isEqualTo(viaClassify.at("/predictions/0/label").asString());
        int top = viaClassify.at("/predictions/0/index").asInt();
        assertThat(inferred.at("/outputs/0/data/" + top).asDouble())
                .isCloseTo(viaClassify.at("/predictions/0/probability").asDouble(), within(1e-6));

        ResponseEntity<JsonNode> badShape = postJson("/v2/models/" + promptId + "/infer", Map.of("inputs", List.of(Map.of(
                "name", "pixels", "datatype", "FP32", "shape", List.of(1, 3, 8, 8), "data", List.of(0.5)))));
        assertThat(badShape.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(badShape.getBody().get("error").asString()).contains("[N, 3, 32, 32]");
        assertThat(getJson("/v2/models/" + java.util.UUID.randomUUID()).getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
    }

    @Test
    void badClassifyRequestsGetTheirOwn4xx() {
        assertThat(classifyStatus("not an image".getBytes(), Map.of("prompt_id", promptId)))
                .isEqualTo(Map.entry(HttpStatus.BAD_REQUEST, "undecodable_image"));
        assertThat(classifyStatus(TestImages.pngClaiming(60000, 60000), Map.of("prompt_id", promptId)))
                .isEqualTo(Map.entry(HttpStatus.CONTENT_TOO_LARGE, "image_too_large"));
        byte[] image = TestImages.testSplit(DATASET).values().iterator().next();
        assertThat(classifyStatus(image, Map.of("prompt_id", java.util.UUID.randomUUID().toString())))
                .isEqualTo(Map.entry(HttpStatus.NOT_FOUND, "prompt_not_found"));
        assertThat(classifyStatus(image, Map.of("prompt_id", job.get("id").asString())))
                .as("a job id is not a prompt id").isEqualTo(Map.entry(HttpStatus.NOT_FOUND, "prompt_not_found"));
        assertThat(classifyStatus(image, Map.of("prompt_id", promptId, "top_k", "0")))
                .isEqualTo(Map.entry(HttpStatus.BAD_REQUEST, "invalid_field"));
        assertThat(classifyStatus(image, Map.of())).isEqualTo(Map.entry(HttpStatus.BAD_REQUEST, "invalid_field"));
        ResponseEntity<JsonNode> wrongType = http.post().uri("/v1/classify").contentType(MediaType.TEXT_PLAIN)
                .body("hello").retrieve().toEntity(JsonNode.class);
        assertThat(wrongType.getStatusCode()).isEqualTo(HttpStatus.UNSUPPORTED_MEDIA_TYPE);
    }

    @Test
    void unpromptedModelAnswersOverItsOwnLabelsForComparison() {
        byte[] image = TestImages.testSplit(DATASET).values().iterator().next();
        JsonNode answer = classify(image, Map.of("model", "fashion-cnn", "top_k", "3"));
        assertThat(answer.get("prompted").asBoolean()).isFalse();
        assertThat(answer.get("predictions").size()).isEqualTo(3);
        double total = 0;
        for (JsonNode p : classify(image, Map.of("model", "fashion-cnn", "top_k", "10")).get("predictions")) {
            total += p.get("probability").asDouble();
        }
        assertThat(total).isCloseTo(1.0, within(1e-4));
    }

    private JsonNode classify(byte[] image, Map<String, String> params) {
        ResponseEntity<JsonNode> response = classifyRequest(image, params);
        assertThat(response.getStatusCode()).as(String.valueOf(response.getBody())).isEqualTo(HttpStatus.OK);
        return response.getBody();
    }

    private Map.Entry<HttpStatus, String> classifyStatus(byte[] image, Map<String, String> params) {
        ResponseEntity<JsonNode> response = classifyRequest(image, params);
        return Map.entry(HttpStatus.valueOf(response.getStatusCode().value()), response.getBody().get("code").asString());
    }

    private ResponseEntity<JsonNode> classifyRequest(byte[] image, Map<String, String> params) {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("image", filePart(image, "image.png", MediaType.APPLICATION_OCTET_STREAM));
        params.forEach(parts::add);
        return http.post().uri("/v1/classify").contentType(MediaType.MULTIPART_FORM_DATA).body(parts).retrieve()
                .toEntity(JsonNode.class);
    }

    private JsonNode awaitEnd(String id, Duration timeout) {
        return await().atMost(timeout).pollInterval(Duration.ofMillis(500))
                .until(() -> getJson("/v1/training-jobs/" + id).getBody(),
                        job -> List.of("succeeded", "failed", "cancelled").contains(job.get("status").asString()));
    }
}
