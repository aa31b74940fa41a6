package io.visprompt.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.visprompt.PostgresIntegrationTest;
import io.visprompt.TestArchives;
import io.visprompt.TestImages;
import io.visprompt.dataset.internal.DatasetStorage;
import io.visprompt.storage.internal.LocalObjectCache;
import io.visprompt.storage.internal.S3ObjectStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import tools.jackson.databind.JsonNode;

/**
 * The service on an S3 bucket (a real S3 server: S3Proxy as its own process): uploaded models, dataset images and
 * learned prompts are objects in the bucket, the local dataset directory keeps none of them, and a worker trains
 * from what it reads through its local cache.
 */
@DirtiesContext
@TestPropertySource(properties = {"visprompt.training.workers=true", "visprompt.training.heartbeat-interval=1s",
        "visprompt.storage.type=s3"})
class S3StorageTests extends PostgresIntegrationTest {

    static final S3ProxyServer SERVER = S3ProxyServer.start();
    static final String BUCKET = SERVER.newBucket();

    @Autowired
    DatasetStorage localDatasets;

    @DynamicPropertySource
    static void bucket(DynamicPropertyRegistry registry) {
        SERVER.register(registry, BUCKET);
    }

    @AfterAll
    static void stopServer() {
        SERVER.close();
    }

    @Test
    void modelsAndDatasetsLiveInTheBucketAndAJobTrainsFromThem() throws IOException {
        S3ObjectStore bucket = new S3ObjectStore(SERVER.settings(BUCKET, S3ProxyServer.SECRET_KEY),
                new LocalObjectCache(Files.createTempDirectory("s3-test-cache"), 1 << 20));
        Path fixtures = Path.of("src/test/resources/fixtures/upload");
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("file", filePart(Files.readAllBytes(fixtures.resolve("resnet-tiny.pt")), "model.pt",
                MediaType.APPLICATION_OCTET_STREAM));
        parts.add("metadata", Files.readString(fixtures.resolve("resnet-tiny.json"))
                .replace("\"resnet-tiny\"", "\"s3-" + UUID.randomUUID() + "\""));
        ResponseEntity<JsonNode> model = http.post().uri("/v1/models").contentType(MediaType.MULTIPART_FORM_DATA)
                .body(parts).retrieve().toEntity(JsonNode.class);
        assertThat(model.getStatusCode()).as("%s", model.getBody()).isEqualTo(HttpStatus.CREATED);
        String modelId = model.getBody().get("id").asString();
        byte[] archive = TestArchives.fixture("mnist-small.zip");
        ResponseEntity<JsonNode> dataset = uploadDataset(archive, "mnist-small.zip", "mnist-small");
        assertThat(dataset.getStatusCode()).as("%s", dataset.getBody()).isEqualTo(HttpStatus.CREATED);
        String datasetId = dataset.getBody().get("id").asString();

        assertThat(bucket.keys("models/" + modelId)).hasSize(2);
        assertThat(bucket.read("models/" + modelId + "/model.pt"))
                .isEqualTo(Files.readAllBytes(fixtures.resolve("resnet-tiny.pt")));
        int images = dataset.getBody().at("/image_counts/train").asInt() + dataset.getBody().at("/image_counts/val")
                .asInt() + dataset.getBody().at("/image_counts/test").asInt();
        assertThat(bucket.keys("datasets/" + datasetId)).hasSize(images);
        assertThat(Files.exists(localDatasets.directory(UUID.fromString(datasetId)))).as("no local copy of the dataset")
                .isFalse();

        ResponseEntity<JsonNode> job = postJson("/v1/training-jobs", Map.of("dataset_id", datasetId, "model", modelId,
                "output", Map.of("label_mapping", "frequency"), "hyperparameters", Map.of("epochs", 1,
                        "batch_size", 32)));
        assertThat(job.getStatusCode()).as("%s", job.getBody()).isEqualTo(HttpStatus.CREATED);
        JsonNode ended = await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500))
                .until(() -> getJson("/v1/training-jobs/" + job.getBody().get("id").asString()).getBody(),
                        j -> List.of("succeeded", "failed", "cancelled").contains(j.get("status").asString()));
        assertThat(ended.get("status").asString()).as("%s", ended).isEqualTo("succeeded");
        // the learned prompt's tensors are an object in the bucket too
        String promptId = ended.at("/result/prompt_id").asString();
        assertThat(bucket.keys("prompts/" + promptId)).singleElement().asString()
                .startsWith("prompts/" + promptId + "/tensors-").endsWith(".f32");

        MultiValueMap<String, Object> classify = new LinkedMultiValueMap<>();
        classify.add("image", filePart(TestImages.testSplit(archive).values().iterator().next(), "image.png",
                MediaType.IMAGE_PNG));
        classify.add("prompt_id", promptId);
        ResponseEntity<JsonNode> classified = http.post().uri("/v1/classify").contentType(MediaType.MULTIPART_FORM_DATA)
                .body(classify).retrieve().toEntity(JsonNode.class);
        assertThat(classified.getStatusCode()).as("%s", classified.getBody()).isEqualTo(HttpStatus.OK);
        // a stored thumbnail comes from the bucket too
        assertThat(http.get().uri("/v1/datasets/" + datasetId + "/classes/0/images/0").retrieve()
                .toEntity(byte[].class).getStatusCode()).isEqualTo(HttpStatus.OK);

        assertThat(http.delete().uri("/v1/datasets/" + datasetId).retrieve().toBodilessEntity().getStatusCode())
                .isEqualTo(HttpStatus.NO_CONTENT);
        assertThat(bucket.keys("datasets/" + datasetId)).isEmpty();
        bucket.close();
    }

    @Test
    void aCorruptedCopyOfADatasetInTheBucketReadsTheSourceFromTheBucket() throws IOException {
        ResponseEntity<JsonNode> source = uploadDataset(TestArchives.randomImageFolder(2, 4, 17), "random.zip",
                "s3-derive-source");
        assertThat(source.getStatusCode()).as("%s", source.getBody()).isEqualTo(HttpStatus.CREATED);
        String sourceId = source.getBody().get("id").asString();
        assertThat(Files.exists(localDatasets.directory(UUID.fromString(sourceId)))).as("only in the bucket").isFalse();

        ResponseEntity<JsonNode> derived = postJson("/v1/datasets/" + sourceId + "/derive",
                Map.of("corruption", "gaussian_noise", "severity", 5, "seed", 3));

        assertThat(derived.getStatusCode()).as("%s", derived.getBody()).isEqualTo(HttpStatus.CREATED);
        String derivedId = derived.getBody().get("id").asString();
        try (S3ObjectStore bucket = new S3ObjectStore(SERVER.settings(BUCKET, S3ProxyServer.SECRET_KEY),
                new LocalObjectCache(Files.createTempDirectory("s3-test-cache"), 1 << 20))) {
            List<String> sourceKeys = bucket.keys("datasets/" + sourceId);
            List<String> derivedKeys = bucket.keys("datasets/" + derivedId);
            assertThat(sourceKeys).hasSize(2 * 4 * 3);
            assertThat(derivedKeys).hasSize(sourceKeys.size());
            String first = sourceKeys.get(0).substring(("datasets/" + sourceId).length());
            assertThat(bucket.read("datasets/" + derivedId + first)).as("noisy, not a copy")
                    .isNotEqualTo(bucket.read(sourceKeys.get(0)));
        }
        assertThat(Files.exists(localDatasets.directory(UUID.fromString(derivedId)))).isFalse();
    }
}
