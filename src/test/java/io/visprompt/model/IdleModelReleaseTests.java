package io.visprompt.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The periodic check alone: an idle process frees an uploaded model deleted elsewhere without any request for it
 * (prompt cache and lookups play no part here).
 */
@TestPropertySource(properties = "visprompt.model-uploads.loaded-check-interval=200ms")
class IdleModelReleaseTests extends UploadedModelServingTest {

    @Test
    void anIdleProcessReleasesAModelDeletedElsewhereWithinTheCheckInterval() throws IOException {
        String modelId = upload();
        assertThat(classify(Map.of("model", modelId), anImage()).getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(uploaded.loadedCount()).isEqualTo(1);
        assertThat(loadedGauge()).isEqualTo(1.0);

        deleteRowElsewhere(modelId);

        await().atMost(Duration.ofSeconds(20)).until(() -> uploaded.loadedCount() == 0);
        assertThat(loadedGauge()).isZero();
        ResponseEntity<JsonNode> bare = classify(Map.of("model", modelId), anImage());
        assertThat(bare.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(bare.getBody().get("code").asString()).isEqualTo("model_not_found");
    }
}
