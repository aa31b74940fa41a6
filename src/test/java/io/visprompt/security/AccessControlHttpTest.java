package io.visprompt.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.visprompt.PostgresIntegrationTest;
import io.visprompt.TestArchives;
import org.awaitility.Awaitility;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;

/**
 * Base of the access-control tests: one Spring context and one PostgreSQL for all of them, no training workers (jobs
 * stay queued), a key cache of 300 ms, 100 audited anonymous requests per address before the limit, and small quotas
 * for tenants of their own ({@link #Q_BYTES} and the like, named per run; the other tenants get the test profile's
 * generous defaults). Keys are made through {@code POST /v1/api-keys} with the test admin key.
 */
@TestPropertySource(properties = {
        "visprompt.training.workers=false",
        "visprompt.security.key-cache-ttl=300ms",
        "visprompt.security.audit.anonymous-burst=100"})
abstract class AccessControlHttpTest extends PostgresIntegrationTest {

    static final Duration KEY_CACHE_TTL = Duration.ofMillis(300);
    static final Path STORAGE = createTempDirectory();
    // The tenants with small quotas are named per test run: on a shared database, rows an earlier run (or a killed
    // one) left under a fixed name would count against the quota and in the tests' per-tenant counts.
    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String Q_BYTES = "q-bytes-" + RUN;
    static final String Q_FULL = "q-full-" + RUN;
    static final String Q_JOBS = "q-jobs-" + RUN;
    static final String Q_RATE = "q-rate-" + RUN;
    static final List<String> ALL_BUT_ADMIN = List.of("datasets:read", "datasets:write", "jobs:read", "jobs:write",
            "prompts:read", "prompts:write", "models:write", "classify");

    @DynamicPropertySource
    static void storageAndQuotas(DynamicPropertyRegistry registry) {
        registry.add("visprompt.datasets.storage-dir", STORAGE::toString);
        registry.add("visprompt.security.quotas.tenants." + Q_BYTES + ".dataset-bytes", () -> "1B");
        registry.add("visprompt.security.quotas.tenants." + Q_FULL + ".dataset-bytes", () -> "50B");
        registry.add("visprompt.security.quotas.tenants." + Q_JOBS + ".concurrent-jobs", () -> "1");
        registry.add("visprompt.security.quotas.tenants." + Q_RATE + ".inference-per-second", () -> "0.2");
        registry.add("visprompt.security.quotas.tenants." + Q_RATE + ".inference-burst", () -> "2");
    }

    @Autowired
    protected JdbcClient jdbc;

    /** A new key of {@code tenant} with {@code scopes}, made by the admin; the full key as shown once. */
    protected String newKey(String tenant, List<String> scopes) {
        ResponseEntity<JsonNode> created = postJson("/v1/api-keys",
                Map.of("name", "test " + tenant, "tenant", tenant, "scopes", scopes));
        assertThat(created.getStatusCode()).as("%s", created.getBody()).isEqualTo(HttpStatus.CREATED);
        return created.getBody().get("key").asString();
    }

    protected static String prefixOf(String key) {
        return key.split("_")[1];
    }

    protected ResponseEntity<JsonNode> upload(RestClient client, byte[] zip, String name) {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("file", file(zip, "data.zip", "application/zip"));
        parts.add("name", name);
        return client.post().uri("/v1/datasets").contentType(MediaType.MULTIPART_FORM_DATA).body(parts).retrieve()
                .toEntity(JsonNode.class);
    }

    protected String uploaded(RestClient client, String name) {
        ResponseEntity<JsonNode> response = upload(client, TestArchives.randomImageFolder(2, 2, 7), name);
        assertThat(response.getStatusCode()).as("%s", response.getBody()).isEqualTo(HttpStatus.CREATED);
        return response.getBody().get("id").asString();
    }

    protected ResponseEntity<JsonNode> createJob(RestClient client, String datasetId, String idempotencyKey) {
        RestClient.RequestBodySpec request = client.post().uri("/v1/training-jobs").contentType(MediaType.APPLICATION_JSON);
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return request.body(Map.of("dataset_id", datasetId, "model", "fashion-cnn")).retrieve().toEntity(JsonNode.class);
    }

    /** Imports a zero prompt for fashion-cnn (32x32) as the client's tenant. */
    protected ResponseEntity<JsonNode> importPrompt(RestClient client) {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("values", file(npyZeros(3, 32, 32), "values.npy", "application/octet-stream"));
        parts.add("metadata", Map.of("model", "fashion-cnn", "class_names", List.of("a", "b")));
        return client.post().uri("/v1/prompts").contentType(MediaType.MULTIPART_FORM_DATA).body(parts).retrieve()
                .toEntity(JsonNode.class);
    }

    protected static ResponseEntity<JsonNode> send(RestClient client, String method, String path) {
        return client.method(org.springframework.http.HttpMethod.valueOf(method)).uri(path).retrieve()
                .toEntity(JsonNode.class);
    }

    protected static void assertProblem(ResponseEntity<JsonNode> response, HttpStatus status, String code) {
        assertThat(response.getStatusCode()).as("%s", response.getBody()).isEqualTo(status);
        assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(response.getBody().get("code").asString()).isEqualTo(code);
    }

    protected long count(String sql, Object... params) {
        var statement = jdbc.sql(sql);
        for (Object p : params) {
            statement = statement.param(p);
        }
        return statement.query(Long.class).single();
    }

    /** Every regular file under the storage directory, work in progress included. */
    protected static List<String> storedFiles() {
        try (Stream<Path> files = Files.walk(STORAGE)) {
            return files.filter(Files::isRegularFile).map(f -> STORAGE.relativize(f).toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What {@code value} supplies once {@code done} accepts it, polled with Awaitility; fails after {@code timeout}. */
    protected static <T> T await(Duration timeout, Supplier<T> value, java.util.function.Predicate<T> done) {
        return Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(50)).until(value::get, done);
    }

    protected static byte[] png() {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(8, 8, java.awt.image.BufferedImage.TYPE_INT_RGB),
                    "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static HttpEntity<ByteArrayResource> file(byte[] bytes, String name, String type) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.parseMediaType(type));
        return new HttpEntity<>(new ByteArrayResource(bytes) {
            @Override
            public String getFilename() {
                return name;
            }
        }, headers);
    }

    /** A float32 .npy of zeros, as numpy.save writes it. */
    static byte[] npyZeros(int... shape) {
        String dims = String.join(", ", java.util.Arrays.stream(shape).mapToObj(String::valueOf).toList());
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
        int unpadded = 6 + 2 + 2 + header.length() + 1;
        header = header + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        int count = java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        ByteBuffer buffer = ByteBuffer.allocate(10 + header.length() + count * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length())
                .put(header.getBytes(StandardCharsets.US_ASCII));
        return buffer.array();
    }

    private static Path createTempDirectory() {
        try {
            return Files.createTempDirectory("visprompt-access-control");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
