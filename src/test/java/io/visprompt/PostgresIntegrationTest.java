package io.visprompt;

import java.util.List;
import java.util.Set;
import java.util.UUID;

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

    /** The jobs and sweeps in the database before this test began: any other is the test's own. */
    private Set<UUID> jobsBeforeTest = Set.of();
    private Set<UUID> sweepsBeforeTest = Set.of();

    @BeforeEach
    protected void httpClient() {
        http = client(adminKey);
    }

    @BeforeEach
    void noteJobsBeforeTest() {
        if (!trainingWorkers) {
            jobsBeforeTest = Set.copyOf(jdbc.sql("SELECT id FROM training_jobs").query(UUID.class).list());
            sweepsBeforeTest = Set.copyOf(jdbc.sql("SELECT id FROM sweeps").query(UUID.class).list());
        }
    }

    /**
     * One PostgreSQL may serve every test context (Testcontainers, or SPRING_DATASOURCE_URL): a test of a context
     * without workers leaves no queued job or running sweep behind, or the next class that trains would find (and
     * run) it first, without the files that stayed with this context (a running sweep's trials are submitted by the
     * sweep housekeeping of any context with workers). Only what this test started is cancelled: other contexts' jobs
     * and sweeps on that database (a training class's, or another run's) are theirs to finish.
     */
    @AfterEach
    void cancelJobsLeftQueued() {
        if (!trainingWorkers) {
            List<UUID> sweepsOfTest = jdbc.sql("SELECT id FROM sweeps WHERE status = 'running'").query(UUID.class)
                    .list().stream().filter(id -> !sweepsBeforeTest.contains(id)).toList();
            if (!sweepsOfTest.isEmpty()) {
                jdbc.sql("""
                        WITH cancelled AS (
                            UPDATE sweeps SET status = 'cancelled', finished_at = now(), updated_at = now(),
                                   waiting_for_quota = false
                             WHERE status = 'running' AND id IN (:ids) RETURNING id)
                        INSERT INTO sweep_events (sweep_id, created_at, level, type, message)
                        SELECT id, now(), 'info', 'cancelled', 'Cancelled at the end of the test that started it'
                          FROM cancelled
                        """).param("ids", sweepsOfTest).update();
            }
            List<UUID> queuedByTest = jdbc.sql("SELECT id FROM training_jobs WHERE status = 'queued'").query(UUID.class)
                    .list().stream().filter(id -> !jobsBeforeTest.contains(id)).toList();
            if (queuedByTest.isEmpty()) {
                return;
            }
            jdbc.sql("""
                    WITH cancelled AS (
                        UPDATE training_jobs SET status = 'cancelled', phase = 'cancelled', finished_at = now(),
                               updated_at = now()
                         WHERE status = 'queued' AND id IN (:ids) RETURNING id)
                    INSERT INTO training_job_events (job_id, created_at, level, type, message)
                    SELECT id, now(), 'info', 'cancelled', 'Cancelled at the end of the test that queued it'
                      FROM cancelled
                    """).param("ids", queuedByTest).update();
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
