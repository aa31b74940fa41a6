package io.visprompt.dataset;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;

/** {@code POST /v1/datasets/{id}/derive}: a corrupted copy, stored as a dataset like any other, the same every time. */
class DatasetDeriveTests extends PostgresIntegrationTest {

    private String source;

    @BeforeEach
    void dataset() {
        ResponseEntity<JsonNode> upload = uploadDataset(TestArchives.randomImageFolder(2, 3, 4), "random.zip", "random");
        assertThat(upload.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        source = upload.getBody().get("id").asString();
    }

    private ResponseEntity<JsonNode> derive(RestClient client, String id, Map<String, Object> body) {
        return client.post().uri("/v1/datasets/" + id + "/derive").contentType(MediaType.APPLICATION_JSON).body(body)
                .retrieve().toEntity(JsonNode.class);
    }

    private byte[] image(String dataset, int label, int n) {
        ResponseEntity<byte[]> response = http.get().uri("/v1/datasets/" + dataset + "/classes/" + label + "/images/" + n)
                .retrieve().toEntity(byte[].class);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
        return response.getBody();
    }

    @Test
    void aDerivedDatasetHasTheSourcesClassesAndSplitsWithEveryImageCorruptedTheSameWayEachTime() {
        Map<String, Object> request = Map.of("corruption", "gaussian_noise", "severity", 5, "seed", 9);
        ResponseEntity<JsonNode> first = derive(http, source, request);
        ResponseEntity<JsonNode> second = derive(http, source, request);

        assertThat(first.getStatusCode()).as("%s", first.getBody()).isEqualTo(HttpStatus.CREATED);
        JsonNode derived = first.getBody();
        String id = derived.get("id").asString();
        assertThat(first.getHeaders().getLocation()).hasToString("/v1/datasets/" + id);
        assertThat(derived.get("name").asString()).isEqualTo("random (gaussian_noise 5)");
        JsonNode original = getJson("/v1/datasets/" + source).getBody();
        assertThat(derived.get("class_names")).isEqualTo(original.get("class_names"));
        assertThat(derived.get("image_counts")).isEqualTo(original.get("image_counts"));
        assertThat(getJson("/v1/datasets/" + id).getStatusCode()).isEqualTo(HttpStatus.OK);
        String again = second.getBody().get("id").asString();
        assertThat(again).isNotEqualTo(id);
        for (int n = 0; n < 9; n++) {
            assertThat(image(id, 1, n)).as("image %d differs from the source's", n).isNotEqualTo(image(source, 1, n));
            assertThat(image(again, 1, n)).as("image %d is the same on every run", n).isEqualTo(image(id, 1, n));
        }
        ResponseEntity<JsonNode> otherSeed = derive(http, source, Map.of("corruption", "gaussian_noise", "severity", 5,
                "seed", 10));
        assertThat(image(otherSeed.getBody().get("id").asString(), 1, 0)).isNotEqualTo(image(id, 1, 0));

        for (String corruption : List.of("shot_noise", "gaussian_blur", "defocus_blur", "brightness", "contrast", "jpeg",
                "pixelate")) {
            ResponseEntity<JsonNode> response = derive(http, source, Map.of("corruption", corruption,
                    "constants", "cifar10_c", "name", "shifted " + corruption));
            assertThat(response.getStatusCode()).as(corruption).isEqualTo(HttpStatus.CREATED);
            assertThat(response.getBody().get("name").asString()).isEqualTo("shifted " + corruption);
        }
    }

    @Test
    void badSettingsAreRefusedAndAnotherTenantsDatasetIsNotFound() {
        for (Map<String, Object> bad : List.<Map<String, Object>>of(Map.of("corruption", "fog"),
                Map.of("corruption", "jpeg", "severity", 6), Map.of("corruption", "jpeg", "severity", 0),
                Map.of("corruption", "jpeg", "constants", "mnist_c"), Map.of("severity", 2))) {
            ResponseEntity<JsonNode> response = derive(http, source, bad);
            assertThat(response.getStatusCode()).as("%s", bad).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(response.getBody().get("code").asString()).isEqualTo("invalid_field");
        }
        assertThat(derive(http, UUID.randomUUID().toString(), Map.of("corruption", "jpeg")).getStatusCode())
                .isEqualTo(HttpStatus.NOT_FOUND);

        String tenant = "derive-" + UUID.randomUUID().toString().substring(0, 8);
        String writer = postJson("/v1/api-keys", Map.of("name", "deriver", "tenant", tenant,
                "scopes", List.of("datasets:read", "datasets:write"))).getBody().get("key").asString();
        ResponseEntity<JsonNode> foreign = derive(client(writer), source, Map.of("corruption", "jpeg"));
        assertThat(foreign.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(foreign.getBody().get("code").asString()).isEqualTo("dataset_not_found");
        String reader = postJson("/v1/api-keys", Map.of("name", "reader", "tenant", "default",
                "scopes", List.of("datasets:read"))).getBody().get("key").asString();
        assertThat(derive(client(reader), source, Map.of("corruption", "jpeg")).getStatusCode())
                .isEqualTo(HttpStatus.FORBIDDEN);
    }
}
