package io.visprompt.security;

import static org.assertj.core.api.Assertions.assertThat;

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
 * Two tenants with every non-admin scope: each sees only its own datasets, jobs and prompts; the other's answer 404
 * exactly like ids that do not exist, and its lists are empty.
 */
class TenantIsolationTests extends AccessControlHttpTest {

    RestClient alice;
    RestClient bob;
    String dataset;
    String job;
    String prompt;

    @BeforeEach
    void aliceOwnsADatasetAJobAndAPrompt() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        alice = client(newKey("alice-" + suffix, ALL_BUT_ADMIN));
        bob = client(newKey("bob-" + suffix, ALL_BUT_ADMIN));
        dataset = uploaded(alice, "alice's");
        job = createJob(alice, dataset, null).getBody().get("id").asString();
        ResponseEntity<JsonNode> imported = importPrompt(alice);
        assertThat(imported.getStatusCode()).as("%s", imported.getBody()).isEqualTo(HttpStatus.CREATED);
        prompt = imported.getBody().get("id").asString();
    }

    @Test
    void anotherTenantsResourcesAnswerExactlyLikeMissingOnes() {
        String missing = UUID.randomUUID().toString();
        for (String[] request : List.of(
                new String[] {"GET", "/v1/datasets/%s", "dataset_not_found"},
                new String[] {"DELETE", "/v1/datasets/%s", "dataset_not_found"},
                new String[] {"GET", "/v1/datasets/%s/rejected-files", "dataset_not_found"},
                new String[] {"GET", "/v1/training-jobs/%s", "training_job_not_found"},
                new String[] {"GET", "/v1/training-jobs/%s/events", "training_job_not_found"},
                new String[] {"GET", "/v1/training-jobs/%s/metrics", "training_job_not_found"},
                new String[] {"POST", "/v1/training-jobs/%s/cancel", "training_job_not_found"},
                new String[] {"GET", "/v1/prompts/%s", "prompt_not_found"},
                new String[] {"GET", "/v1/prompts/%s/content", "prompt_not_found"},
                new String[] {"GET", "/v1/prompts/%s/mask", "prompt_not_found"},
                new String[] {"GET", "/v1/prompts/%s/content?example=1", "prompt_not_found"},
                new String[] {"GET", "/v2/models/%s", "prompt_not_found"},
                new String[] {"GET", "/v2/models/%s/ready", "prompt_not_found"})) {
            String id = request[1].startsWith("/v1/datasets") ? dataset
                    : request[1].startsWith("/v1/training-jobs") ? job : prompt;
            ResponseEntity<JsonNode> theirs = send(bob, request[0], request[1].formatted(id));
            ResponseEntity<JsonNode> none = send(bob, request[0], request[1].formatted(missing));
            assertProblem(theirs, HttpStatus.NOT_FOUND, request[2]);
            assertProblem(none, HttpStatus.NOT_FOUND, request[2]);
            assertThat(theirs.getBody().get("detail").asString().replace(id, "ID"))
                    .isEqualTo(none.getBody().get("detail").asString().replace(missing, "ID"));
        }
        // still there for their owner
        assertThat(send(alice, "GET", "/v1/datasets/" + dataset).getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(send(alice, "GET", "/v1/training-jobs/" + job).getBody().get("status").asString()).isEqualTo("queued");
        assertThat(send(alice, "GET", "/v1/prompts/" + prompt).getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(count("SELECT count(*) FROM datasets WHERE id = ?::uuid", dataset)).isOne();
    }

    @Test
    void listsShowOnlyTheCallersOwn() {
        for (String list : List.of("/v1/datasets", "/v1/training-jobs", "/v1/prompts")) {
            assertThat(send(bob, "GET", list).getBody().get("data").size()).as(list).isZero();
            assertThat(send(alice, "GET", list).getBody().get("data").size()).as(list).isOne();
        }
        assertThat(send(http, "GET", "/v1/datasets?limit=100").getBody().toString()).as("admin of tenant default")
                .doesNotContain(dataset);
        // a cursor pointing at another tenant's job is no cursor
        ResponseEntity<JsonNode> cursor = send(bob, "GET", "/v1/training-jobs?after=" + job);
        assertProblem(cursor, HttpStatus.BAD_REQUEST, "invalid_field");
        assertThat(send(bob, "GET", "/v1/prompts?after=" + prompt).getBody().get("data").size()).isZero();
    }

    @Test
    void aJobCanOnlyUseTheCallersDatasets() {
        ResponseEntity<JsonNode> theirs = createJob(bob, dataset, null);
        ResponseEntity<JsonNode> none = createJob(bob, UUID.randomUUID().toString(), null);
        assertProblem(theirs, HttpStatus.BAD_REQUEST, "invalid_field");
        assertThat(theirs.getBody().at("/errors/0/field").asString()).isEqualTo("dataset_id");
        assertThat(theirs.getBody().at("/errors/0/message").asString().replace(dataset, "ID"))
                .isEqualTo(none.getBody().at("/errors/0/message").asString().replaceAll("[0-9a-f-]{36}", "ID"));
        assertThat(count("SELECT count(*) FROM training_jobs WHERE dataset_id = ?::uuid", dataset)).isOne();
        assertThat(jdbc.sql("SELECT tenant FROM training_jobs WHERE id = ?::uuid").param(job).query(String.class).single())
                .startsWith("alice-");
    }

    @Test
    void theSameIdempotencyKeyInAnotherTenantIsAnotherJob() {
        String bobsDataset = uploaded(bob, "bob's");
        String key = "retry-" + UUID.randomUUID();
        String alices = createJob(alice, dataset, key).getBody().get("id").asString();
        String bobs = createJob(bob, bobsDataset, key).getBody().get("id").asString();
        assertThat(bobs).isNotEqualTo(alices);
        assertThat(createJob(alice, dataset, key).getBody().get("id").asString()).isEqualTo(alices);
        assertThat(createJob(bob, bobsDataset, key).getBody().get("id").asString()).isEqualTo(bobs);
    }

    @Test
    void anotherTenantsPromptCannotClassifyOrInfer() {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("image", file(png(), "image.png", "image/png"));
        parts.add("prompt_id", prompt);
        ResponseEntity<JsonNode> classify = bob.post().uri("/v1/classify").contentType(MediaType.MULTIPART_FORM_DATA)
                .body(parts).retrieve().toEntity(JsonNode.class);
        assertProblem(classify, HttpStatus.NOT_FOUND, "prompt_not_found");

        ResponseEntity<JsonNode> json = bob.post().uri("/v1/classify").contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("image_base64", Base64.getEncoder().encodeToString(png()), "prompt_id", prompt))
                .retrieve().toEntity(JsonNode.class);
        assertProblem(json, HttpStatus.NOT_FOUND, "prompt_not_found");

        ResponseEntity<JsonNode> infer = bob.post().uri("/v2/models/" + prompt + "/infer")
                .contentType(MediaType.APPLICATION_JSON).body(Map.of("inputs", List.of(Map.of("name", "image",
                        "datatype", "BYTES", "shape", List.of(1), "data", List.of(Base64.getEncoder().encodeToString(png()))))))
                .retrieve().toEntity(JsonNode.class);
        assertProblem(infer, HttpStatus.NOT_FOUND, "prompt_not_found");

        assertThat(send(alice, "GET", "/v2/models/" + prompt).getStatusCode()).isEqualTo(HttpStatus.OK);
    }

    @Test
    void anotherTenantCannotCancelOrDelete() {
        assertProblem(send(bob, "POST", "/v1/training-jobs/" + job + "/cancel"), HttpStatus.NOT_FOUND, "training_job_not_found");
        assertThat(send(alice, "GET", "/v1/training-jobs/" + job).getBody().get("status").asString()).isEqualTo("queued");
        assertProblem(send(bob, "DELETE", "/v1/datasets/" + dataset), HttpStatus.NOT_FOUND, "dataset_not_found");
        assertThat(count("SELECT count(*) FROM datasets WHERE id = ?::uuid", dataset)).isOne();

        // the owner can (once the job no longer needs the dataset)
        assertThat(send(alice, "POST", "/v1/training-jobs/" + job + "/cancel").getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        assertThat(send(alice, "DELETE", "/v1/datasets/" + dataset).getStatusCode()).isEqualTo(HttpStatus.NO_CONTENT);
    }
}
