package io.visprompt.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * An uploaded model deleted by another process (here: its row deleted through JDBC, as that process's delete does):
 * this process, which holds it loaded and serves classifiers on it, drops and closes it at the next lookup that finds
 * the row gone, and answers as for any unknown model. The periodic check is kept out of the way (1 h) here;
 * {@link IdleModelReleaseTests} shows it alone.
 */
@TestPropertySource(properties = {"visprompt.model-uploads.loaded-check-interval=1h",
        "visprompt.inference.prompt-cache-ttl=0s"})
class ModelDeletedElsewhereTests extends UploadedModelServingTest {

    @Test
    void aModelWhoseRowIsGoneIsReleasedAtItsNextLookupAndAnsweredAsUnknown() throws IOException {
        String modelId = upload();
        String promptId = importPrompt(modelId);
        byte[] image = anImage();
        assertThat(classify(Map.of("prompt_id", promptId), image).getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(classify(Map.of("model", modelId), image).getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(uploaded.loadedCount()).isEqualTo(1);
        assertThat(loadedGauge()).isEqualTo(1.0);

        deleteRowElsewhere(modelId);

        ResponseEntity<JsonNode> withPrompt = classify(Map.of("prompt_id", promptId), image);
        assertThat(withPrompt.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(withPrompt.getBody().get("code").asString()).isEqualTo("model_not_found");
        assertThat(uploaded.loadedCount()).as("released at the lookup that found the row gone").isZero();
        assertThat(loadedGauge()).isZero();
        ResponseEntity<JsonNode> bare = classify(Map.of("model", modelId), image);
        assertThat(bare.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(bare.getBody().get("code").asString()).isEqualTo("model_not_found");
        ResponseEntity<JsonNode> job = postJson("/v1/training-jobs", Map.of("dataset_id", UUID.randomUUID().toString(),
                "model", modelId));
        assertThat(job.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(job.getBody().toString()).contains("unknown model '" + modelId + "'");
        assertThat(uploaded.loadedCount()).isZero();
    }

    @Test
    void aModelThatStillExistsStaysLoaded() throws IOException {
        String modelId = upload();
        assertThat(classify(Map.of("model", modelId), anImage()).getStatusCode()).isEqualTo(HttpStatus.OK);
        int loaded = uploaded.loadedCount();
        uploaded.releaseDeleted();
        assertThat(uploaded.loadedCount()).isEqualTo(loaded).isPositive();
        assertThat(classify(Map.of("model", modelId), anImage()).getStatusCode()).isEqualTo(HttpStatus.OK);
    }
}
