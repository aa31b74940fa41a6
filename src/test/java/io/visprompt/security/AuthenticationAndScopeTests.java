package io.visprompt.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;

/** Who may call what: 401 without a valid key, 403 without the scope, open operator and documentation endpoints. */
class AuthenticationAndScopeTests extends AccessControlHttpTest {

    /** One row per endpoint; {@code scopes} empty = any valid key. */
    record Endpoint(String method, String path, Set<String> scopes) {
    }

    static final String ID = UUID.randomUUID().toString();

    static final List<Endpoint> ENDPOINTS = List.of(
            new Endpoint("GET", "/v1/models", Set.of()),
            new Endpoint("GET", "/v1/models/fashion-cnn", Set.of()),
            new Endpoint("GET", "/v1/datasets", Set.of("datasets:read")),
            new Endpoint("GET", "/v1/datasets/" + ID, Set.of("datasets:read")),
            new Endpoint("POST", "/v1/datasets", Set.of("datasets:write")),
            new Endpoint("DELETE", "/v1/datasets/" + ID, Set.of("datasets:write")),
            new Endpoint("GET", "/v1/datasets/" + ID + "/rejected-files", Set.of("datasets:read")),
            new Endpoint("GET", "/v1/training-jobs/defaults", Set.of("jobs:read")),
            new Endpoint("GET", "/v1/training-jobs", Set.of("jobs:read")),
            new Endpoint("GET", "/v1/training-jobs/" + ID, Set.of("jobs:read")),
            new Endpoint("GET", "/v1/training-jobs/" + ID + "/events", Set.of("jobs:read")),
            new Endpoint("GET", "/v1/training-jobs/" + ID + "/metrics", Set.of("jobs:read")),
            new Endpoint("POST", "/v1/training-jobs", Set.of("jobs:write")),
            new Endpoint("POST", "/v1/training-jobs/" + ID + "/cancel", Set.of("jobs:write")),
            new Endpoint("POST", "/v1/training-jobs/" + ID + "/resume", Set.of("jobs:write")),
            new Endpoint("GET", "/v1/sweeps", Set.of("jobs:read")),
            new Endpoint("GET", "/v1/sweeps/" + ID, Set.of("jobs:read")),
            new Endpoint("POST", "/v1/sweeps", Set.of("jobs:write")),
            new Endpoint("POST", "/v1/sweeps/" + ID + "/cancel", Set.of("jobs:write")),
            new Endpoint("GET", "/v1/evaluations", Set.of("jobs:read")),
            new Endpoint("GET", "/v1/evaluations/" + ID, Set.of("jobs:read")),
            new Endpoint("GET", "/v1/evaluations/" + ID + "/events", Set.of("jobs:read")),
            new Endpoint("GET", "/v1/evaluations/" + ID + "/errors", Set.of("jobs:read")),
            new Endpoint("GET", "/v1/evaluations/" + ID + "/confusion-matrix", Set.of("jobs:read")),
            new Endpoint("GET", "/v1/evaluations/" + ID + "/reliability-diagram", Set.of("jobs:read")),
            new Endpoint("POST", "/v1/evaluations", Set.of("jobs:write")),
            new Endpoint("POST", "/v1/evaluations/" + ID + "/cancel", Set.of("jobs:write")),
            new Endpoint("POST", "/v1/datasets/" + ID + "/derive", Set.of("datasets:write")),
            new Endpoint("GET", "/v1/prompts", Set.of("prompts:read")),
            new Endpoint("GET", "/v1/prompts/" + ID, Set.of("prompts:read")),
            new Endpoint("GET", "/v1/prompts/" + ID + "/content", Set.of("prompts:read")),
            new Endpoint("GET", "/v1/prompts/" + ID + "/content?example=1", Set.of("prompts:read")),
            new Endpoint("GET", "/v1/prompts/" + ID + "/mask", Set.of("prompts:read")),
            new Endpoint("POST", "/v1/prompts", Set.of("prompts:write")),
            new Endpoint("DELETE", "/v1/prompts/" + ID, Set.of("prompts:write")),
            new Endpoint("POST", "/v1/models", Set.of("models:write")),
            new Endpoint("DELETE", "/v1/models/" + ID, Set.of("models:write")),
            new Endpoint("POST", "/v1/classify", Set.of("classify")),
            new Endpoint("GET", "/v2/health/live", Set.of()),
            new Endpoint("GET", "/v2/health/ready", Set.of()),
            new Endpoint("GET", "/v2/models/" + ID, Set.of("prompts:read", "classify")),
            new Endpoint("GET", "/v2/models/" + ID + "/ready", Set.of("prompts:read", "classify")),
            new Endpoint("POST", "/v2/models/" + ID + "/infer", Set.of("classify")),
            new Endpoint("GET", "/v1/api-keys", Set.of("admin")),
            new Endpoint("POST", "/v1/api-keys", Set.of("admin")),
            new Endpoint("GET", "/v1/api-keys/abcd1234", Set.of("admin")),
            new Endpoint("DELETE", "/v1/api-keys/abcd1234", Set.of("admin")),
            new Endpoint("POST", "/v1/api-keys/abcd1234/revoke", Set.of("admin")),
            new Endpoint("GET", "/v1/audit-events", Set.of("admin")),
            new Endpoint("GET", "/actuator/metrics", Set.of("admin")),
            new Endpoint("GET", "/v1/no-such-endpoint", Set.of("admin")));

