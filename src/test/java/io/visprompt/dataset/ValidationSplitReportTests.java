package io.visprompt.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.visprompt.PostgresIntegrationTest;
import io.visprompt.TestArchives;
import org.junit.jupiter.api.Test;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import tools.jackson.databind.JsonNode;

/**
 * Validation images taken from the training images are reported, never silent: in the upload's answer and in a
 * job's {@code data_loaded} event.
 */
// Trains a job: workers on (as TrainAndServeTests), and closed after the class so they claim no other class's jobs.
@DirtiesContext
@TestPropertySource(properties = {"visprompt.training.workers=true", "visprompt.training.heartbeat-interval=1s",
        "visprompt.inference.max-batch-wait=20ms"})
class ValidationSplitReportTests extends PostgresIntegrationTest {

    @Test
    void trainAndTestFoldersWithoutValGiveUpATenthOfTheTrainingImagesAndSaySo() {
        ResponseEntity<JsonNode> upload = uploadDataset(TestArchives.randomImageFolder(2, 10, 1, "train", "test"),
                "no-val.zip", "no-val");

        assertThat(upload.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        JsonNode body = upload.getBody();
        assertThat(body.at("/validation/source").asString()).isEqualTo("carved_from_train");
        assertThat(body.at("/validation/fraction").asDouble()).isEqualTo(0.1);
        assertThat(body.at("/validation/count").asInt()).isEqualTo(2).isEqualTo(body.at("/image_counts/val").asInt());
        assertThat(body.at("/image_counts/train").asInt()).isEqualTo(18);
        assertThat(getJson("/v1/datasets/" + body.get("id").asString()).getBody().at("/validation/source").asString())
                .isEqualTo("carved_from_train");
    }

    @Test
    void valFractionZeroKeepsEveryTrainingImage() {
        ResponseEntity<JsonNode> upload = upload(TestArchives.randomImageFolder(2, 10, 2, "train", "test"), "0");

        assertThat(upload.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        assertThat(upload.getBody().at("/image_counts/train").asInt()).isEqualTo(20);
        assertThat(upload.getBody().at("/validation/source").asString()).isEqualTo("none");
        assertThat(upload.getBody().at("/validation/count").asInt()).isZero();
    }

    @Test
    void aValFolderOrARandomSplitIsNamedAsSuch() {
        JsonNode folders = uploadDataset(TestArchives.randomImageFolder(2, 3, 3), "folders.zip", "folders").getBody();
        assertThat(folders.at("/validation/source").asString()).isEqualTo("val_folder");
        assertThat(folders.at("/validation/count").asInt()).isEqualTo(6);
        assertThat(folders.at("/validation").has("fraction")).as("folders decided").isFalse();

        JsonNode flat = uploadDataset(TestArchives.randomImageFolder(2, 10, 4, ""), "flat.zip", "flat").getBody();
        assertThat(flat.at("/validation/source").asString()).isEqualTo("random_split");
        assertThat(flat.at("/validation/fraction").asDouble()).isEqualTo(0.1);
        assertThat(flat.at("/validation/count").asInt()).isEqualTo(flat.at("/image_counts/val").asInt()).isPositive();
    }

    @Test
    void aJobsDataLoadedEventCountsTheSplitsAndSaysWhereValidationCameFrom() {
        String dataset = uploadDataset(TestArchives.randomImageFolder(2, 10, 5, "train", "test"), "no-val.zip",
                "no-val").getBody().get("id").asString();
        String job = postJson("/v1/training-jobs", Map.of("dataset_id", dataset, "model", "fashion-cnn",
                "hyperparameters", Map.of("epochs", 1, "batch_size", 18))).getBody().get("id").asString();

        await().atMost(Duration.ofMinutes(3)).until(() -> List.of("succeeded", "failed", "cancelled")
                .contains(getJson("/v1/training-jobs/" + job).getBody().get("status").asString()));

        List<String> dataLoaded = new ArrayList<>();
        getJson("/v1/training-jobs/" + job + "/events?limit=100").getBody().get("data").forEach(e -> {
            if ("data_loaded".equals(e.get("type").asString())) {
                dataLoaded.add(e.get("message").asString());
            }
        });
        assertThat(dataLoaded).containsExactly("18 training, 2 validation (carved from train/: val_fraction 0.1 of "
                + "each class's training images, as the archive has no val/ folder) and 20 test images");
    }

    private ResponseEntity<JsonNode> upload(byte[] archive, String valFraction) {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        HttpHeaders zip = new HttpHeaders();
        zip.setContentType(MediaType.parseMediaType("application/zip"));
        parts.add("file", new HttpEntity<>(new ByteArrayResource(archive) {
            @Override
            public String getFilename() {
                return "archive.zip";
            }
        }, zip));
        parts.add("val_fraction", valFraction);
        return http.post().uri("/v1/datasets").contentType(MediaType.MULTIPART_FORM_DATA).body(parts).retrieve()
                .toEntity(JsonNode.class);
    }
}
