package io.visprompt.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import io.visprompt.PostgresIntegrationTest;
import io.visprompt.TestArchives;
import io.visprompt.TestImages;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import tools.jackson.databind.JsonNode;

/**
 * A context that uploads a model, serves it (a prompt on it, or the bare model) and then deletes its row behind the
 * service's back, as another process's delete does.
 */
abstract class UploadedModelServingTest extends PostgresIntegrationTest {

    @Autowired
    JdbcClient jdbc;
    @Autowired
    UploadedModels uploaded;
    @Autowired
    MeterRegistry meters;

    String upload() throws IOException {
        Path fixtures = Path.of("src/test/resources/fixtures/upload");
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("file", filePartOf(Files.readAllBytes(fixtures.resolve("resnet-tiny.pt")), "model.pt"));
        parts.add("metadata", Files.readString(fixtures.resolve("resnet-tiny.json"))
                .replace("\"resnet-tiny\"", "\"released-" + UUID.randomUUID() + "\""));
        ResponseEntity<JsonNode> model = http.post().uri("/v1/models")
                .contentType(MediaType.MULTIPART_FORM_DATA).body(parts).retrieve().toEntity(JsonNode.class);
        assertThat(model.getStatusCode()).as("%s", model.getBody()).isEqualTo(HttpStatus.CREATED);
        return model.getBody().get("id").asString();
    }

    void deleteRowElsewhere(String modelId) {
        assertThat(jdbc.sql("DELETE FROM uploaded_models WHERE id = ?").param(UUID.fromString(modelId)).update())
                .isEqualTo(1);
    }

    double loadedGauge() {
        return meters.get("visprompt.models.loaded").tag("origin", "uploaded").gauge().value();
    }

    static byte[] anImage() {
        return TestImages.testSplit(TestArchives.fixture("mnist-small.zip")).values().iterator().next();
    }

    String importPrompt(String modelId) {
        ByteBuffer values = ByteBuffer.allocate(3 * 32 * 32 * 4).order(ByteOrder.LITTLE_ENDIAN);
        byte[] header = npyHeader("(3, 32, 32)");
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        byte[] npy = new byte[header.length + values.capacity()];
        System.arraycopy(header, 0, npy, 0, header.length);
        parts.add("values", filePartOf(npy, "prompt.npy"));
        parts.add("metadata", Map.of("model", modelId, "class_names", List.of("trouser", "bag"),
                "label_mapping", List.of(1, 8)));
        ResponseEntity<JsonNode> imported = http.post().uri("/v1/prompts").contentType(MediaType.MULTIPART_FORM_DATA)
                .body(parts).retrieve().toEntity(JsonNode.class);
        assertThat(imported.getStatusCode()).as("%s", imported.getBody()).isEqualTo(HttpStatus.CREATED);
        return imported.getBody().get("id").asString();
    }

    /** A version 1.0 .npy header for little-endian float32 of the given shape, padded to 64 bytes. */
    private static byte[] npyHeader(String shape) {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
        int unpadded = 10 + dict.length() + 1;
        String text = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        ByteBuffer header = ByteBuffer.allocate(10 + text.length()).order(ByteOrder.LITTLE_ENDIAN);
        header.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) text.length());
        header.put(text.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return header.array();
    }

    ResponseEntity<JsonNode> classify(Map<String, String> fields, byte[] image) {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        fields.forEach(parts::add);
        parts.add("image", filePart(image, "image.png", MediaType.IMAGE_PNG));
        return http.post().uri("/v1/classify").contentType(MediaType.MULTIPART_FORM_DATA).body(parts).retrieve()
                .toEntity(JsonNode.class);
    }

    private static Object filePartOf(byte[] bytes, String name) {
        return filePart(bytes, name, MediaType.APPLICATION_OCTET_STREAM);
    }
}
