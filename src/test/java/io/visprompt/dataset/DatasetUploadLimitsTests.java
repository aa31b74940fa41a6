package io.visprompt.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import io.visprompt.dataset.internal.TestArchives;
import io.visprompt.dataset.internal.TestArchives.Format;
import io.visprompt.dataset.internal.TestImages;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.JsonNode;

/**
 * Hostile and malformed uploads. After each one, the datasets stored before it are still listed, their rows and
 * files are byte for byte what they were, and no work files are left behind.
 */
class DatasetUploadLimitsTests extends DatasetHttpTest {

    private static UUID existing;

    private Map<String, String> filesBefore;
    private JsonNode listedBefore;
    private long imageRowsBefore;

    @BeforeEach
    void rememberWhatIsStored() {
        if (existing == null) {
            TestArchives archive = TestArchives.zip();
            imageFolder(2, "cats", "dogs").forEach(archive::file);
            existing = uploaded(archive.bytes(), "name", "existing");
        }
        filesBefore = storedFiles();
        listedBefore = get("/v1/datasets?limit=100").getBody();
        imageRowsBefore = jdbc.sql("select count(*) from dataset_images").query(Long.class).single();
    }

    @AfterEach
    void existingDatasetsAreUntouched() {
        assertThat(get("/v1/datasets?limit=100").getBody()).isEqualTo(listedBefore);
        assertThat(get("/v1/datasets/" + existing).getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(rows("dataset_images", existing)).isEqualTo(4);
        assertThat(jdbc.sql("select count(*) from dataset_images").query(Long.class).single()).isEqualTo(imageRowsBefore);
        assertThat(storedFiles()).isEqualTo(filesBefore);
    }

    @ParameterizedTest
    @ValueSource(strings = {"../evil.png", "cats/../../evil.png", "/tmp/evil.png", "cats\\..\\..\\evil.png"})
    void refusesZipEntriesThatLeaveTheArchive(String name) {
        byte[] zip = TestArchives.zip().file("cats/a.png", TestImages.png(8, 8, 1)).file("dogs/b.png", TestImages.png(8, 8, 2))
                .file(name, TestImages.png(8, 8, 3)).bytes();

        ResponseEntity<JsonNode> response = upload(zip);

        assertProblem(response, HttpStatus.BAD_REQUEST, "unsafe_path");
        assertThat(response.getBody().get("path").asString()).isEqualTo(name);
    }

    @Test
    void refusesTarLinks() {
        byte[] symlink = TestArchives.tarGz().file("cats/a.png", TestImages.png(8, 8, 1))
                .symlink("dogs/b.png", "/etc/passwd").bytes();
        byte[] hardLink = TestArchives.tar().file("cats/a.png", TestImages.png(8, 8, 1))
                .hardLink("dogs/b.png", "cats/a.png").bytes();

        assertProblem(upload(symlink, "x.tgz", MediaType.parseMediaType("application/gzip")), HttpStatus.BAD_REQUEST, "unsafe_path");
        assertProblem(upload(hardLink, "x.tar", MediaType.parseMediaType("application/x-tar")), HttpStatus.BAD_REQUEST, "unsafe_path");
    }

    @Test
    void refusesADecompressionBomb() {
        // 2.5 MB of zeros deflate to a few KB: under the 3 MB expansion limit, far over the 20x ratio.
        byte[] zip = TestArchives.zip().file("cats/a.png", TestImages.png(8, 8, 1)).file("dogs/bomb.png", new byte[2_500_000])
                .bytes();
        assertThat(zip.length).isLessThan(20_000);

        assertProblem(upload(zip), HttpStatus.BAD_REQUEST, "zip_bomb");
    }

    @Test
    void refusesAnArchiveThatExpandsPastTheLimit() {
        // Random bits, one per byte, compress about 6x: under the ratio limit, yet 4 MB expanded is over 3 MB.
        byte[] bits = new byte[4_000_000];
        Random random = new Random(1);
        for (int i = 0; i < bits.length; i++) {
            bits[i] = (byte) random.nextInt(2);
        }
        byte[] tgz = TestArchives.tarGz().file("cats/a.png", bits).bytes();
        assertThat(tgz.length).isLessThan(1_000_000);

        ResponseEntity<JsonNode> response = upload(tgz, "big.tgz", MediaType.parseMediaType("application/gzip"));

        assertProblem(response, HttpStatus.CONTENT_TOO_LARGE, "archive_too_large");
        assertThat(response.getBody().get("max_uncompressed_bytes").asLong()).isEqualTo(3 * 1024 * 1024);
    }

    @Test
    void refusesAnArchiveWithTooManyEntries() {
        TestArchives archive = TestArchives.zip();
        imageFolder(31, "cats", "dogs").forEach(archive::file);

        ResponseEntity<JsonNode> response = upload(archive.bytes());

        assertProblem(response, HttpStatus.CONTENT_TOO_LARGE, "archive_too_large");
        assertThat(response.getBody().get("max_entries").asInt()).isEqualTo(60);
    }

    @Test
    void refusesAnUploadOverTheSizeLimit() {
        byte[] noise = new byte[1_200_000];
        new Random(2).nextBytes(noise);
        byte[] zip = TestArchives.zip().file("cats/a.png", noise).bytes();

        assertProblem(upload(zip), HttpStatus.CONTENT_TOO_LARGE, "upload_too_large");
    }

    @Test
    void refusesPartsDeclaredAsSomethingOtherThanAnArchive() {
        byte[] zip = TestArchives.zip().file("cats/a.png", TestImages.png(8, 8, 1)).bytes();

        assertProblem(upload(zip, "a.png", MediaType.IMAGE_PNG), HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
        assertProblem(upload(zip, "a.json", MediaType.APPLICATION_JSON), HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type");
    }

    @Test
    void refusesRequestsThatAreNotMultipart() {
        ResponseEntity<JsonNode> response = http.post().uri("/v1/datasets").contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("file", "cats.zip")).retrieve().toEntity(JsonNode.class);

        assertProblem(response, HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    }

    @Test
    void refusesFilesThatAreNotArchivesWhateverTheyAreCalled() {
        ResponseEntity<JsonNode> image = upload(TestImages.png(8, 8, 1), "cats.zip", MediaType.APPLICATION_OCTET_STREAM);
        ResponseEntity<JsonNode> text = upload("cats/a.png".getBytes(), "cats.tar", (MediaType) null);

        assertProblem(image, HttpStatus.BAD_REQUEST, "not_an_archive");
        assertProblem(text, HttpStatus.BAD_REQUEST, "not_an_archive");
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void refusesTruncatedArchivesAsCorrupt(Format format) {
        byte[] noise = new byte[60_000];
        new Random(3).nextBytes(noise);
        TestArchives archive = TestArchives.of(format).file("cats/a.png", TestImages.png(8, 8, 1));
        List.of("dogs/b.png", "dogs/c.png").forEach(name -> archive.file(name, noise));
        byte[] bytes = archive.bytes();

        assertProblem(upload(Arrays.copyOf(bytes, bytes.length - 40_000), "cut", (MediaType) null), HttpStatus.BAD_REQUEST,
                "corrupt_archive");
    }
}