    @Test
    void everyEndpointWithoutAKeyIs401ProblemWithWwwAuthenticateBearer() {
        RestClient anonymous = client(null);
        RestClient unknownKey = client("vp_0123456789ab_" + "x".repeat(43));
        RestClient malformedKey = client("not-a-key");
        for (Endpoint endpoint : ENDPOINTS) {
            for (RestClient client : List.of(anonymous, unknownKey, malformedKey)) {
                ResponseEntity<JsonNode> response = send(client, endpoint.method(), endpoint.path());
                assertProblem(response, HttpStatus.UNAUTHORIZED, "unauthenticated");
                assertThat(response.getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE)).as("%s", endpoint)
                        .startsWith("Bearer");
            }
        }
        ResponseEntity<JsonNode> basic = http.get().uri("/v1/datasets")
                .header(HttpHeaders.AUTHORIZATION, "Basic dXNlcjpwYXNz").retrieve().toEntity(JsonNode.class);
        assertThat(basic.getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
    }

    @Test
    void operatorsAndDocumentationNeedNoKey() {
        RestClient anonymous = client(null);
        for (String path : List.of("/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness",
                "/actuator/prometheus", "/v3/api-docs", "/v3/api-docs.yaml")) {
            assertThat(anonymous.get().uri(path).retrieve().toBodilessEntity().getStatusCode()).as(path)
                    .isEqualTo(HttpStatus.OK);
        }
        assertThat(anonymous.get().uri("/swagger-ui/index.html").retrieve().toBodilessEntity().getStatusCode())
                .isEqualTo(HttpStatus.OK);
        // the web console's files are open (this work tree may not have them: then 404, never 401)
        for (String path : List.of("/", "/index.html", "/app.js", "/console.css", "/js/api.js", "/css/console.css",
                "/webjars/anything.js", "/favicon.ico")) {
            assertThat(anonymous.get().uri(path).retrieve().toBodilessEntity().getStatusCode().value()).as(path)
                    .isIn(200, 404);
        }
        // a stale key sent to an open endpoint is not even read
        assertThat(send(client("vp_0123456789ab_" + "x".repeat(43)), "GET", "/actuator/health/readiness")
                .getStatusCode()).isEqualTo(HttpStatus.OK);
        JsonNode apiDocs = send(anonymous, "GET", "/v3/api-docs").getBody();
        assertThat(apiDocs.at("/components/securitySchemes/apiKey/scheme").asString()).isEqualTo("bearer");
        for (String pointer : List.of("/paths/~1v1~1datasets/get/parameters", "/paths/~1v1~1training-jobs/get/parameters",
                "/paths/~1v1~1prompts~1{id}/get/parameters")) {
            assertThat(apiDocs.at(pointer).toString()).as("the tenant comes from the key: %s", pointer)
                    .contains("\"in\"").doesNotContain("\"tenant\"");
        }
    }

