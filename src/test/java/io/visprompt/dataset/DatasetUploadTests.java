package io.visprompt.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import io.visprompt.dataset.internal.TestArchives;
import io.visprompt.dataset.internal.TestArchives.Format;
import io.visprompt.dataset.internal.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.JsonNode;

class DatasetUploadTests extends DatasetHttpTest {

    record ImageRow(String split, int position, int label, String filePath, int width, int height, long byteSize,
            String sourcePath) {
    }

    @Test
    void storesAnImageFolderZipAsRgbPngsDividedPerClassBySeed() throws Exception {
        TestArchives archive = TestArchives.zip();
        for (int i = 0; i < 10; i++) {
            archive.file("cats/" + i + ".png", TestImages.png(8, 6, 0xCC3300));
            archive.file("dogs/" + i + ".jpg", TestImages.jpeg(8, 6, 0x0033CC));
        }
        archive.file("__MACOSX/cats/._0.png", new byte[] {0, 5, 22, 7}).file("cats/.DS_Store", new byte[] {1});
        byte[] zip = archive.bytes();

        ResponseEntity<JsonNode> response = upload(zip, "pets.zip", MediaType.parseMediaType("application/zip"),
                "val_fraction", "0.2", "test_fraction", "0.1");

        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        JsonNode body = response.getBody();
        UUID id = UUID.fromString(body.get("id").asString());
        assertThat(response.getHeaders().getLocation()).hasToString("/v1/datasets/" + id);
        assertThat(body.get("name").asString()).isEqualTo("pets");
        assertThat(body.get("class_names").valueStream().map(JsonNode::asString)).containsExactly("cats", "dogs");
        assertThat(body.at("/image_counts/train").asInt()).isEqualTo(14);
        assertThat(body.at("/image_counts/val").asInt()).isEqualTo(4);
        assertThat(body.at("/image_counts/test").asInt()).isEqualTo(2);
        assertThat(body.at("/class_counts/1/name").asString()).isEqualTo("dogs");
        assertThat(body.at("/class_counts/1/train").asInt()).isEqualTo(7);
        assertThat(body.at("/split/mode").asString()).isEqualTo("seeded");
        assertThat(body.at("/split/seed").asLong()).isEqualTo(42);
        assertThat(body.get("rejected_files")).isEmpty();
        assertThat(body.get("upload_bytes").asLong()).isEqualTo(zip.length);
        assertThat(body.get("created_at").asString()).isNotBlank();

        List<ImageRow> images = imageRows(id);
        assertThat(images).hasSize(20);
        assertThat(rows("dataset_classes", id)).isEqualTo(2);
        assertThat(images).filteredOn(i -> i.split().equals("train")).extracting(ImageRow::position)
                .containsExactlyElementsOf(IntStream.range(0, 14).boxed().toList());
        assertThat(images).extracting(ImageRow::sourcePath).doesNotHaveDuplicates()
                .allMatch(p -> p.matches("(cats/\\d\\.png|dogs/\\d\\.jpg)"));
        long storedBytes = 0;
        for (ImageRow image : images) {
            Path file = STORAGE.resolve(id.toString()).resolve(image.filePath());
            BufferedImage stored = TestImages.decode(Files.readAllBytes(file));
            assertThat(stored.getWidth()).isEqualTo(8);
            assertThat(stored.getHeight()).isEqualTo(6);
            assertThat(stored.getColorModel().hasAlpha()).isFalse();
            assertThat(Files.size(file)).isEqualTo(image.byteSize());
            assertThat(image.label()).isEqualTo(image.sourcePath().startsWith("cats/") ? 0 : 1);
            storedBytes += image.byteSize();
        }
        assertThat(body.get("total_bytes").asLong()).isEqualTo(storedBytes);
        assertThat(workInProgress()).isEmpty();

        assertThat(get("/v1/datasets/" + id).getBody()).isEqualTo(body);
        // Same archive, same seed: the same images land in the same splits.
        UUID again = uploaded(zip, "val_fraction", "0.2", "test_fraction", "0.1");
        assertThat(imageRows(again)).extracting(ImageRow::split, ImageRow::sourcePath)
                .isEqualTo(images.stream().map(i -> tuple(i.split(), i.sourcePath())).toList());
    }

