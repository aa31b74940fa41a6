package io.visprompt.model.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** CLIP's text side against the Python reference: token ids and text features. */
class ClipTextEncoderTest {

    private static final Path CLIP = Path.of("src/main/resources/models/tiny-clip");
    private static final Path PARITY = Path.of("src/test/resources/fixtures/parity");

    private static ClipTextEncoder encoder;

    @BeforeAll
    static void open() {
        encoder = ClipTextEncoder.open(CLIP, ModelMetadata.readFrom(CLIP));
    }

    @AfterAll
    static void close() {
        encoder.close();
    }

    @Test
    void tokenIdsMatchTheReferenceTokenizerPaddedToTheContextLength() throws IOException {
        JsonNode tokens = JsonMapper.builder().build().readTree(Files.readString(PARITY.resolve("tokens.json")));
        JsonNode texts = tokens.path("texts");
        assertThat(texts.size()).isGreaterThanOrEqualTo(10);

        for (int i = 0; i < texts.size(); i++) {
            JsonNode expected = tokens.path("padded_ids").get(i);
            long[] ids = encoder.tokenize(texts.get(i).asString());
            assertThat(ids).as(texts.get(i).asString()).hasSize(tokens.path("context_length").asInt());
            for (int j = 0; j < ids.length; j++) {
                assertThat(ids[j]).as(texts.get(i).asString() + " token " + j).isEqualTo(expected.get(j).asLong());
            }
        }
    }

    @Test
    void textFeaturesMatchPyTorch() throws IOException {
        JsonNode manifest = JsonMapper.builder().build().readTree(Files.readString(PARITY.resolve("manifest.json")));
        List<String> texts = new ArrayList<>();
        manifest.path("clip").path("texts").forEach(text -> texts.add(text.asString()));
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            long[] expectedTokens = read(manager, "clip_tokens").toLongArray();
            float[] expected = read(manager, "clip_text_features").toFloatArray();

            long[] tokens = texts.stream().flatMap(t -> Arrays.stream(encoder.tokenize(t)).boxed())
                    .mapToLong(Long::longValue).toArray();
            float[] features = encoder.encode(manager, texts).toFloatArray();

            assertThat(tokens).containsExactly(expectedTokens);
            double difference = 0;
            double reference = 0;
            double maxAbs = 0;
            for (int i = 0; i < expected.length; i++) {
                double d = features[i] - expected[i];
                difference += d * d;
                reference += expected[i] * expected[i];
                maxAbs = Math.max(maxAbs, Math.abs(d));
            }
            double relative = Math.sqrt(difference / reference);
            System.out.printf("clip text features parity: norm-relative %.2e, max abs %.2e%n", relative, maxAbs);
            assertThat(relative).isLessThan(1e-5);
        }
    }

    private static NDArray read(NDManager manager, String name) throws IOException {
        return NDList.decode(manager, Files.readAllBytes(PARITY.resolve(name + ".npy"))).singletonOrThrow();
    }

    @Test
    void precomputedEmbeddingsStandInForTheTextEncoder(@TempDir Path directory) throws IOException {
        Files.writeString(directory.resolve("text_embeddings.json"),
                "{\"texts\": [\"a cat\", \"a dog\"], \"embeddings\": [[3, 4, 0], [0, 0, 2]]}");
        try (ClipTextEncoder lookup = ClipTextEncoder.open(directory, ModelMetadata.none());
                NDManager manager = NDManager.newBaseManager("PyTorch")) {
            float[] features = lookup.encode(manager, List.of("a dog", "a cat")).toFloatArray();

            assertThat(features).containsExactly(0f, 0f, 1f, 0.6f, 0.8f, 0f);
            assertThatThrownBy(() -> lookup.encode(manager, List.of("a bird")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a bird");
        }
    }
}
