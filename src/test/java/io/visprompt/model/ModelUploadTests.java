package io.visprompt.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import io.visprompt.PostgresIntegrationTest;
import io.visprompt.TestArchives;
import io.visprompt.TestImages;
import io.visprompt.storage.ObjectStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Models uploaded through {@code POST /v1/models}: validated at upload (every refusal stores nothing: rows and
 * objects are counted around each), owned by the uploading tenant, and usable by training and classification like a
 * configured model. The fixtures come from {@code src/fixtures/make_upload_fixtures.py}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// Closed after the class: its workers must not claim other classes' jobs on a shared database.
@DirtiesContext
@TestPropertySource(properties = {"visprompt.training.workers=true", "visprompt.training.heartbeat-interval=1s",
        "visprompt.model-uploads.max-size=600KB"})
class ModelUploadTests extends PostgresIntegrationTest {

    static final Path FIXTURES = Path.of("src/test/resources/fixtures/upload");
    static final Path TINY_CLIP = Path.of("src/main/resources/models/tiny-clip");
    static final List<String> SCOPES = List.of("datasets:read", "datasets:write", "jobs:read", "jobs:write",
            "prompts:read", "classify", "models:write");

    @Autowired
    ObjectStore store;

    @Autowired
    JdbcClient jdbc;

    final JsonMapper json = JsonMapper.builder().build();
    final String suffix = UUID.randomUUID().toString().substring(0, 8);
    final String alice = "upload-alice-" + suffix;
    final String bob = "upload-bob-" + suffix;
    RestClient asAlice;
    RestClient asBob;

    @BeforeAll
    void tenants() {
        httpClient();
        asAlice = client(newKey(alice));
        asBob = client(newKey(bob));
    }