    @Test
    void keepsTheSplitFoldersOfAnArchiveWrappedInOneFolder() throws Exception {
        TestArchives archive = TestArchives.zip().directory("mnist/");
        for (String digit : List.of("0", "1")) {
            for (int i = 0; i < 3; i++) {
                archive.file("mnist/train/" + digit + "/" + i + ".png", TestImages.grayPng(5, 5, 100 + i));
            }
            archive.file("mnist/val/" + digit + "/v.png", TestImages.grayPng(5, 5, 7));
            archive.file("mnist/test/" + digit + "/t.png", TestImages.grayPng(5, 5, 9));
        }

        ResponseEntity<JsonNode> response = upload(archive.bytes(), "name", "  MNIST subset ");

        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        JsonNode body = response.getBody();
        UUID id = UUID.fromString(body.get("id").asString());
        assertThat(body.get("name").asString()).isEqualTo("MNIST subset");
        assertThat(body.get("class_names").valueStream().map(JsonNode::asString)).containsExactly("0", "1");
        assertThat(body.at("/split/mode").asString()).isEqualTo("folders");
        assertThat(body.at("/split/val_fraction").isMissingNode()).isTrue();
        assertThat(body.at("/image_counts/train").asInt()).isEqualTo(6);
        assertThat(body.at("/image_counts/val").asInt()).isEqualTo(2);
        assertThat(body.at("/image_counts/test").asInt()).isEqualTo(2);
        ImageRow firstVal = imageRows(id).stream().filter(i -> i.split().equals("val")).findFirst().orElseThrow();
        assertThat(firstVal.sourcePath()).isEqualTo("mnist/val/0/v.png");
        BufferedImage stored = TestImages.decode(Files.readAllBytes(STORAGE.resolve(id.toString()).resolve(firstVal.filePath())));
        assertThat(stored.getRGB(2, 2) & 0xFFFFFF).isEqualTo(0x070707);
    }

    @Test
    void carvesValOutOfTrainWhenTheArchiveHasNoValFolder() {
        TestArchives archive = TestArchives.zip();
        imageFolder(4, "train/cats", "train/dogs", "test/cats", "test/dogs").forEach(archive::file);

        JsonNode body = upload(archive.bytes(), "val_fraction", "0.25").getBody();

        assertThat(body.at("/split/mode").asString()).isEqualTo("folders");
        assertThat(body.at("/split/val_fraction").asDouble()).isEqualTo(0.25);
        assertThat(body.at("/image_counts/train").asInt()).isEqualTo(6);
        assertThat(body.at("/image_counts/val").asInt()).isEqualTo(2);
        assertThat(body.at("/image_counts/test").asInt()).isEqualTo(8);
    }

    @ParameterizedTest
    @EnumSource(value = Format.class, names = {"TAR", "TAR_GZ"})
    void acceptsTarArchives(Format format) {
        TestArchives archive = TestArchives.of(format);
        imageFolder(3, "cats", "dogs", "birds").forEach(archive::file);

        ResponseEntity<JsonNode> response = upload(archive.bytes(), format == Format.TAR ? "set.tar" : "set.tgz",
                MediaType.APPLICATION_OCTET_STREAM);

        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        UUID id = UUID.fromString(response.getBody().get("id").asString());
        assertThat(response.getBody().get("name").asString()).isEqualTo("set");
        assertThat(response.getBody().get("class_names").valueStream().map(JsonNode::asString))
                .containsExactly("birds", "cats", "dogs");
        assertThat(rows("dataset_images", id)).isEqualTo(9);
        assertThat(imageRows(id)).allMatch(i -> Files.isRegularFile(STORAGE.resolve(id.toString()).resolve(i.filePath())));
    }

