package io.visprompt.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.visprompt.PostgresIntegrationTest;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/** A worker-only process serves no API, with or without a key, and makes no admin key. */
@TestPropertySource(properties = {"visprompt.api.enabled=false", "visprompt.training.workers=false"})
class WorkerOnlyProcessTests extends PostgresIntegrationTest {

    @Autowired
    ApplicationContext context;

    @Autowired
    JdbcClient jdbc;

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

    @Test
    void aPercentEncodedApiPathIsTheApiToo() {
        long datasets = jdbc.sql("SELECT count(*) FROM datasets").query(Long.class).single();
        byte[] emptyForm = "--b--\r\n".getBytes(StandardCharsets.US_ASCII);
        Map<String, String> form = Map.of("Authorization", "Bearer " + adminKey,
                "Content-Type", "multipart/form-data; boundary=b");
        List<RawHttp.Response> responses = List.of(
                RawHttp.send(port, "GET", "/%761/models", adminKey),
                RawHttp.send(port, "GET", "/%76%31/datasets", adminKey),
                RawHttp.send(port, "GET", "/v%32/health/live", adminKey),
                RawHttp.send(port, "POST", "/%761/datasets", form, emptyForm),
                RawHttp.send(port, "DELETE", "/%761/datasets/" + UUID.randomUUID(), adminKey));
        for (RawHttp.Response response : responses) {
            assertThat(response.status()).as("%s", response).isEqualTo(404);
            assertThat(response.header("Content-Type")).startsWith("application/problem+json");
            assertThat(response.json().get("code").asString()).isEqualTo("api_disabled");
        }
        assertThat(jdbc.sql("SELECT count(*) FROM datasets").query(Long.class).single()).isEqualTo(datasets);
    }

    @Test
    void pathsThatReadTwoWaysAreRefusedAs400Problems() {
        SoftAssertions softly = new SoftAssertions();
        for (String path : EdgeRejectionTests.AMBIGUOUS) {
            EdgeRejectionTests.assertRefused(softly, RawHttp.send(port, "GET", path.replace("datasets", "models"),
                    adminKey), path, 400, "ambiguous_request");
        }
        EdgeRejectionTests.assertRefused(softly, RawHttp.send(port, "GET", "/%2e%2e/v1/models", adminKey),
                "/%2e%2e/v1/models", 400, "invalid_request");
        softly.assertAll();
    }
}
