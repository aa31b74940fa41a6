package io.visprompt.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import io.visprompt.config.Tenant;
import io.visprompt.dataset.internal.ImageEntity;
import io.visprompt.dataset.internal.TestArchives;
import io.visprompt.dataset.internal.TestImages;
import jakarta.persistence.EntityManagerFactory;
import org.hibernate.SessionFactory;
import org.hibernate.stat.Statistics;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.JsonNode;

class DatasetLifecycleTests extends DatasetHttpTest {

    @Autowired
    Datasets datasets;

    @Autowired
    EntityManagerFactory entityManagerFactory;

    @Autowired
    MeterRegistry meters;

    @Test
    void listsDatasetsNewestFirstAndPagesWithACursor() {
        UUID first = uploaded(smallArchive(), "name", "first");
        UUID second = uploaded(smallArchive(), "name", "second");
        UUID third = uploaded(smallArchive(), "name", "third");

        List<UUID> listed = new ArrayList<>();
        String after = "";
        boolean hasMore = true;
        while (hasMore) {
            JsonNode page = get("/v1/datasets?limit=2" + (after.isEmpty() ? "" : "&after=" + after)).getBody();
            assertThat(page.get("data").size()).isLessThanOrEqualTo(2);
            page.get("data").valueStream().forEach(d -> listed.add(UUID.fromString(d.get("id").asString())));
            hasMore = page.get("has_more").asBoolean();
            after = listed.get(listed.size() - 1).toString();
        }

        assertThat(listed).doesNotHaveDuplicates().containsSubsequence(third, second, first);
        JsonNode newest = get("/v1/datasets?limit=1").getBody();
        assertThat(newest.at("/data/0/id").asString()).isEqualTo(third.toString());
        assertThat(newest.at("/data/0/rejected_files").isMissingNode()).isTrue();
        assertThat(newest.at("/data/0/rejected_file_count").asInt()).isZero();
        assertThat(newest.get("has_more").asBoolean()).isTrue();
        assertThat(get("/v1/datasets").getBody().get("data").size()).isBetween(3, 20);
    }

    @Test
    void servesStoredImagesOfAClassForThumbnails() throws Exception {
        UUID id = uploaded(smallArchive(), "name", "thumbs");
        ResponseEntity<byte[]> image = http.get().uri("/v1/datasets/" + id + "/classes/0/images/0").retrieve()
                .toEntity(byte[].class);

        assertThat(image.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(image.getHeaders().getContentType()).isEqualTo(MediaType.IMAGE_PNG);
        java.awt.image.BufferedImage png = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(image.getBody()));
        assertThat(png.getWidth()).isPositive();
        assertProblem(get("/v1/datasets/" + id + "/classes/0/images/100000"), HttpStatus.NOT_FOUND, "image_not_found");
        assertProblem(get("/v1/datasets/" + UUID.randomUUID() + "/classes/0/images/0"), HttpStatus.NOT_FOUND,
                "dataset_not_found");
    }

    @Test
    void servesTheNthImageOfAClassTrainFirstThenValAndTestReadingOneImageRow() {
        TestArchives archive = TestArchives.zip();
        String[] classes = {"a", "b", "c"};
        Map<String, Integer> perSplit = Map.of("train", 3, "val", 2, "test", 1);
        for (int c = 0; c < classes.length; c++) {
            for (String split : List.of("train", "val", "test")) {
                for (int i = 0; i < perSplit.get(split); i++) {
                    archive.file(split + "/" + classes[c] + "/" + i + ".png", TestImages.png(4, 4, colour(c, split, i)));
                }
            }
        }
        UUID id = uploaded(archive.bytes());
        Statistics statistics = entityManagerFactory.unwrap(SessionFactory.class).getStatistics();
        List<Integer> served = new ArrayList<>();
        long imageRowsRead;
        statistics.setStatisticsEnabled(true);
        try {
            statistics.clear();
            for (int n = 0; n < 6; n++) {
                ResponseEntity<byte[]> image = http.get().uri("/v1/datasets/" + id + "/classes/1/images/" + n).retrieve()
                        .toEntity(byte[].class);
                assertThat(image.getStatusCode()).isEqualTo(HttpStatus.OK);
                served.add(TestImages.decode(image.getBody()).getRGB(1, 1) & 0xFFFFFF);
            }
            imageRowsRead = statistics.getEntityStatistics(ImageEntity.class.getName()).getLoadCount();
        } finally {
            statistics.setStatisticsEnabled(false);
        }

        assertThat(served).containsExactly(colour(1, "train", 0), colour(1, "train", 1), colour(1, "train", 2),
                colour(1, "val", 0), colour(1, "val", 1), colour(1, "test", 0));
        assertThat(imageRowsRead).as("image rows read for 6 thumbnails of an 18-image dataset").isEqualTo(6);
        assertProblem(get("/v1/datasets/" + id + "/classes/1/images/6"), HttpStatus.NOT_FOUND, "image_not_found");
        assertProblem(get("/v1/datasets/" + id + "/classes/3/images/0"), HttpStatus.NOT_FOUND, "image_not_found");
        assertProblem(get("/v1/datasets/" + id + "/classes/0/images/-1"), HttpStatus.NOT_FOUND, "image_not_found");
    }

    private static int colour(int label, String split, int i) {
        return 0x400000 * (label + 1) + 0x004000 * List.of("train", "val", "test").indexOf(split) + 0x10 * (i + 1);
    }

