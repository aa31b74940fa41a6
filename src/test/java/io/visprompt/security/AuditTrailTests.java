package io.visprompt.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import io.visprompt.TestArchives;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;

/** Every mutating request leaves one audit row once its status is known, refused ones included; admins read them. */
class AuditTrailTests extends AccessControlHttpTest {

    @Autowired
    MeterRegistry meters;

    @Autowired
    AuditRetention retention;

    record Row(String tenant, String keyPrefix, String method, String path, String resourceType, String resourceId,
            String action, Integer status) {
    }

    @Test
    void eachMutationIsRecordedWithCallerResourceActionAndStatus() throws Exception {
        String tenant = "audit-" + UUID.randomUUID().toString().substring(0, 8);
        String key = newKey(tenant, ALL_BUT_ADMIN);
        String prefix = prefixOf(key);
        RestClient client = client(key);

        String dataset = uploaded(client, "audited");
        String job = createJob(client, dataset, null).getBody().get("id").asString();
        send(client, "POST", "/v1/training-jobs/" + job + "/cancel");
        String prompt = importPrompt(client).getBody().get("id").asString();
        send(client, "DELETE", "/v1/datasets/" + dataset);
        send(client, "GET", "/v1/datasets"); // reads are not recorded
        ResponseEntity<JsonNode> invalid = postJson(client, "/v1/training-jobs", Map.of("model", "fashion-cnn"));
        assertThat(invalid.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(send(client, "POST", "/v1/api-keys").getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);

        List<Row> rows = await(Duration.ofSeconds(5), () -> rows("tenant = ?", tenant), r -> r.size() >= 7);
        assertThat(rows).containsExactly(
                new Row(tenant, prefix, "POST", "/v1/datasets", "dataset", dataset, "create", 201),
                new Row(tenant, prefix, "POST", "/v1/training-jobs", "training_job", job, "create", 201),
                new Row(tenant, prefix, "POST", "/v1/training-jobs/" + job + "/cancel", "training_job", job, "cancel", 202),
                new Row(tenant, prefix, "POST", "/v1/prompts", "prompt", prompt, "create", 201),
                new Row(tenant, prefix, "DELETE", "/v1/datasets/" + dataset, "dataset", dataset, "delete", 204),
                new Row(tenant, prefix, "POST", "/v1/training-jobs", "training_job", null, "create", 400),
                new Row(tenant, prefix, "POST", "/v1/api-keys", "api_key", null, "create", 403));
    }

    @Test
    void unauthenticatedAndOverQuotaRefusalsAreRecordedToo() throws Exception {
        String path = "/v1/datasets/" + UUID.randomUUID();
        send(client(null), "DELETE", path);
        String unknownPrefix = "ffff" + UUID.randomUUID().toString().substring(0, 8);
        send(client("vp_" + unknownPrefix + "_" + "s".repeat(43)), "DELETE", path);
        String small = newKey(Q_BYTES, List.of("datasets:write"));
        upload(client(small), TestArchives.randomImageFolder(2, 2, 3), "over quota");

        List<Row> refused = await(Duration.ofSeconds(5), () -> rows("path = ?", path), r -> r.size() >= 2);
        assertThat(refused).containsExactly(
                new Row(null, null, "DELETE", path, "dataset", path.substring(13), "delete", 401),
                new Row(null, unknownPrefix, "DELETE", path, "dataset", path.substring(13), "delete", 401));
        List<Row> quota = await(Duration.ofSeconds(5), () -> rows("key_prefix = ?", prefixOf(small)), r -> !r.isEmpty());
        assertThat(quota).containsExactly(new Row(Q_BYTES, prefixOf(small), "POST", "/v1/datasets", "dataset", null,
                "create", 413));
    }

    @Test
    void percentEncodedPathsAreRecordedAsTheRouteThatHandledThem() throws Exception {
        String tenant = "encoded-" + UUID.randomUUID().toString().substring(0, 8);
        String key = newKey(tenant, List.of("datasets:write"));
        String boundary = "audit-boundary";
        ByteArrayOutputStream form = new ByteArrayOutputStream();
        form.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nencoded\r\n--"
                + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"data.zip\"\r\n"
                + "Content-Type: application/zip\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        form.writeBytes(TestArchives.randomImageFolder(2, 2, 5));
        form.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));

        RawHttp.Response created = RawHttp.send(port, "POST", "/%761/datasets", Map.of("Authorization",
                "Bearer " + key, "Content-Type", "multipart/form-data; boundary=" + boundary), form.toByteArray());
        assertThat(created.status()).as("%s", created).isEqualTo(201);
        String dataset = created.json().get("id").asString();
        assertThat(RawHttp.send(port, "DELETE", "/%761/%64atasets/" + dataset, key).status()).isEqualTo(204);
        String missing = UUID.randomUUID().toString();
        assertThat(RawHttp.send(port, "DELETE", "/%761/datasets/" + missing, null).status()).isEqualTo(401);