    @Test
    void listsEveryFileItCouldNotUseAndStoresTheRest() {
        byte[] png = TestImages.png(8, 8, 0x00FF00);
        byte[] zip = TestArchives.zip()
                .file("cats/good.png", png)
                .file("cats/broken.jpg", Arrays.copyOf(TestImages.jpeg(8, 8, 0xFF0000), 40))
                .file("cats/huge.png", TestImages.png(100, 100, 0xFF0000))
                .file("dogs/good.png", png)
                .file("dogs/really-a-gif.png", TestImages.gif(4, 4, 0x0000FF))
                .file("dogs/notes.txt", "woof".getBytes())
                .file("stray.png", png)
                .bytes();

        ResponseEntity<JsonNode> response = upload(zip);

        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        UUID id = UUID.fromString(response.getBody().get("id").asString());
        assertThat(response.getBody().get("rejected_files").valueStream()
                .map(f -> f.get("path").asString() + " " + f.get("reason").asString())).containsExactly(
                        "cats/broken.jpg undecodable_image",
                        "cats/huge.png image_too_large",
                        "dogs/really-a-gif.png unsupported_image_format",
                        "dogs/notes.txt unsupported_file_type",
                        "stray.png outside_class_folder");
        assertThat(rows("dataset_images", id)).isEqualTo(2);
        assertThat(jdbc.sql("select path, reason from dataset_rejected_files where dataset_id = ? order by position")
                .param(id).query((rs, n) -> rs.getString(1) + " " + rs.getString(2)).list())
                .startsWith("cats/broken.jpg undecodable_image").hasSize(5);
        assertThat(get("/v1/datasets/" + id).getBody().get("rejected_files")).hasSize(5);
    }

    @Test
    void refusesTheUploadWhenAClassFolderHasNoUsableImage() {
        Map<String, String> before = storedFiles();
        byte[] zip = TestArchives.zip().file("cats/a.png", TestImages.png(8, 8, 1)).file("cats/b.png", TestImages.png(8, 8, 2))
                .file("dogs/broken.png", new byte[] {1, 2, 3}).directory("birds/").bytes();

        ResponseEntity<JsonNode> response = upload(zip);

        assertProblem(response, HttpStatus.BAD_REQUEST, "empty_class");
        assertThat(response.getBody().get("classes").valueStream().map(JsonNode::asString)).containsExactly("birds", "dogs");
        assertThat(response.getBody().at("/rejected_files/0/reason").asString()).isEqualTo("undecodable_image");
        assertThat(storedFiles()).isEqualTo(before);
    }

    @Test
    void refusesASingleClass() {
        TestArchives archive = TestArchives.zip();
        imageFolder(3, "cats").forEach(archive::file);

        assertProblem(upload(archive.bytes()), HttpStatus.BAD_REQUEST, "too_few_classes");
    }

    @Test
    void refusesAnArchiveWithoutUsableImages() {
        byte[] zip = TestArchives.zip().file("cats/a.txt", "meow".getBytes()).file("dogs/b.png", new byte[10]).bytes();

        ResponseEntity<JsonNode> response = upload(zip);

        assertProblem(response, HttpStatus.BAD_REQUEST, "no_usable_images");
        assertThat(response.getBody().get("rejected_files")).hasSize(2);
    }

    @Test
    void validatesSplitFractionsAndNamesTheField() {
        byte[] zip = TestArchives.zip().file("cats/a.png", TestImages.png(8, 8, 1)).bytes();

        ResponseEntity<JsonNode> tooLarge = upload(zip, "val_fraction", "1.5");
        ResponseEntity<JsonNode> negative = upload(zip, "test_fraction", "-0.1");
        ResponseEntity<JsonNode> notANumber = upload(zip, "val_fraction", "lots");
        ResponseEntity<JsonNode> noRoomForTraining = upload(zip, "val_fraction", "0.5", "test_fraction", "0.5");
        ResponseEntity<JsonNode> blankName = upload(zip, "name", "   ");

        assertProblem(tooLarge, HttpStatus.BAD_REQUEST, "invalid_field");
        assertThat(tooLarge.getBody().at("/errors/0/field").asString()).isEqualTo("val_fraction");
        assertThat(negative.getBody().at("/errors/0/field").asString()).isEqualTo("test_fraction");
        assertThat(notANumber.getBody().at("/errors/0/field").asString()).isEqualTo("val_fraction");
        assertThat(noRoomForTraining.getBody().at("/errors/0/field").asString()).isEqualTo("test_fraction");
        assertThat(blankName.getBody().at("/errors/0/field").asString()).isEqualTo("name");
    }

    private List<ImageRow> imageRows(UUID id) {
        return jdbc.sql("""
                select split, position, label, file_path, width, height, byte_size, source_path
                from dataset_images where dataset_id = ?
                order by case split when 'train' then 0 when 'val' then 1 else 2 end, position""")
                .param(id).query(ImageRow.class).list();
    }
}
