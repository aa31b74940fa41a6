package io.visprompt.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.visprompt.PostgresIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/** A worker-only process serves no API, with or without a key, and makes no admin key. */
@TestPropertySource(properties = {"visprompt.api.enabled=false", "visprompt.training.workers=false"})
class WorkerOnlyProcessTests extends PostgresIntegrationTest {

    @Autowired
    ApplicationContext context;

    @Test
    void theApiAnswers404ApiDisabledBeforeAnyKeyIsRead() {
        for (String key : new String[] {null, adminKey, "vp_0123456789ab_" + "x".repeat(43)}) {
            ResponseEntity<JsonNode> response = client(key).get().uri("/v1/datasets").retrieve().toEntity(JsonNode.class);
            assertThat(response.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
            assertThat(response.getBody().get("code").asString()).isEqualTo("api_disabled");
        }
        assertThat(client(null).get().uri("/actuator/health/liveness").retrieve().toBodilessEntity().getStatusCode())
                .isEqualTo(HttpStatus.OK);
        assertThat(context.getBeanNamesForType(BootstrapKeys.class)).isEmpty();
    }
}
