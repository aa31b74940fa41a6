package io.visprompt.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import io.visprompt.PostgresIntegrationTest;
import io.visprompt.dataset.internal.TestImages;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
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
import tools.jackson.databind.JsonNode;

/**
 * Base of the dataset module's HTTP tests. Every subclass shares this one configuration, hence one Spring context
 * and one PostgreSQL: small limits so hostile uploads stay small, a temporary storage directory, and a
 * {@link DatasetUsage} the tests switch on and off.
 */
@TestPropertySource(properties = {
        "visprompt.datasets.max-upload-size=1MB",
        "visprompt.datasets.max-entries=60",
        "visprompt.datasets.max-uncompressed-size=3MB",
        "visprompt.datasets.max-compression-ratio=20",
        "visprompt.datasets.max-image-size=256KB",
        "visprompt.datasets.max-image-pixels=4096",
        "visprompt.datasets.split-seed=42"})
@Import(DatasetHttpTest.DatasetsInUse.class)
abstract class DatasetHttpTest extends PostgresIntegrationTest {

    static final Path STORAGE = createTempDirectory();

    @DynamicPropertySource
    static void storage(DynamicPropertyRegistry registry) {
        registry.add("visprompt.datasets.storage-dir", STORAGE::toString);
    }

    @Autowired
    protected JdbcClient jdbc;

    @Autowired
    protected DatasetsInUse inUse;

    /** Stands in for the training module: datasets whose ids are in {@link #ids} are in use. */
    static class DatasetsInUse implements DatasetUsage {

        final Set<UUID> ids = ConcurrentHashMap.newKeySet();

        @Override
        public boolean isInUse(UUID datasetId) {
            return ids.contains(datasetId);
        }
    }

    protected ResponseEntity<JsonNode> upload(byte[] archive, String filename, MediaType partType, String... fields) {
        MultiValueMap<String, Object> form = new LinkedMultiValueMap<>();
        HttpHeaders partHeaders = new HttpHeaders();
        if (partType != null) {
            partHeaders.setContentType(partType);
        }
        form.add("file", new HttpEntity<>(new ByteArrayResource(archive) {
            @Override
            public String getFilename() {
                return filename;
            }
        }, partHeaders));
        for (int i = 0; i < fields.length; i += 2) {
            form.add(fields[i], fields[i + 1]);
        }
        return http.post().uri("/v1/datasets").contentType(MediaType.MULTIPART_FORM_DATA).body(form)
                .retrieve().toEntity(JsonNode.class);
    }

    protected ResponseEntity<JsonNode> upload(byte[] zip, String... fields) {
        return upload(zip, "upload.zip", MediaType.parseMediaType("application/zip"), fields);
    }

    protected ResponseEntity<JsonNode> get(String uri) {
        return http.get().uri(uri).retrieve().toEntity(JsonNode.class);
    }

    protected UUID uploaded(byte[] zip, String... fields) {
        ResponseEntity<JsonNode> response = upload(zip, fields);
        assertThat(response.getStatusCode()).as("%s", response.getBody()).isEqualTo(HttpStatus.CREATED);
        return UUID.fromString(response.getBody().get("id").asString());
    }

    protected static void assertProblem(ResponseEntity<JsonNode> response, HttpStatus status, String code) {
        assertThat(response.getStatusCode()).as("%s", response.getBody()).isEqualTo(status);
        assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(response.getBody().get("code").asString()).isEqualTo(code);
    }

    protected long rows(String table, UUID datasetId) {
        String column = table.equals("datasets") ? "id" : "dataset_id";
        return jdbc.sql("select count(*) from " + table + " where " + column + " = ?").param(datasetId)
                .query(Long.class).single();
    }

    /** Every file under the storage directory (work in progress included) with a digest of its content. */
    protected static Map<String, String> storedFiles() {
        try (Stream<Path> files = Files.walk(STORAGE)) {
            Map<String, String> digests = new TreeMap<>();
            files.filter(Files::isRegularFile).forEach(f -> digests.put(STORAGE.relativize(f).toString(), sha256(f)));
            return digests;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What lies inside the work directories under {@code .incoming/} (each process's own folder there): empty once
     * every upload and deletion has finished. The owner lock files beside them stay while their processes live.
     */
    protected static java.util.List<Path> workInProgress() {
        Path incoming = STORAGE.resolve(".incoming");
        try (Stream<Path> paths = Files.walk(incoming)) {
            return paths.filter(p -> incoming.relativize(p).getNameCount() >= 2).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Images in class folders: {@code cats/0.png}, ... in solid colours per class. */
    protected static Map<String, byte[]> imageFolder(int perClass, String... classes) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (int c = 0; c < classes.length; c++) {
            for (int i = 0; i < perClass; i++) {
                files.put(classes[c] + "/" + i + ".png",
                        TestImages.png(8, 8, 0x101010 * (c + 1) + i));
            }
        }
        return files;
    }

    private static String sha256(Path file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path createTempDirectory() {
        try {
            return Files.createTempDirectory("visprompt-datasets-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