    @Test
    void aKeyWithoutTheScopeIs403NamingIt() {
        for (Endpoint endpoint : ENDPOINTS) {
            if (endpoint.scopes().isEmpty()) {
                continue;
            }
            List<String> others = new ArrayList<>(ALL_BUT_ADMIN);
            others.removeAll(endpoint.scopes());
            RestClient lacking = client(newKey("scopes", others));
            ResponseEntity<JsonNode> response = send(lacking, endpoint.method(), endpoint.path());
            assertProblem(response, HttpStatus.FORBIDDEN, "forbidden");
            List<String> required = new ArrayList<>();
            response.getBody().get("required_scopes").forEach(s -> required.add(s.asString()));
            assertThat(required).as("%s", endpoint).containsExactlyInAnyOrderElementsOf(endpoint.scopes());
            endpoint.scopes().forEach(scope -> assertThat(response.getBody().get("detail").asString()).contains(scope));
        }
    }

    @Test
    void aKeyWithTheScopeGetsThrough() {
        for (Endpoint endpoint : ENDPOINTS) {
            if (endpoint.scopes().contains("admin")) {
                continue;
            }
            List<String> granted = endpoint.scopes().isEmpty() ? List.of("jobs:read") : List.of(endpoint.scopes().iterator().next());
            ResponseEntity<JsonNode> response = send(client(newKey("scopes", granted)), endpoint.method(), endpoint.path());
            assertThat(response.getStatusCode().value()).as("%s -> %s", endpoint, response.getBody()).isNotIn(401, 403);
        }
        assertThat(send(http, "GET", "/actuator/metrics").getStatusCode()).as("admin").isEqualTo(HttpStatus.OK);
    }

