package io.visprompt.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.visprompt.PostgresIntegrationTest;
import io.visprompt.TestArchives;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
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

/** A worker trains a tenant's job: the prompt it stores belongs to the job's tenant, and only that tenant sees it. */
// the same properties as TrainAndServeTests: one Spring context for both
// Closed after the class: its workers must not claim other classes' jobs on a shared database.
@DirtiesContext
@TestPropertySource(properties = {"visprompt.training.workers=true", "visprompt.training.heartbeat-interval=1s",
        "visprompt.inference.max-batch-wait=20ms"})
class TenantJobPromptTests extends PostgresIntegrationTest {

    @Autowired
    JdbcClient jdbc;

    @Test
    void thePromptAJobLearnsBelongsToTheJobsTenant() throws Exception {
        String tenant = "trainer-" + UUID.randomUUID().toString().substring(0, 8);
        JsonNode created = postJson("/v1/api-keys", Map.of("name", "trainer", "tenant", tenant,
                "scopes", List.of("datasets:write", "jobs:read", "jobs:write", "prompts:read"))).getBody();
        RestClient trainer = client(created.get("key").asString());

        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        HttpHeaders zip = new HttpHeaders();
        zip.setContentType(MediaType.parseMediaType("application/zip"));
        parts.add("file", new HttpEntity<>(new ByteArrayResource(TestArchives.randomImageFolder(2, 4, 11)) {
            @Override
            public String getFilename() {
                return "tiny.zip";
            }
        }, zip));
        String dataset = trainer.post().uri("/v1/datasets").contentType(MediaType.MULTIPART_FORM_DATA).body(parts)
                .retrieve().body(JsonNode.class).get("id").asString();
        String job = trainer.post().uri("/v1/training-jobs").contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("dataset_id", dataset, "model", "fashion-cnn", "hyperparameters",
                        Map.of("epochs", 1, "batch_size", 8, "warmup_steps", 1)))
                .retrieve().body(JsonNode.class).get("id").asString();

        JsonNode finished = await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250))
                .until(() -> trainer.get().uri("/v1/training-jobs/" + job).retrieve().body(JsonNode.class),
                        j -> List.of("succeeded", "failed", "cancelled").contains(j.get("status").asString()));
        assertThat(finished.get("status").asString()).as("%s", finished).isEqualTo("succeeded");
        String prompt = finished.at("/result/prompt_id").asString();

        assertThat(jdbc.sql("SELECT tenant FROM prompts WHERE id = ?::uuid").param(prompt).query(String.class).single())
                .isEqualTo(tenant);
        assertThat(trainer.get().uri("/v1/prompts/" + prompt).retrieve().toEntity(JsonNode.class).getStatusCode())
                .isEqualTo(HttpStatus.OK);
        ResponseEntity<byte[]> preview = trainer.get().uri("/v1/prompts/" + prompt + "/content?example=1").retrieve()
                .toEntity(byte[].class);
        assertThat(preview.getStatusCode()).as("a preview on the tenant's own dataset").isEqualTo(HttpStatus.OK);
        assertThat(getJson("/v1/prompts/" + prompt).getStatusCode()).as("the admin's tenant is another tenant")
                .isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(getJson("/v1/training-jobs/" + job).getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
    }
}
