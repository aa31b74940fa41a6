package io.visprompt;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import tools.jackson.databind.JsonNode;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * Base of tests that go through HTTP and a real PostgreSQL: the server {@code SPRING_DATASOURCE_URL} names (every
 * context then shares it: {@code src/test/shared-postgres.sh}), else one Testcontainers server for all contexts where
 * Docker runs, else the application's own embedded PostgreSQL (a fresh temporary one per test context). {@link #http} sends the
 * admin key configured for tests ({@code visprompt.security.bootstrap-key} in application-test.yml); {@link #client}
 * makes clients with another key or none.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
public abstract class PostgresIntegrationTest {

    private static final PostgreSQLContainer CONTAINER =
            System.getenv("SPRING_DATASOURCE_URL") == null && dockerAvailable() ? startContainer() : null;

    @LocalServerPort
    protected int port;

    protected RestClient http;

    /** The admin key (tenant "default") every test context stores at startup. */
    @Value("${visprompt.security.bootstrap-key}")
    protected String adminKey;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        if (CONTAINER != null) {
            registry.add("spring.datasource.url", CONTAINER::getJdbcUrl);
            registry.add("spring.datasource.username", CONTAINER::getUsername);
            registry.add("spring.datasource.password", CONTAINER::getPassword);
        }
    }

    /** Whether this context runs training workers (only the test classes that train switch them on). */
    @Value("${visprompt.training.workers}")
    private boolean trainingWorkers;

    @Autowired
    private JdbcClient jdbc;

    @BeforeEach
    protected void httpClient() {
        http = client(adminKey);
    }

    /**
     * One PostgreSQL may serve every test context (Testcontainers, or SPRING_DATASOURCE_URL): a test of a context
     * without workers leaves no queued job behind, or the next class that trains would find (and run) it first.
     */
    @AfterEach
    void cancelJobsLeftQueued() {
        if (!trainingWorkers) {
            jdbc.sql("""
                    WITH cancelled AS (
                        UPDATE training_jobs SET status = 'cancelled', phase = 'cancelled', finished_at = now(),
                               updated_at = now()
                         WHERE status = 'queued' RETURNING id)
                    INSERT INTO training_job_events (job_id, created_at, level, type, message)
                    SELECT id, now(), 'info', 'cancelled', 'Cancelled at the end of the test that queued it'
                      FROM cancelled
                    """).update();
        }
    }

    /** A client that sends {@code Authorization: Bearer <key>}, or no Authorization header when key is null. */
    protected RestClient client(String key) {
        RestClient.Builder builder = RestClient.builder().baseUrl("http://localhost:" + port)
                .defaultStatusHandler(status -> true, (request, response) -> { });
        if (key != null) {
            builder.defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + key);
        }
        return builder.build();
    }

    protected ResponseEntity<JsonNode> getJson(String path) {
        return http.get().uri(path).retrieve().toEntity(JsonNode.class);
    }

    protected ResponseEntity<JsonNode> postJson(String path, Object body) {
        return http.post().uri(path).contentType(MediaType.APPLICATION_JSON).body(body).retrieve()
                .toEntity(JsonNode.class);
    }

    /** Uploads an archive as a user would with {@code curl -F file=@archive.zip -F name=...}. */
    protected ResponseEntity<JsonNode> uploadDataset(byte[] archive, String fileName, String name) {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("file", filePart(archive, fileName, MediaType.parseMediaType("application/zip")));
        parts.add("name", name);
        return http.post().uri("/v1/datasets").contentType(MediaType.MULTIPART_FORM_DATA).body(parts).retrieve()
                .toEntity(JsonNode.class);
    }

    /** A multipart file part, as {@code curl -F name=@file} sends it. */
    protected static HttpEntity<ByteArrayResource> filePart(byte[] bytes, String fileName, MediaType type) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(type);
        return new HttpEntity<>(new ByteArrayResource(bytes) {
            @Override
            public String getFilename() {
                return fileName;
            }
        }, headers);
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    private static PostgreSQLContainer startContainer() {
        PostgreSQLContainer container = new PostgreSQLContainer("postgres:16-alpine");
        container.start();
        return container;
    }
}
