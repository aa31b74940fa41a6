package io.visprompt.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;

/**
 * Classification keeps API keys (for {@code visprompt.security.key-cache-ttl}, 300 ms here) and prompts (for
 * {@code visprompt.inference.prompt-cache-ttl}, 3 s) in memory so that a busy prompt costs no database round trip.
 * These caches never outlive what they stand for: a revoked key is refused, a removed prompt is not found, and
 * another tenant never classifies with a prompt its owner has warmed up, all through HTTP as a client sees it.
 */
class ServingCacheInvalidationTests extends AccessControlHttpTest {

    static final Duration PROMPT_CACHE_TTL = Duration.ofSeconds(3);

    String tenant;
    String key;
    RestClient owner;
    String prompt;

    @BeforeEach
    void aTenantClassifiesWithItsPrompt() {
        tenant = "serving-" + UUID.randomUUID().toString().substring(0, 8);
        key = newKey(tenant, List.of("prompts:write", "classify"));
        owner = client(key);
        ResponseEntity<JsonNode> imported = importPrompt(owner);
        assertThat(imported.getStatusCode()).as("%s", imported.getBody()).isEqualTo(HttpStatus.CREATED);
        prompt = imported.getBody().get("id").asString();
        // twice: the key and the prompt are now cached
        assertThat(classify(owner, prompt).getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(classify(owner, prompt).getStatusCode()).isEqualTo(HttpStatus.OK);
    }

    @Test
    void aKeyRevokedThroughTheApiIsRefusedAtOnce() {
        ResponseEntity<JsonNode> revoked = send(http, "DELETE", "/v1/api-keys/" + prefixOf(key));
        assertThat(revoked.getStatusCode()).isEqualTo(HttpStatus.OK);

        assertProblem(classify(owner, prompt), HttpStatus.UNAUTHORIZED, "unauthenticated");
        assertProblem(infer(owner, prompt), HttpStatus.UNAUTHORIZED, "unauthenticated");
    }

    @Test
    void aKeyRevokedByAnotherProcessIsRefusedWithinTheKeyCacheTtl() {
        jdbc.sql("UPDATE api_keys SET revoked_at = now() WHERE prefix = ?").param(prefixOf(key)).update();
        Instant revoked = Instant.now();

        HttpStatus status = await(Duration.ofSeconds(10),
                () -> HttpStatus.valueOf(classify(owner, prompt).getStatusCode().value()), s -> s != HttpStatus.OK);
        assertThat(Duration.between(revoked, Instant.now())).isLessThan(KEY_CACHE_TTL.plusSeconds(2));
        assertThat(status).isEqualTo(HttpStatus.UNAUTHORIZED);
        assertProblem(classify(owner, prompt), HttpStatus.UNAUTHORIZED, "unauthenticated");
    }

    @Test
    void aRemovedPromptIsNotFoundWithinThePromptCacheTtl() {
        // nothing in the API deletes a prompt: another process or an operator removes the row
        jdbc.sql("DELETE FROM prompts WHERE id = ?").param(UUID.fromString(prompt)).update();
        Instant removed = Instant.now();

        HttpStatus status = await(Duration.ofSeconds(15),
                () -> HttpStatus.valueOf(classify(owner, prompt).getStatusCode().value()), s -> s != HttpStatus.OK);
        assertThat(Duration.between(removed, Instant.now())).isLessThan(PROMPT_CACHE_TTL.plusSeconds(2));
        assertThat(status).isEqualTo(HttpStatus.NOT_FOUND);
        assertProblem(classify(owner, prompt), HttpStatus.NOT_FOUND, "prompt_not_found");
        assertProblem(infer(owner, prompt), HttpStatus.NOT_FOUND, "prompt_not_found");
    }

    @Test
    void anotherTenantGets404ForAPromptItsOwnerHasCached() {
        RestClient other = client(newKey(tenant + "-other", List.of("classify", "prompts:read")));
        for (int i = 0; i < 2; i++) {
            assertProblem(classify(other, prompt), HttpStatus.NOT_FOUND, "prompt_not_found");
            assertProblem(infer(other, prompt), HttpStatus.NOT_FOUND, "prompt_not_found");
        }
        // and the owner's answers are still its own
        ResponseEntity<JsonNode> mine = classify(owner, prompt);
        assertThat(mine.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(mine.getBody().get("prompt_id").asString()).isEqualTo(prompt);
    }

    private static ResponseEntity<JsonNode> classify(RestClient client, String promptId) {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("image", file(png(), "image.png", "image/png"));
        parts.add("prompt_id", promptId);
        return client.post().uri("/v1/classify").contentType(MediaType.MULTIPART_FORM_DATA).body(parts).retrieve()
                .toEntity(JsonNode.class);
    }

    private static ResponseEntity<JsonNode> infer(RestClient client, String promptId) {
        return client.post().uri("/v2/models/" + promptId + "/infer").contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("inputs", List.of(Map.of("name", "image", "datatype", "BYTES", "shape", List.of(1),
                        "data", List.of(Base64.getEncoder().encodeToString(png()))))))
                .retrieve().toEntity(JsonNode.class);
    }
}
