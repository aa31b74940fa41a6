package io.visprompt;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import tools.jackson.databind.JsonNode;

/**
 * Every malformed or out-of-range request an adversarial probe sent (issue 15, points 6 and 7): each one is a 4xx
 * {@code application/problem+json} with a stable {@code code}, and nothing is stored.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestPropertySource(properties = "visprompt.training.workers=false")
class BadInputTests extends PostgresIntegrationTest {

    private static final List<String> TABLES = List.of("datasets", "training_jobs", "prompts", "api_keys");

    @Autowired
    private JdbcClient jdbc;

    /** A dataset for job requests and an imported fashion-cnn prompt (zeros) for content and inference requests. */
    private String datasetId;
    private String promptId;

    @BeforeEach
    void fixtures() {
        if (datasetId == null) {
            datasetId = uploadDataset(TestArchives.randomImageFolder(3, 4, 1), "random.zip", "random").getBody()
                    .get("id").asString();
        }
        if (promptId == null) {
            ResponseEntity<JsonNode> imported = importPrompt(npy("(3, 32, 32)", new float[3 * 32 * 32]),
                    "{\"model\":\"fashion-cnn\",\"class_names\":[\"a\",\"b\"]}");
            assertThat(imported.getStatusCode()).as(String.valueOf(imported.getBody())).isEqualTo(HttpStatus.CREATED);
            promptId = imported.getBody().get("id").asString();
        }
    }

    /** @param detail a part of the problem's detail that shows the refusal is for the right reason */
    record BadRequest(String name, Function<BadInputTests, ResponseEntity<JsonNode>> send, HttpStatus status,
            String code, String detail) {

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> badRequests() {
        float[] nan = new float[3 * 32 * 32];
        Arrays.fill(nan, Float.NaN);
        float[] infinite = new float[3 * 32 * 32];
        infinite[7] = Float.POSITIVE_INFINITY;
        List<BadRequest> cases = List.of(
                new BadRequest("resume of a job whose id is not a UUID",
                        t -> t.postJson("/v1/training-jobs/not-a-uuid/resume", Map.of()),
                        HttpStatus.BAD_REQUEST, "invalid_parameter", "id"),
                // issue 15.6: answered 500
                new BadRequest("training job with a NUL in a text template",
                        t -> t.postJson("/v1/training-jobs", Map.of("dataset_id", t.datasetId, "model", "tiny-clip",
                                "output", Map.of("text_templates", List.of("a {} \u0000")))),
                        HttpStatus.BAD_REQUEST, "invalid_field", "NUL"),
                new BadRequest("prompt import with a non-numeric .npy dimension",
                        t -> t.importPrompt(npy("(3, abc, 32)", new float[0]), metadata("a", "b")),
                        HttpStatus.BAD_REQUEST, "invalid_field", "'abc'"),
                new BadRequest("prompt import with a negative .npy dimension",
                        t -> t.importPrompt(npy("(3, 32, -32)", new float[0]), metadata("a", "b")),
                        HttpStatus.BAD_REQUEST, "invalid_field", "'-32'"),
                new BadRequest("prompt import with a .npy dimension beyond int",
                        t -> t.importPrompt(npy("(99999999999,)", new float[0]), metadata("a", "b")),
                        HttpStatus.BAD_REQUEST, "invalid_field", "too large"),
                new BadRequest("prompt import with a NUL in a class name",
                        t -> t.importPrompt(npy("(3, 32, 32)", new float[3 * 32 * 32]), metadata("a\u0000", "b")),
                        HttpStatus.BAD_REQUEST, "invalid_field", "NUL"),
                new BadRequest("prompt import with a null class name",
                        t -> t.importPrompt(npy("(3, 32, 32)", new float[3 * 32 * 32]), metadata("a", null)),
                        HttpStatus.BAD_REQUEST, "invalid_field", "non-blank"),
                new BadRequest("prompt content with an unparseable Accept",
                        t -> t.getWithAccept("/v1/prompts/" + t.promptId + "/content", ";;;"),
                        HttpStatus.NOT_ACCEPTABLE, "not_acceptable", "Accept header"),
                new BadRequest("prompt content with a non-numeric Accept quality",
                        t -> t.getWithAccept("/v1/prompts/" + t.promptId + "/content", "image/png;q=abc"),
                        HttpStatus.NOT_ACCEPTABLE, "not_acceptable", "Accept header"),
                new BadRequest("classify with more class names than the model has outputs",
                        t -> t.classify(png(),
                                List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l")),
                        HttpStatus.BAD_REQUEST, "invalid_field", "12 class names"),
                new BadRequest("infer with a batch size beyond int",
                        t -> t.infer(List.of(1_000_000_000_000L, 3L, 32L, 32L), List.of(0.5)),
                        HttpStatus.BAD_REQUEST, "invalid_field", "N must be"),
                new BadRequest("infer with a null batch size",
                        t -> t.infer(Arrays.asList(null, 3L, 32L, 32L), List.of(0.5)),
                        HttpStatus.BAD_REQUEST, "invalid_field", "shape"),
                new BadRequest("infer with a null channel count",
                        t -> t.infer(Arrays.asList(1L, null, 32L, 32L), List.of(0.5)),
                        HttpStatus.BAD_REQUEST, "invalid_field", "shape"),
                // issue 15.7: accepted, or refused with the wrong answer
                new BadRequest("training job with fractional epochs",
                        t -> t.postJson("/v1/training-jobs", Map.of("dataset_id", t.datasetId, "model", "fashion-cnn",
                                "hyperparameters", Map.of("epochs", 1.5))),
                        HttpStatus.BAD_REQUEST, "invalid_field", "must be an integer"),
                new BadRequest("API key with a numeric tenant",
                        t -> t.postJson("/v1/api-keys", Map.of("name", "n", "tenant", 5, "scopes", List.of("datasets:read"))),
                        HttpStatus.BAD_REQUEST, "invalid_field", "must be a string"),
                new BadRequest("prompt import of NaN values",
                        t -> t.importPrompt(npy("(3, 32, 32)", nan), metadata("a", "b")),
                        HttpStatus.BAD_REQUEST, "invalid_field", "finite"),
                new BadRequest("prompt import with an infinite value",
                        t -> t.importPrompt(npy("(3, 32, 32)", infinite), metadata("a", "b")),
                        HttpStatus.BAD_REQUEST, "invalid_field", "finite"),
                new BadRequest("infer with FP32 values beyond float",
                        t -> t.infer(List.of(1L, 3L, 32L, 32L), Collections.nCopies(3 * 32 * 32, 1e308)),
                        HttpStatus.BAD_REQUEST, "invalid_field", "finite"),
                new BadRequest("classify a truncated JPEG",
                        t -> t.classify(truncatedJpeg(), List.of()),
                        HttpStatus.BAD_REQUEST, "undecodable_image", "truncated"),
                new BadRequest("example picture asked for as .npy",
                        t -> t.getWithAccept("/v1/prompts/" + t.promptId + "/content?example=1", "application/x-npy"),
                        HttpStatus.NOT_ACCEPTABLE, "not_acceptable", "image/png only"));
        return cases.stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void badInputIsA4xxProblemWithAStableCodeAndStoresNothing(BadRequest bad) {
        Map<String, Long> before = rowCounts();

        ResponseEntity<JsonNode> response = bad.send().apply(this);

        assertThat(response.getStatusCode()).as(String.valueOf(response.getBody())).isEqualTo(bad.status());
        assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(response.getBody().get("code").asString()).isEqualTo(bad.code());
        assertThat(response.getBody().get("status").asInt()).isEqualTo(bad.status().value());
        assertThat(response.getBody().get("detail").asString()).contains(bad.detail());
        assertThat(rowCounts()).isEqualTo(before);
    }

    @Test
    void flatFp32InferenceOfOneFullImageIsAnswered() {
        ResponseEntity<JsonNode> response = infer(List.of(1L, 3L, 32L, 32L), Collections.nCopies(3 * 32 * 32, 0.5));

        assertThat(response.getStatusCode()).as(String.valueOf(response.getBody())).isEqualTo(HttpStatus.OK);
        JsonNode probabilities = response.getBody().at("/outputs/0");
        assertThat(probabilities.get("shape").toString()).isEqualTo("[1,2]");
        double sum = 0;
        for (JsonNode p : probabilities.get("data")) {
            assertThat(Double.isFinite(p.asDouble())).isTrue();
            sum += p.asDouble();
        }
        assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
    }

    private Map<String, Long> rowCounts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String table : TABLES) {
            counts.put(table, jdbc.sql("SELECT count(*) FROM " + table).query(Long.class).single());
        }
        return counts;
    }

    private ResponseEntity<JsonNode> getWithAccept(String path, String accept) {
        return http.get().uri(path).header(HttpHeaders.ACCEPT, accept).retrieve().toEntity(JsonNode.class);
    }

    private ResponseEntity<JsonNode> importPrompt(byte[] values, String metadata) {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("values", filePart(values, "prompt.npy", MediaType.APPLICATION_OCTET_STREAM));
        HttpHeaders json = new HttpHeaders();
        json.setContentType(MediaType.APPLICATION_JSON);
        parts.add("metadata", new HttpEntity<>(metadata, json));
        return http.post().uri("/v1/prompts").contentType(MediaType.MULTIPART_FORM_DATA).body(parts).retrieve()
                .toEntity(JsonNode.class);
    }

    private ResponseEntity<JsonNode> classify(byte[] image, List<String> classNames) {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("image", filePart(image, "image.jpg", MediaType.APPLICATION_OCTET_STREAM));
        parts.add("model", "fashion-cnn");
        classNames.forEach(c -> parts.add("class_names", c));
        return http.post().uri("/v1/classify").contentType(MediaType.MULTIPART_FORM_DATA).body(parts).retrieve()
                .toEntity(JsonNode.class);
    }

    private ResponseEntity<JsonNode> infer(List<Long> shape, List<Double> data) {
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("name", "pixels");
        input.put("shape", shape);
        input.put("datatype", "FP32");
        input.put("data", data);
        return postJson("/v2/models/" + promptId + "/infer", Map.of("inputs", List.of(input)));
    }

    private static String metadata(String... classNames) {
        List<String> names = new ArrayList<>();
        for (String c : classNames) {
            names.add(c == null ? "null" : "\"" + c.replace("\u0000", "\\u0000") + "\"");
        }
        return "{\"model\":\"fashion-cnn\",\"class_names\":[" + String.join(",", names) + "]}";
    }

    /** A version 1.0 .npy with the given shape text in its header (which may lie) and the given float32 values. */
    static byte[] npy(String shape, float[] values) {
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
        header = header + " ".repeat((64 - (10 + header.length() + 1) % 64) % 64) + "\n";
        ByteBuffer buffer = ByteBuffer.allocate(10 + header.length() + values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length())
                .put(header.getBytes(StandardCharsets.US_ASCII));
        buffer.asFloatBuffer().put(values);
        return buffer.array();
    }

    private static byte[] png() {
        return encode(gradient(), "png");
    }

    /** A JPEG cut off in the middle of its scan data: ImageIO would decode the missing part as grey. */
    private static byte[] truncatedJpeg() {
        byte[] jpeg = encode(gradient(), "jpeg");
        return Arrays.copyOf(jpeg, jpeg.length * 2 / 3);
    }

    private static BufferedImage gradient() {
        BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                image.setRGB(x, y, (x * 4) << 16 | (y * 4) << 8 | ((x ^ y) * 4 & 0xff));
            }
        }
        return image;
    }

    private static byte[] encode(BufferedImage image, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, format, out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