    @Test
    void anUploadedClassifierIsValidatedStoredAndShownToItsTenantOnly() throws Exception {
        ResponseEntity<JsonNode> created = uploadModel(asAlice, "resnet-tiny.pt", metadata("resnet-shown"));

        assertThat(created.getStatusCode()).as("%s", created.getBody()).isEqualTo(HttpStatus.CREATED);
        JsonNode model = created.getBody();
        String id = model.get("id").asString();
        assertThat(created.getHeaders().getLocation()).hasToString("/v1/models/" + id);
        assertThat(model.get("name").asString()).isEqualTo("resnet-shown-" + suffix);
        assertThat(model.get("origin").asString()).isEqualTo("uploaded");
        assertThat(model.get("kind").asString()).isEqualTo("classifier");
        assertThat(model.get("input_size").asInt()).isEqualTo(32);
        assertThat(model.get("labels").size()).isEqualTo(10);
        assertThat(model.at("/normalization/mean/0").floatValue()).isEqualTo(0.5f);
        assertThat(model.has("feature_method")).as("no feature_method in its metadata").isFalse();
        byte[] file = Files.readAllBytes(FIXTURES.resolve("resnet-tiny.pt"));
        assertThat(model.get("sha256").asString())
                .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(file)));
        assertThat(store.keys("models/" + id)).containsExactly("models/" + id + "/model.json", "models/" + id + "/model.pt");
        assertThat(store.read("models/" + id + "/model.pt")).isEqualTo(file);

        assertThat(ids(asAlice.get().uri("/v1/models").retrieve().toEntity(JsonNode.class).getBody()))
                .contains("fashion-cnn", "tiny-clip", id);
        assertThat(ids(asBob.get().uri("/v1/models").retrieve().toEntity(JsonNode.class).getBody()))
                .contains("fashion-cnn", "tiny-clip").doesNotContain(id);
        assertThat(asAlice.get().uri("/v1/models/" + id).retrieve().toEntity(JsonNode.class).getBody().get("name")
                .asString()).isEqualTo("resnet-shown-" + suffix);
        assertProblem(asBob.get().uri("/v1/models/" + id).retrieve().toEntity(JsonNode.class), 404, "model_not_found");
        assertProblem(asBob.delete().uri("/v1/models/" + id).retrieve().toEntity(JsonNode.class), 404,
                "model_not_found");
        // nor can bob train or classify with it
        String bobsDataset = upload(asBob, TestArchives.fixture("mnist-small.zip"));
        assertProblem(asBob.post().uri("/v1/training-jobs").contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("dataset_id", bobsDataset, "model", id)).retrieve().toEntity(JsonNode.class), 400,
                "invalid_field");
        assertProblem(classify(asBob, Map.of("model", id)), 404, "model_not_found");
        // configured models cannot be deleted through the API
        assertProblem(asAlice.delete().uri("/v1/models/fashion-cnn").retrieve().toEntity(JsonNode.class), 409,
                "model_configured");
    }

    @Test
    void anUploadedClassifiersFeatureMethodIsShown() throws Exception {
        Path fixture = Path.of("src/test/resources/fixtures/evaluation/feature-classifier");
        ObjectNode metadata = (ObjectNode) json.readTree(Files.readString(fixture.resolve("model.json")));
        metadata.set("class_names", metadata.remove("labels"));
        metadata.put("name", "feature-probe-" + suffix);

        ResponseEntity<JsonNode> created = post(asAlice, parts(Files.readAllBytes(fixture.resolve("model.pt")),
                metadata));

        assertThat(created.getStatusCode()).as("%s", created.getBody()).isEqualTo(HttpStatus.CREATED);
        String id = created.getBody().get("id").asString();
        assertThat(created.getBody().get("feature_method").asString()).isEqualTo("features");
        assertThat(asAlice.get().uri("/v1/models/" + id).retrieve().toEntity(JsonNode.class).getBody()
                .get("feature_method").asString()).isEqualTo("features");
        JsonNode listed = null;
        for (JsonNode m : asAlice.get().uri("/v1/models").retrieve().toEntity(JsonNode.class).getBody().get("data")) {
            if (m.get("id").asString().equals(id)) {
                listed = m;
            }
        }
        assertThat(listed).as("in the list").isNotNull();
        assertThat(listed.get("feature_method").asString()).isEqualTo("features");
    }

    @Test
    void aPromptTrainsOnAnUploadedModelEndToEndAndClassifies() throws Exception {
        String modelId = uploadModel(asAlice, "resnet-tiny.pt", metadata("resnet-trained")).getBody().get("id")
                .asString();
        String datasetId = upload(asAlice, TestArchives.fixture("mnist-small.zip"));
        ResponseEntity<JsonNode> job = asAlice.post().uri("/v1/training-jobs").contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("dataset_id", datasetId, "model", modelId, "output", Map.of("label_mapping", "frequency"),
                        "hyperparameters", Map.of("epochs", 3, "batch_size", 32, "learning_rate", 4,
                                "warmup_steps", 5)))
                .retrieve().toEntity(JsonNode.class);
        assertThat(job.getStatusCode()).as("%s", job.getBody()).isEqualTo(HttpStatus.CREATED);

        JsonNode ended = awaitEnd(asAlice, job.getBody().get("id").asString());

        assertThat(ended.get("status").asString()).as("%s", ended).isEqualTo("succeeded");
        String promptId = ended.at("/result/prompt_id").asString();
        JsonNode prompt = asAlice.get().uri("/v1/prompts/" + promptId).retrieve().toEntity(JsonNode.class).getBody();
        assertThat(prompt.get("model").asString()).isEqualTo(modelId);
        double prompted = ended.at("/result/prompted_test_accuracy").asDouble();
        double mappingOnly = ended.at("/result/zero_shot_test_accuracy").asDouble();
        double baseline = ended.at("/result/baseline_test_accuracy").asDouble();
        // a Fashion-MNIST model on digits: the bare model is at chance (0.097 seen), mapping and prompt lift it (0.173)
        assertThat(prompted).as("%s", ended.get("result")).isGreaterThan(baseline + 0.05)
                .isGreaterThanOrEqualTo(mappingOnly);
        Map.Entry<String, byte[]> image = TestImages.testSplit(TestArchives.fixture("mnist-small.zip")).entrySet()
                .iterator().next();
        ResponseEntity<JsonNode> classified = classify(asAlice, Map.of("prompt_id", promptId), image.getValue());
        assertThat(classified.getStatusCode()).as("%s", classified.getBody()).isEqualTo(HttpStatus.OK);
        assertThat(classified.getBody().at("/predictions/0/label").asString()).isNotEmpty();
        // the bare uploaded model classifies over its own labels
        ResponseEntity<JsonNode> bare = classify(asAlice, Map.of("model", modelId), image.getValue());
        assertThat(bare.getStatusCode()).as("%s", bare.getBody()).isEqualTo(HttpStatus.OK);
        assertThat(bare.getBody().at("/predictions/0/label").asString()).isIn(labels());
    }

    @Test
    void aModelIsNotDeletedWhileAJobUsesItAndDeletingRemovesRowAndFiles() {
        String modelId = uploadModel(asAlice, "resnet-tiny.pt", metadata("resnet-deleted")).getBody().get("id")
                .asString();
        String datasetId = upload(asAlice, TestArchives.fixture("mnist-small.zip"));
        String jobId = asAlice.post().uri("/v1/training-jobs").contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("dataset_id", datasetId, "model", modelId, "hyperparameters", Map.of("epochs", 200)))
                .retrieve().toEntity(JsonNode.class).getBody().get("id").asString();

        assertProblem(asAlice.delete().uri("/v1/models/" + modelId).retrieve().toEntity(JsonNode.class), 409,
                "model_in_use");
        assertThat(store.keys("models/" + modelId)).hasSize(2);

        asAlice.post().uri("/v1/training-jobs/" + jobId + "/cancel").retrieve().toBodilessEntity();
        awaitEnd(asAlice, jobId);
        assertThat(asAlice.delete().uri("/v1/models/" + modelId).retrieve().toBodilessEntity().getStatusCode())
                .isEqualTo(HttpStatus.NO_CONTENT);
        assertThat(store.keys("models/" + modelId)).isEmpty();
        assertThat(rows(alice)).isEqualTo(jdbc.sql("SELECT count(*) FROM uploaded_models WHERE tenant = :t")
                .param("t", alice).query(Long.class).single());
        assertProblem(asAlice.get().uri("/v1/models/" + modelId).retrieve().toEntity(JsonNode.class), 404,
                "model_not_found");
    }

    @Test
    void aClipModelUploadsWithATextEncoderAndTokenizerOrPrecomputedEmbeddings() throws IOException {
        ObjectNode clip = json.createObjectNode().put("name", "clip-" + suffix).put("kind", "clip")
                .put("input_size", 32).put("context_length", 16).put("logit_scale", 14.2);
        clip.putArray("mean").add(0.286).add(0.286).add(0.286);
        clip.putArray("std").add(0.353).add(0.353).add(0.353);
        clip.putArray("templates").add("This is a photo of a {}.");
        MultiValueMap<String, Object> parts = clipParts(clip);
        parts.add("text_encoder", filePart(Files.readAllBytes(TINY_CLIP.resolve("text_encoder.pt")), "text_encoder.pt",
                MediaType.APPLICATION_OCTET_STREAM));
        parts.add("tokenizer", filePart(Files.readAllBytes(TINY_CLIP.resolve("tokenizer.json")), "tokenizer.json",
                MediaType.APPLICATION_JSON));

        ResponseEntity<JsonNode> created = post(asAlice, parts);

        assertThat(created.getStatusCode()).as("%s", created.getBody()).isEqualTo(HttpStatus.CREATED);
        assertThat(created.getBody().get("kind").asString()).isEqualTo("clip");
        String id = created.getBody().get("id").asString();
        assertThat(store.keys("models/" + id)).extracting(k -> k.substring(k.lastIndexOf('/') + 1))
                .containsExactlyInAnyOrder("image_encoder.pt", "text_encoder.pt", "tokenizer.json", "model.json");
        // the bare model classifies over given class names, as the configured tiny-clip does
        ResponseEntity<JsonNode> classified = classify(asAlice, Map.of("model", id, "class_names", "trouser,bag"),
                anImage());
        assertThat(classified.getStatusCode()).as("%s", classified.getBody()).isEqualTo(HttpStatus.OK);

        ObjectNode embedded = clip.deepCopy().put("name", "clip-embedded-" + suffix);
        embedded.remove("context_length");
        MultiValueMap<String, Object> withEmbeddings = clipParts(embedded);
        withEmbeddings.add("text_embeddings", filePart(embeddings(64), "text_embeddings.json",
                MediaType.APPLICATION_JSON));
        ResponseEntity<JsonNode> precomputed = post(asAlice, withEmbeddings);
        assertThat(precomputed.getStatusCode()).as("%s", precomputed.getBody()).isEqualTo(HttpStatus.CREATED);
    }

    @Test
    void everyBadModelIsRefusedWithItsCodeAndNothingIsStored() throws IOException {
        uploadModel(asBob, "resnet-tiny.pt", metadata("taken")).getStatusCode();
        byte[] noise = new byte[50_000];
        new Random(3).nextBytes(noise);
        byte[] tooLarge = new byte[700 * 1024];
        new Random(4).nextBytes(tooLarge);
        ObjectNode wrongKind = metadata("bad-kind").put("kind", "resnet");
        ObjectNode inputSize64 = metadata("bad-size").put("input_size", 64).put("resize", 64);
        ObjectNode noClassNames = metadata("no-classes");
        noClassNames.remove("class_names");
        ObjectNode clip = json.createObjectNode().put("name", "bad-clip").put("kind", "clip").put("input_size", 32);

        Map<String, Refusal> cases = new LinkedHashMap<>();
        cases.put("random bytes", new Refusal(parts(noise, metadata("noise")), 400, "not_torchscript"));
        cases.put("a state_dict, not TorchScript", new Refusal(parts(fixture("state-dict.pt"), metadata("dict")), 400,
                "not_torchscript"));
        cases.put("7 outputs for 10 class names", new Refusal(parts(fixture("seven-outputs.pt"), metadata("seven")),
                400, "output_shape_mismatch"));
        cases.put("NaN outputs", new Refusal(parts(fixture("nan-output.pt"), metadata("nan")), 400,
                "non_finite_output"));
        cases.put("detached input", new Refusal(parts(fixture("detached-input.pt"), metadata("detached")), 400,
                "input_not_differentiable"));
        cases.put("input size the model does not take", new Refusal(parts(fixture("fixed-input.pt"), inputSize64),
                400, "metadata_mismatch"));
        cases.put("too large", new Refusal(parts(tooLarge, metadata("large")), 413, "model_too_large"));
        cases.put("unknown kind", new Refusal(parts(fixture("resnet-tiny.pt"), wrongKind), 400, "invalid_field"));
        cases.put("classifier without class names", new Refusal(parts(fixture("resnet-tiny.pt"), noClassNames), 400,
                "invalid_field"));
        MultiValueMap<String, Object> wrongDimension = clipParts(clip);
        wrongDimension.add("text_embeddings", filePart(embeddings(63), "text_embeddings.json",
                MediaType.APPLICATION_JSON));
        cases.put("text embeddings of another size than the image features", new Refusal(wrongDimension, 400,
                "metadata_mismatch"));
        cases.put("clip without a text side", new Refusal(clipParts(clip), 400, "invalid_field"));
        cases.put("name the tenant already uses", new Refusal(parts(fixture("resnet-tiny.pt"), metadata("taken")), 409,
                "model_name_taken"));

        for (Map.Entry<String, Refusal> c : cases.entrySet()) {
            long rowsBefore = rows(bob);
            int objectsBefore = store.keys("models").size();

            ResponseEntity<JsonNode> refused = post(asBob, c.getValue().parts());

            assertThat(refused.getStatusCode().value()).as("%s: %s", c.getKey(), refused.getBody())
                    .isEqualTo(c.getValue().status());
            assertThat(refused.getHeaders().getContentType()).as(c.getKey())
                    .isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
            assertThat(refused.getBody().get("code").asString()).as("%s: %s", c.getKey(), refused.getBody())
                    .isEqualTo(c.getValue().code());
            assertThat(rows(bob)).as(c.getKey()).isEqualTo(rowsBefore);
            assertThat(store.keys("models").size()).as(c.getKey()).isEqualTo(objectsBefore);
        }
    }

    record Refusal(MultiValueMap<String, Object> parts, int status, String code) {
    }

    private ObjectNode metadata(String name) {
        try {
            ObjectNode node = (ObjectNode) json.readTree(Files.readString(FIXTURES.resolve("resnet-tiny.json")));
            return node.put("name", name + "-" + suffix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> labels() {
        List<String> labels = new ArrayList<>();
        metadata("x").get("class_names").forEach(n -> labels.add(n.asString()));
        return labels;
    }

    private static byte[] anImage() {
        return TestImages.testSplit(TestArchives.fixture("mnist-small.zip")).values().iterator().next();
    }

    private static byte[] fixture(String name) {
        try {
            return Files.readAllBytes(FIXTURES.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private MultiValueMap<String, Object> parts(byte[] model, ObjectNode metadata) {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("file", filePart(model, "model.pt", MediaType.APPLICATION_OCTET_STREAM));
        parts.add("metadata", metadata.toString());
        return parts;
    }

    private MultiValueMap<String, Object> clipParts(ObjectNode metadata) throws IOException {
        return parts(Files.readAllBytes(TINY_CLIP.resolve("image_encoder.pt")), metadata);
    }

    /** Precomputed text embeddings for the class names the tests classify with. */
    private byte[] embeddings(int dimension) {
        ObjectNode root = json.createObjectNode();
        var texts = root.putArray("texts");
        var vectors = root.putArray("embeddings");
        Random random = new Random(5);
        for (String name : List.of("trouser", "bag")) {
            texts.add("This is a photo of a " + name + ".");
            var vector = vectors.addArray();
            for (int d = 0; d < dimension; d++) {
                vector.add(random.nextGaussian());
            }
        }
        return root.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private ResponseEntity<JsonNode> uploadModel(RestClient client, String file, ObjectNode metadata) {
        return post(client, parts(fixture(file), metadata));
    }

    private static ResponseEntity<JsonNode> post(RestClient client, MultiValueMap<String, Object> parts) {
        return client.post().uri("/v1/models").contentType(MediaType.MULTIPART_FORM_DATA).body(parts).retrieve()
                .toEntity(JsonNode.class);
    }

    private String upload(RestClient client, byte[] zip) {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("file", filePart(zip, "data.zip", MediaType.parseMediaType("application/zip")));
        parts.add("name", "mnist-small");
        ResponseEntity<JsonNode> created = client.post().uri("/v1/datasets").contentType(MediaType.MULTIPART_FORM_DATA)
                .body(parts).retrieve().toEntity(JsonNode.class);
        assertThat(created.getStatusCode()).as("%s", created.getBody()).isEqualTo(HttpStatus.CREATED);
        return created.getBody().get("id").asString();
    }

    private ResponseEntity<JsonNode> classify(RestClient client, Map<String, String> fields) {
        return classify(client, fields, anImage());
    }

    private ResponseEntity<JsonNode> classify(RestClient client, Map<String, String> fields, byte[] image) {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("image", filePart(image, "image.png", MediaType.IMAGE_PNG));
        fields.forEach(parts::add);
        return client.post().uri("/v1/classify").contentType(MediaType.MULTIPART_FORM_DATA).body(parts).retrieve()
                .toEntity(JsonNode.class);
    }

    private JsonNode awaitEnd(RestClient client, String jobId) {
        return await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500))
                .until(() -> client.get().uri("/v1/training-jobs/" + jobId).retrieve().toEntity(JsonNode.class)
                        .getBody(), job -> List.of("succeeded", "failed", "cancelled")
                        .contains(job.get("status").asString()));
    }

    private long rows(String tenant) {
        return jdbc.sql("SELECT count(*) FROM uploaded_models WHERE tenant = :t").param("t", tenant)
                .query(Long.class).single();
    }

    private String newKey(String tenant) {
        ResponseEntity<JsonNode> created = postJson("/v1/api-keys",
                Map.of("name", "test " + tenant, "tenant", tenant, "scopes", SCOPES));
        assertThat(created.getStatusCode()).as("%s", created.getBody()).isEqualTo(HttpStatus.CREATED);
        return created.getBody().get("key").asString();
    }

    private static List<String> ids(JsonNode list) {
        List<String> ids = new ArrayList<>();
        list.get("data").forEach(m -> ids.add(m.get("id").asString()));
        return ids;
    }

    private static void assertProblem(ResponseEntity<JsonNode> response, int status, String code) {
        assertThat(response.getStatusCode().value()).as("%s", response.getBody()).isEqualTo(status);
        assertThat(response.getBody().get("code").asString()).isEqualTo(code);
    }
}