        List<Row> rows = await(Duration.ofSeconds(5), () -> rows("tenant = ? OR resource_id = '" + missing + "'",
                tenant), r -> r.size() >= 3);
        assertThat(rows).containsExactly(
                new Row(tenant, prefixOf(key), "POST", "/%761/datasets", "dataset", dataset, "create", 201),
                new Row(tenant, prefixOf(key), "DELETE", "/%761/%64atasets/" + dataset, "dataset", dataset, "delete",
                        204),
                new Row(null, null, "DELETE", "/%761/datasets/" + missing, "dataset", missing, "delete", 401));
    }

    @Test
    void aFloodOfAnonymousWritesIsRecordedOnlyUpToTheLimitAndCounted() throws Exception {
        double droppedBefore = meters.counter("visprompt.audit.anonymous.dropped").count();
        String job = UUID.randomUUID().toString();
        Instant start = Instant.now();
        for (int i = 0; i < 300; i++) {
            assertThat(RawHttp.sendFrom("127.0.0.7", port, "POST", "/v1/training-jobs/" + job + "/cancel", Map.of(), null)
                    .status()).isEqualTo(401);
        }
        double seconds = Duration.between(start, Instant.now()).toMillis() / 1000.0;
        // another address still has its own bucket
        String other = UUID.randomUUID().toString();
        RawHttp.sendFrom("127.0.0.8", port, "POST", "/v1/training-jobs/" + other + "/cancel", Map.of(), null);

        long recorded = await(Duration.ofSeconds(5), () -> count(
                "SELECT count(*) FROM audit_events WHERE resource_id = ?", job), n -> n >= 100);
        assertThat(recorded).as("burst 100 plus 1/s over %s s", seconds).isBetween(100L, 100L + (long) seconds + 2);
        assertThat(meters.counter("visprompt.audit.anonymous.dropped").count() - droppedBefore)
                .isEqualTo(300.0 - recorded);
        assertThat(await(Duration.ofSeconds(5), () -> count("SELECT count(*) FROM audit_events WHERE resource_id = ?",
                other), n -> n >= 1)).isOne();
    }

    @Test
    void eventsOlderThanTheRetentionAreDeleted() {
        Instant now = Instant.now();
        String tenant = "retention-" + UUID.randomUUID().toString().substring(0, 8);
        for (Duration age : List.of(Duration.ofDays(400), Duration.ofDays(91), Duration.ofDays(89), Duration.ZERO)) {
            jdbc.sql("INSERT INTO audit_events (at, tenant, action) VALUES (?, ?, ?)")
                    .params(java.sql.Timestamp.from(now.minus(age)), tenant, "age-" + age.toDays()).update();
        }
        assertThat(retention.deleteExpired()).isGreaterThanOrEqualTo(2);
        assertThat(jdbc.sql("SELECT action FROM audit_events WHERE tenant = ? ORDER BY id").param(tenant)
                .query(String.class).list()).containsExactly("age-89", "age-0");
    }

    @Test
    void keyChangesAreRecorded() throws Exception {
        String key = newKey("keys-audited", List.of("jobs:read"));
        String prefix = prefixOf(key);
        send(http, "DELETE", "/v1/api-keys/" + prefix);
        send(http, "POST", "/v1/api-keys/" + prefix + "/revoke");

        List<Row> rows = await(Duration.ofSeconds(5), () -> rows("resource_type = 'api_key' AND resource_id = ?", prefix),
                r -> r.size() >= 3);
        String admin = prefixOf(adminKey);
        assertThat(rows).containsExactly(
                new Row("default", admin, "POST", "/v1/api-keys", "api_key", prefix, "create", 201),
                new Row("default", admin, "DELETE", "/v1/api-keys/" + prefix, "api_key", prefix, "revoke", 200),
                new Row("default", admin, "POST", "/v1/api-keys/" + prefix + "/revoke", "api_key", prefix, "revoke", 200));
        assertThat(count("SELECT count(*) FROM audit_events WHERE action = 'bootstrap_configured' AND resource_id = ?",
                prefixOf(adminKey))).as("the test admin key, stored at startup").isOne();
    }

    @Test
    void adminsPageThroughTheTrailNewestFirst() throws Exception {
        String tenant = "paged-" + UUID.randomUUID().toString().substring(0, 8);
        RestClient client = client(newKey(tenant, List.of("datasets:write")));
        for (int i = 0; i < 3; i++) {
            send(client, "DELETE", "/v1/datasets/" + UUID.randomUUID());
        }
        await(Duration.ofSeconds(5), () -> rows("tenant = ?", tenant), r -> r.size() >= 3);

        JsonNode first = getJson("/v1/audit-events?limit=2&tenant=" + tenant).getBody();
        assertThat(first.get("has_more").asBoolean()).isTrue();
        JsonNode second = getJson("/v1/audit-events?limit=2&tenant=" + tenant + "&after=" + first.get("last_id").asString())
                .getBody();
        assertThat(second.get("has_more").asBoolean()).isFalse();
        List<Long> ids = new ArrayList<>();
        first.get("data").forEach(e -> ids.add(e.get("id").asLong()));
        second.get("data").forEach(e -> ids.add(e.get("id").asLong()));
        assertThat(ids).hasSize(3).isSortedAccordingTo((a, b) -> Long.compare(b, a));
        JsonNode event = first.at("/data/0");
        assertThat(event.get("tenant").asString()).isEqualTo(tenant);
        assertThat(event.get("method").asString()).isEqualTo("DELETE");
        assertThat(event.get("status").asInt()).isEqualTo(404);
        assertThat(event.get("action").asString()).isEqualTo("delete");

        assertThat(getJson("/v1/audit-events?limit=0").getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(send(client, "GET", "/v1/audit-events").getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);
    }

    private List<Row> rows(String where, Object param) {
        return jdbc.sql("SELECT * FROM audit_events WHERE " + where + " ORDER BY id").param(param)
                .query((rs, n) -> new Row(rs.getString("tenant"), rs.getString("key_prefix"), rs.getString("method"),
                        rs.getString("path"), rs.getString("resource_type"), rs.getString("resource_id"),
                        rs.getString("action"), (Integer) rs.getObject("status")))
                .list();
    }

    private static ResponseEntity<JsonNode> postJson(RestClient client, String path, Object body) {
        return client.post().uri(path).contentType(org.springframework.http.MediaType.APPLICATION_JSON).body(body)
                .retrieve().toEntity(JsonNode.class);
    }
}