    @Test
    void refusesInvalidPageParameters() {
        ResponseEntity<JsonNode> zero = get("/v1/datasets?limit=0");
        ResponseEntity<JsonNode> tooMany = get("/v1/datasets?limit=101");
        ResponseEntity<JsonNode> badCursor = get("/v1/datasets?after=not-an-id");

        assertProblem(zero, HttpStatus.BAD_REQUEST, "invalid_field");
        assertThat(tooMany.getBody().at("/errors/0/field").asString()).isEqualTo("limit");
        assertThat(badCursor.getBody().at("/errors/0/field").asString()).isEqualTo("after");
    }

    @Test
    void answersUnknownAndMalformedIdsWithNotFound() {
        assertProblem(get("/v1/datasets/" + UUID.randomUUID()), HttpStatus.NOT_FOUND, "dataset_not_found");
        assertProblem(get("/v1/datasets/not-a-uuid"), HttpStatus.NOT_FOUND, "dataset_not_found");
        assertProblem(get("/v1/datasets/1-2-3-4-5"), HttpStatus.NOT_FOUND, "dataset_not_found");
        assertProblem(delete("/v1/datasets/" + UUID.randomUUID()), HttpStatus.NOT_FOUND, "dataset_not_found");
    }

    @Test
    void refusesToDeleteADatasetInUseAndDeletesItOnceFree() {
        UUID id = uploaded(smallArchive());
        Path directory = STORAGE.resolve(id.toString());
        Map<String, String> filesBefore = storedFiles();
        inUse.ids.add(id);

        ResponseEntity<JsonNode> refused = delete("/v1/datasets/" + id);

        assertProblem(refused, HttpStatus.CONFLICT, "dataset_in_use");
        assertThat(get("/v1/datasets/" + id).getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(rows("dataset_images", id)).isEqualTo(4);
        assertThat(storedFiles()).isEqualTo(filesBefore);

        inUse.ids.remove(id);
        ResponseEntity<JsonNode> deleted = delete("/v1/datasets/" + id);

        assertThat(deleted.getStatusCode()).isEqualTo(HttpStatus.NO_CONTENT);
        assertProblem(get("/v1/datasets/" + id), HttpStatus.NOT_FOUND, "dataset_not_found");
        for (String table : List.of("datasets", "dataset_classes", "dataset_images", "dataset_rejected_files")) {
            assertThat(rows(table, id)).as(table).isZero();
        }
        assertThat(directory).doesNotExist();
        assertThat(workInProgress()).isEmpty();
    }

    @Test
    void givesOtherModulesEachSplitsImagesWithAbsolutePaths() {
        TestArchives archive = TestArchives.zip();
        imageFolder(10, "cats", "dogs").forEach(archive::file);
        UUID id = uploaded(archive.bytes(), "name", "for training", "val_fraction", "0.2", "test_fraction", "0");

        DatasetSummary summary = datasets.find(Tenant.DEFAULT, id).orElseThrow();
        List<DatasetImage> train = datasets.images(Tenant.DEFAULT, id, Split.TRAIN);

        assertThat(summary.name()).isEqualTo("for training");
        assertThat(summary.classNames()).containsExactly("cats", "dogs");
        assertThat(summary.imageCounts()).containsEntry(Split.TRAIN, 16).containsEntry(Split.VAL, 4).containsEntry(Split.TEST, 0);
        assertThat(train).hasSize(16).allSatisfy(image -> {
            assertThat(image.file()).isAbsolute().isRegularFile();
            assertThat(image.split()).isEqualTo(Split.TRAIN);
        });
        assertThat(train).extracting(DatasetImage::label).isSorted().contains(0, 1);
        assertThat(datasets.images(Tenant.DEFAULT, id, Split.TRAIN)).isEqualTo(train);
        assertThat(datasets.images(Tenant.DEFAULT, id, Split.VAL)).hasSize(4);
        assertThat(datasets.images(Tenant.DEFAULT, id, Split.TEST)).isEmpty();
        assertThat(datasets.find(Tenant.DEFAULT, UUID.randomUUID())).isEmpty();
    }

    @Test
    void countsUploadsByOutcomeAndRecordsTheirSizeAndDuration() {
        double successes = count("visprompt.dataset.uploads", "success");
        double unsafe = count("visprompt.dataset.uploads", "unsafe_path");
        long sized = meters.get("visprompt.dataset.upload.size").summary().count();
        byte[] archive = smallArchive();

        uploaded(archive);
        upload(TestArchives.zip().file("../x.png", new byte[1]).bytes());

        assertThat(count("visprompt.dataset.uploads", "success")).isEqualTo(successes + 1);
        assertThat(count("visprompt.dataset.uploads", "unsafe_path")).isEqualTo(unsafe + 1);
        assertThat(meters.get("visprompt.dataset.upload.size").summary().count()).isEqualTo(sized + 2);
        assertThat(meters.get("visprompt.dataset.upload.duration").tag("outcome", "success").timer().count()).isPositive();
    }

    private double count(String name, String outcome) {
        var counter = meters.find(name).tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    private ResponseEntity<JsonNode> delete(String uri) {
        return http.delete().uri(uri).retrieve().toEntity(JsonNode.class);
    }

    private static byte[] smallArchive() {
        TestArchives archive = TestArchives.zip();
        imageFolder(2, "cats", "dogs").forEach(archive::file);
        return archive.bytes();
    }
}