    @Test
    void headFollowsTheRuleOfGet() {
        for (Endpoint endpoint : ENDPOINTS) {
            if (!endpoint.method().equals("GET") || endpoint.scopes().contains("admin")) {
                continue;
            }
            List<String> granted = endpoint.scopes().isEmpty() ? List.of("jobs:read") : List.of(endpoint.scopes().iterator().next());
            assertThat(send(client(newKey("head", granted)), "HEAD", endpoint.path()).getStatusCode().value())
                    .as("HEAD %s with %s", endpoint.path(), granted).isNotIn(401, 403);
            assertThat(send(client(null), "HEAD", endpoint.path()).getStatusCode().value())
                    .as("HEAD %s without a key", endpoint.path()).isEqualTo(401);
            if (!endpoint.scopes().isEmpty()) {
                List<String> others = new ArrayList<>(ALL_BUT_ADMIN);
                others.removeAll(endpoint.scopes());
                assertThat(send(client(newKey("head", others)), "HEAD", endpoint.path()).getStatusCode().value())
                        .as("HEAD %s without its scope", endpoint.path()).isEqualTo(403);
            }
        }
        assertThat(send(client(newKey("head", List.of("datasets:read"))), "HEAD", "/v1/datasets").getStatusCode())
                .isEqualTo(HttpStatus.OK);
        assertThat(send(client(null), "HEAD", "/actuator/health/readiness").getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(send(client(newKey("head", List.of("datasets:read"))), "HEAD", "/v1/api-keys").getStatusCode())
                .as("admin-only reads stay admin-only").isEqualTo(HttpStatus.FORBIDDEN);
    }

    @Test
    void responsesCarryAContentSecurityPolicyForTheConsoleAndNoReferrer() {
        ResponseEntity<String> console = client(null).get().uri("/").retrieve().toEntity(String.class);
        ResponseEntity<JsonNode> api = send(client(null), "GET", "/v1/datasets");
        for (ResponseEntity<?> response : List.of(console, api)) {
            String policy = response.getHeaders().getFirst("Content-Security-Policy");
            assertThat(policy).contains("default-src 'self'", "script-src 'self';", "object-src 'none'",
                    "base-uri 'none'", "frame-ancestors 'none'", "connect-src 'self'", "img-src 'self' data: blob:");
            assertThat(policy.substring(policy.indexOf("script-src"), policy.indexOf(';', policy.indexOf("script-src"))))
                    .doesNotContain("unsafe");
            assertThat(response.getHeaders().getFirst("Referrer-Policy")).isEqualTo("no-referrer");
        }
        if (console.getStatusCode().is2xxSuccessful()) {
            // the policy allows no inline script: every script of the console is a file of this origin
            java.util.regex.Matcher script = java.util.regex.Pattern.compile("<script([^>]*)>").matcher(console.getBody());
            int scripts = 0;
            while (script.find()) {
                scripts++;
                assertThat(script.group(1)).contains("src=\"").doesNotContain("//");
            }
            assertThat(scripts).isPositive();
            assertThat(console.getBody()).doesNotContain(" onclick=", " onload=", "javascript:");
        }
    }

    @Test
    void aRevokedKeyIsRefusedEverywhereWithinTheCacheTtl() throws Exception {
        String key = newKey("revoked", List.of("datasets:read"));
        RestClient client = client(key);
        assertThat(send(client, "GET", "/v1/datasets").getStatusCode()).isEqualTo(HttpStatus.OK);

        // another process revokes it: this one learns within the cache's time to live
        jdbc.sql("UPDATE api_keys SET revoked_at = now() WHERE prefix = ?").param(prefixOf(key)).update();
        Instant revoked = Instant.now();
        HttpStatus status = await(Duration.ofSeconds(10), () -> HttpStatus.valueOf(send(client, "GET", "/v1/datasets")
                .getStatusCode().value()), s -> s == HttpStatus.UNAUTHORIZED);
        assertThat(status).isEqualTo(HttpStatus.UNAUTHORIZED);
        assertThat(Duration.between(revoked, Instant.now())).isLessThan(KEY_CACHE_TTL.plusSeconds(2));

        // revoked through the API: refused at once by this process
        String other = newKey("revoked", List.of("datasets:read"));
        assertThat(send(client(other), "GET", "/v1/datasets").getStatusCode()).isEqualTo(HttpStatus.OK);
        ResponseEntity<JsonNode> revokedView = send(http, "DELETE", "/v1/api-keys/" + prefixOf(other));
        assertThat(revokedView.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(revokedView.getBody().get("revoked_at").isNull()).isFalse();
        assertProblem(send(client(other), "GET", "/v1/datasets"), HttpStatus.UNAUTHORIZED, "unauthenticated");
        ResponseEntity<JsonNode> again = send(http, "POST", "/v1/api-keys/" + prefixOf(other) + "/revoke");
        assertThat(again.getBody().get("revoked_at").asString()).isEqualTo(revokedView.getBody().get("revoked_at").asString());
    }

    @Test
    void keysAreStoredAsPrefixAndHashAndTheSecretIsShownOnce() {
        ResponseEntity<JsonNode> created = postJson("/v1/api-keys",
                Map.of("name", "ci", "tenant", "hashing", "scopes", List.of("jobs:read", "classify")));
        assertThat(created.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        String key = created.getBody().get("key").asString();
        assertThat(key).matches("vp_[0-9a-f]{12}_[A-Za-z0-9_-]{43}");
        String prefix = created.getBody().get("prefix").asString();
        String secret = key.substring(("vp_" + prefix + "_").length());
        assertThat(created.getHeaders().getLocation()).hasToString("/v1/api-keys/" + prefix);
        assertThat(created.getBody().get("scopes").toString()).isEqualTo("[\"jobs:read\",\"classify\"]");

        String row = jdbc.sql("SELECT row_to_json(k)::text FROM api_keys k WHERE prefix = ?").param(prefix)
                .query(String.class).single();
        String hexRow = jdbc.sql("SELECT encode(secret_sha256, 'hex') FROM api_keys WHERE prefix = ?").param(prefix)
                .query(String.class).single();
        assertThat(row).doesNotContain(secret).doesNotContain(secret.substring(0, 16));
        assertThat(hexRow).isEqualTo(HexFormat.of().formatHex(ApiKeyFormat.sha256(secret)));
        assertThat(count("SELECT count(*) FROM audit_events WHERE coalesce(path, '') || coalesce(resource_id, '') LIKE ?",
                "%" + secret.substring(0, 16) + "%")).isZero();

        JsonNode shown = getJson("/v1/api-keys/" + prefix).getBody();
        assertThat(shown.has("key")).isFalse();
        assertThat(shown.toString()).doesNotContain(secret);
        assertThat(shown.propertyNames()).containsExactlyInAnyOrder("prefix", "object", "name", "tenant", "scopes",
                "origin", "created_at");
        assertThat(shown.get("tenant").asString()).isEqualTo("hashing");
        assertThat(getJson("/v1/api-keys?limit=100").getBody().toString()).doesNotContain(secret);

        // last_used_at appears once the key is used
        assertThat(send(client(key), "GET", "/v1/training-jobs").getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(getJson("/v1/api-keys/" + prefix).getBody().get("last_used_at").isNull()).isFalse();
    }

    @Test
    void keyRequestsAreValidated() {
        assertProblem(postJson("/v1/api-keys", Map.of("name", "x", "tenant", "Bad Tenant", "scopes", List.of("classify"))),
                HttpStatus.BAD_REQUEST, "invalid_field");
        assertProblem(postJson("/v1/api-keys", Map.of("name", "x", "tenant", "t", "scopes", List.of("root"))),
                HttpStatus.BAD_REQUEST, "invalid_field");
        assertProblem(postJson("/v1/api-keys", Map.of("name", "x", "tenant", "t", "scopes", List.of())),
                HttpStatus.BAD_REQUEST, "invalid_field");
        assertProblem(postJson("/v1/api-keys", Map.of("name", "", "tenant", "t", "scopes", List.of("classify"))),
                HttpStatus.BAD_REQUEST, "invalid_field");
        assertProblem(send(http, "DELETE", "/v1/api-keys/nosuchkey1"), HttpStatus.NOT_FOUND, "api_key_not_found");
    }

    @Test
    void theLastWorkingAdminKeyCannotBeRevoked() {
        String admin = newKey("default", List.of("admin"));
        List<String> others = jdbc.sql("SELECT prefix FROM api_keys WHERE revoked_at IS NULL AND 'admin' = ANY (scopes) AND prefix NOT IN (?, ?)")
                .param(prefixOf(admin)).param(prefixOf(adminKey)).query(String.class).list();
        others.forEach(p -> assertThat(send(http, "DELETE", "/v1/api-keys/" + p).getStatusCode()).isEqualTo(HttpStatus.OK));

        assertThat(send(http, "DELETE", "/v1/api-keys/" + prefixOf(admin)).getStatusCode()).isEqualTo(HttpStatus.OK);
        assertProblem(send(http, "DELETE", "/v1/api-keys/" + prefixOf(adminKey)), HttpStatus.CONFLICT, "last_admin_key");
        assertThat(send(http, "GET", "/v1/api-keys").getStatusCode()).isEqualTo(HttpStatus.OK);
    }
}
