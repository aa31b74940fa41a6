package io.visprompt.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.visprompt.TestArchives;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;

/**
 * Per-tenant quotas (stored dataset bytes, concurrent jobs) and the inference rate limit: a refused request stores
 * nothing, and other tenants are not affected. Quotas for the tenants Q_* are set in {@link AccessControlHttpTest}.
 */
class QuotaAndRateLimitTests extends AccessControlHttpTest {

    static final String IMAGES_OF_TENANT = """
            SELECT count(*) FROM dataset_images i JOIN datasets d ON d.id = i.dataset_id WHERE d.tenant = ?""";
    static final String EVENTS_OF_TENANT = """
            SELECT count(*) FROM training_job_events e JOIN training_jobs j ON j.id = e.job_id WHERE j.tenant = ?""";

    @Test
    void anUploadPastTheDatasetBytesQuotaIsRefusedAndStoresNothing() {
        RestClient small = client(newKey(Q_BYTES, List.of("datasets:read", "datasets:write")));
        List<String> filesBefore = storedFiles();
        // every row of the tenant: the refused upload must store none (counting the whole tables would also count
        // what other test contexts on a shared database store meanwhile)
        long rowsBefore = count("SELECT count(*) FROM datasets WHERE tenant = ?", Q_BYTES);
        long imagesBefore = count(IMAGES_OF_TENANT, Q_BYTES);

        ResponseEntity<JsonNode> refused = upload(small, TestArchives.randomImageFolder(2, 2, 1), "too big");

        assertProblem(refused, HttpStatus.CONTENT_TOO_LARGE, "quota_exceeded");
        assertThat(refused.getBody().get("quota").asString()).isEqualTo("dataset_bytes");
        assertThat(refused.getBody().get("limit").asLong()).isEqualTo(1);
        assertThat(refused.getBody().get("requested").asLong()).isPositive();
        assertThat(count("SELECT count(*) FROM datasets WHERE tenant = ?", Q_BYTES)).isEqualTo(rowsBefore).isZero();
        assertThat(count(IMAGES_OF_TENANT, Q_BYTES)).isEqualTo(imagesBefore).isZero();
        assertThat(storedFiles()).isEqualTo(filesBefore);
        assertThat(send(small, "GET", "/v1/datasets").getBody().get("data").size()).isZero();

        // the same upload in a tenant with room is fine
        assertThat(upload(client(newKey("roomy", List.of("datasets:write"))), TestArchives.randomImageFolder(2, 2, 1),
                "fits").getStatusCode()).isEqualTo(HttpStatus.CREATED);
    }

    @Test
    void aTenantAlreadyAtItsQuotaIsRefusedBeforeTheArchiveIsRead() {
        UUID full = UUID.randomUUID();
        jdbc.sql("""
                INSERT INTO datasets (id, tenant, name, split_mode, upload_bytes, total_bytes, created_at)
                VALUES (?, ?, 'full', 'folders', 100, 100, now())
                """).param(full).param(Q_FULL).update();
        try {
            RestClient client = client(newKey(Q_FULL, List.of("datasets:write")));
            List<String> filesBefore = storedFiles();
            ResponseEntity<JsonNode> refused = upload(client, TestArchives.randomImageFolder(2, 2, 2), "more");
            assertProblem(refused, HttpStatus.CONTENT_TOO_LARGE, "quota_exceeded");
            assertThat(refused.getBody().get("used").asLong()).isEqualTo(100);
            assertThat(refused.getBody().get("limit").asLong()).isEqualTo(50);
            assertThat(count("SELECT count(*) FROM datasets WHERE tenant = ?", Q_FULL)).isOne();
            assertThat(storedFiles()).isEqualTo(filesBefore);
        } finally {
            jdbc.sql("DELETE FROM datasets WHERE id = ?").param(full).update();
        }
    }

    @Test
    void jobsPastTheConcurrentJobsQuotaAreRefusedUntilOneEnds() {
        RestClient client = client(newKey(Q_JOBS, List.of("datasets:write", "jobs:read", "jobs:write")));
        String dataset = uploaded(client, "jobs");
        String key = "first-" + UUID.randomUUID();
        ResponseEntity<JsonNode> first = createJob(client, dataset, key);
        assertThat(first.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        // the tenant's jobs and their events: the refusal adds neither (whole-table counts would also count other
        // test contexts' jobs on a shared database)
        assertThat(count("SELECT count(*) FROM training_jobs WHERE tenant = ?", Q_JOBS)).isOne();
        long eventsBefore = count(EVENTS_OF_TENANT, Q_JOBS);

        ResponseEntity<JsonNode> second = createJob(client, dataset, null);
        assertProblem(second, HttpStatus.TOO_MANY_REQUESTS, "quota_exceeded");
        assertThat(second.getBody().get("quota").asString()).isEqualTo("concurrent_jobs");
        assertThat(second.getBody().get("limit").asInt()).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM training_jobs WHERE tenant = ?", Q_JOBS)).isOne();
        assertThat(count(EVENTS_OF_TENANT, Q_JOBS)).isEqualTo(eventsBefore);

        // a retry of the accepted job is still answered with that job
        ResponseEntity<JsonNode> retry = createJob(client, dataset, key);
        assertThat(retry.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        assertThat(retry.getBody().get("id").asString()).isEqualTo(first.getBody().get("id").asString());

        assertThat(send(client, "POST", "/v1/training-jobs/" + first.getBody().get("id").asString() + "/cancel")
                .getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        assertThat(createJob(client, dataset, null).getStatusCode()).isEqualTo(HttpStatus.CREATED);
        assertThat(count("SELECT count(*) FROM training_jobs WHERE tenant = ?", Q_JOBS)).isEqualTo(2);
    }

    @Test
    void inferenceBeyondTheTenantsRateIs429WithRetryAfter() {
        String limitedKey = newKey(Q_RATE, List.of("classify"));
        RestClient limited = client(limitedKey);
        RestClient other = client(newKey("unlimited", List.of("classify")));

        // the burst (2): the requests pass the limiter and fail validation in the controller
        for (int i = 0; i < 2; i++) {
            assertProblem(classify(limited), HttpStatus.BAD_REQUEST, "invalid_field");
        }
        ResponseEntity<JsonNode> refused = classify(limited);
        assertProblem(refused, HttpStatus.TOO_MANY_REQUESTS, "rate_limited");
        long retryAfter = Long.parseLong(refused.getHeaders().getFirst(HttpHeaders.RETRY_AFTER));
        assertThat(retryAfter).isBetween(1L, 5L); // 0.2 per second: a token every 5 s
        ResponseEntity<JsonNode> infer = limited.post().uri("/v2/models/" + UUID.randomUUID() + "/infer")
                .contentType(MediaType.APPLICATION_JSON).body(Map.of("inputs", List.of())).retrieve().toEntity(JsonNode.class);
        assertProblem(infer, HttpStatus.TOO_MANY_REQUESTS, "rate_limited");
        assertThat(infer.getBody().get("error").asString()).as("OIP clients read error").contains("retry");

        // other tenants keep their own bucket
        assertProblem(classify(other), HttpStatus.BAD_REQUEST, "invalid_field");
        // inference stores nothing, and is not audited by default (visprompt.security.audit.inference)
        assertThat(count("SELECT count(*) FROM audit_events WHERE key_prefix = ?", prefixOf(limitedKey))).isZero();
    }

    private static ResponseEntity<JsonNode> classify(RestClient client) {
        return client.post().uri("/v1/classify").contentType(MediaType.APPLICATION_JSON).body(Map.of())
                .retrieve().toEntity(JsonNode.class);
    }
}
