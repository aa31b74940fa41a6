package io.visprompt.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.visprompt.dataset.internal.TestArchives;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.JsonNode;

/** The report of an archive's unusable files is paged: a dataset's own answer stays small however many there are. */
class DatasetRejectedFilesTests extends DatasetHttpTest {

    private static final int REJECTED = 100_000;

    @Test
    void aDatasetWithAHundredThousandRejectedFilesAnswersItsFirstPageAndACount() {
        UUID id = uploaded(archive(0));
        // As if the archive had held 100k unusable entries (the test limits allow 60 entries per upload).
        jdbc.sql("""
                INSERT INTO dataset_rejected_files (dataset_id, position, path, reason)
                SELECT ?, g, 'junk/' || g || '.txt', 'unsupported_file_type' FROM generate_series(0, ?) g
                """).param(id).param(REJECTED - 1).update();

        ResponseEntity<byte[]> raw = http.get().uri("/v1/datasets/" + id).retrieve().toEntity(byte[].class);
        JsonNode body = get("/v1/datasets/" + id).getBody();

        assertThat(raw.getBody().length).as("bytes of GET /v1/datasets/{id}").isLessThan(32 * 1024);
        assertThat(body.get("rejected_file_count").asInt()).isEqualTo(REJECTED);
        assertThat(body.get("rejected_files")).hasSize(100);
        assertThat(body.at("/rejected_files/99/path").asString()).isEqualTo("junk/99.txt");
        assertThat(body.get("rejected_files_next").asString())
                .isEqualTo("/v1/datasets/" + id + "/rejected-files?after=99");

        JsonNode next = get(body.get("rejected_files_next").asString()).getBody();
        assertThat(next.get("data")).hasSize(20);
        assertThat(next.at("/data/0/path").asString()).isEqualTo("junk/100.txt");
        assertThat(next.at("/data/0/reason").asString()).isEqualTo("unsupported_file_type");
        assertThat(next.get("has_more").asBoolean()).isTrue();
        assertThat(next.get("last_id").asString()).isEqualTo("119");
        JsonNode last = get("/v1/datasets/" + id + "/rejected-files?limit=100&after=" + (REJECTED - 51)).getBody();
        assertThat(last.get("data")).hasSize(50);
        assertThat(last.get("has_more").asBoolean()).isFalse();
        assertThat(last.at("/data/49/path").asString()).isEqualTo("junk/" + (REJECTED - 1) + ".txt");
    }

    @Test
    void pagesThroughEveryRejectedFileOfAnUploadInArchiveOrder() {
        ResponseEntity<JsonNode> uploaded = upload(archive(45));
        assertThat(uploaded.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        UUID id = UUID.fromString(uploaded.getBody().get("id").asString());
        assertThat(uploaded.getBody().get("rejected_file_count").asInt()).isEqualTo(45);
        assertThat(uploaded.getBody().get("rejected_files")).hasSize(45);
        assertThat(uploaded.getBody().has("rejected_files_next")).isFalse();

        List<String> paths = new ArrayList<>();
        String after = "";
        boolean more = true;
        while (more) {
            JsonNode page = get("/v1/datasets/" + id + "/rejected-files?limit=20" + after).getBody();
            assertThat(page.get("data").size()).isLessThanOrEqualTo(20);
            page.get("data").forEach(f -> paths.add(f.get("path").asString()));
            more = page.get("has_more").asBoolean();
            after = "&after=" + page.get("last_id").asString();
        }

        assertThat(paths).hasSize(45).doesNotHaveDuplicates()
                .containsExactlyElementsOf(uploaded.getBody().get("rejected_files").valueStream()
                        .map(f -> f.get("path").asString()).toList());
    }

    @Test
    void refusesBadPageParametersAndUnknownDatasets() {
        UUID id = uploaded(archive(1));

        assertThat(get("/v1/datasets/" + id + "/rejected-files").getBody().get("data")).hasSize(1);
        assertProblem(get("/v1/datasets/" + id + "/rejected-files?limit=0"), HttpStatus.BAD_REQUEST, "invalid_field");
        assertProblem(get("/v1/datasets/" + id + "/rejected-files?limit=101"), HttpStatus.BAD_REQUEST, "invalid_field");
        ResponseEntity<JsonNode> badCursor = get("/v1/datasets/" + id + "/rejected-files?after=x");
        assertProblem(badCursor, HttpStatus.BAD_REQUEST, "invalid_field");
        assertThat(badCursor.getBody().at("/errors/0/field").asString()).isEqualTo("after");
        assertProblem(get("/v1/datasets/" + UUID.randomUUID() + "/rejected-files"), HttpStatus.NOT_FOUND,
                "dataset_not_found");
    }

    /** Two small classes and {@code unusable} text files, each listed as unsupported_file_type. */
    private static byte[] archive(int unusable) {
        TestArchives archive = TestArchives.zip();
        imageFolder(2, "cats", "dogs").forEach(archive::file);
        for (int i = 0; i < unusable; i++) {
            archive.file("cats/notes-" + String.format("%03d", i) + ".txt", new byte[] {(byte) 120});
        }
        return archive.bytes();
    }
}
