package io.visprompt.model.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * CLIP's text side: {@code tokenizer.json} plus {@code text_encoder.pt} (int64 ids {@code [N, contextLength]}
 * padded with {@code padId}), and/or embeddings shipped in {@code text_embeddings.json}
 * ({@code {"texts": [...], "embeddings": [[...]]}}), which are used first when they contain the text.
 */
final class ClipTextEncoder implements AutoCloseable {

    static final String TOKENIZER_FILE = "tokenizer.json";
    static final String ENCODER_NAME = "text_encoder";
    static final String EMBEDDINGS_FILE = "text_embeddings.json";

    private final HuggingFaceTokenizer tokenizer;
    private final FrozenTorchScript encoder;
    private final Map<String, float[]> precomputed;
    private final int contextLength;
    private final long padId;

    private ClipTextEncoder(HuggingFaceTokenizer tokenizer, FrozenTorchScript encoder, Map<String, float[]> precomputed,
            int contextLength, long padId) {
        this.tokenizer = tokenizer;
        this.encoder = encoder;
        this.precomputed = precomputed;
        this.contextLength = contextLength;
        this.padId = padId;
    }

    static ClipTextEncoder open(Path directory, ModelMetadata metadata) {
        Map<String, float[]> precomputed = readEmbeddings(directory.resolve(EMBEDDINGS_FILE));
        boolean hasEncoder = Files.isRegularFile(directory.resolve(ENCODER_NAME + ".pt"))
                && Files.isRegularFile(directory.resolve(TOKENIZER_FILE));
        if (!hasEncoder && precomputed.isEmpty()) {
            throw new IllegalArgumentException("CLIP model in " + directory + " needs " + ENCODER_NAME + ".pt and "
                    + TOKENIZER_FILE + ", or " + EMBEDDINGS_FILE);
        }
        int contextLength = metadata.contextLength() != null ? metadata.contextLength() : 77;
        long padId = metadata.padId() != null ? metadata.padId() : 0L;
        if (!hasEncoder) {
            return new ClipTextEncoder(null, null, precomputed, contextLength, padId);
        }
        HuggingFaceTokenizer tokenizer;
        try {
            // Padding and truncation are done here, to the text encoder's fixed context length.
            tokenizer = HuggingFaceTokenizer.newInstance(directory.resolve(TOKENIZER_FILE),
                    Map.of("addSpecialTokens", "true", "padding", "false", "truncation", "false"));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + directory.resolve(TOKENIZER_FILE), e);
        }
        try {
            FrozenTorchScript encoder = FrozenTorchScript.load(directory, ENCODER_NAME);
            return new ClipTextEncoder(tokenizer, encoder, precomputed, contextLength, padId);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /**
     * Token ids with the tokenizer's special tokens, padded with {@code padId} to the context length. A longer text
     * keeps its first {@code contextLength - 1} ids and its last (end-of-text) id, as CLIP's {@code truncate=True}.
     */
    long[] tokenize(String text) {
        if (tokenizer == null) {
            throw new IllegalStateException("This CLIP model ships no tokenizer");
        }
        long[] ids = tokenizer.encode(text).getIds();
        long[] padded = new long[contextLength];
        Arrays.fill(padded, padId);
        if (ids.length <= contextLength) {
            System.arraycopy(ids, 0, padded, 0, ids.length);
        } else {
            System.arraycopy(ids, 0, padded, 0, contextLength - 1);
            padded[contextLength - 1] = ids[ids.length - 1];
        }
        return padded;
    }

    /** L2-normalized features {@code [T, D]} of the texts, attached to {@code manager}. */
    NDArray encode(NDManager manager, List<String> texts) {
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("No texts to encode");
        }
        float[][] rows = new float[texts.size()][];
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            rows[i] = precomputed.get(texts.get(i));
            if (rows[i] == null) {
                missing.add(i);
            }
        }
        try (NDManager scratch = manager.newSubManager()) {
            if (!missing.isEmpty()) {
                if (encoder == null) {
                    throw new IllegalArgumentException("No precomputed text embedding for \""
                            + texts.get(missing.get(0)) + "\" and this CLIP model has no text encoder");
                }
                long[] ids = new long[missing.size() * contextLength];
                for (int m = 0; m < missing.size(); m++) {
                    System.arraycopy(tokenize(texts.get(missing.get(m))), 0, ids, m * contextLength, contextLength);
                }
                NDArray tokens = scratch.create(ids, new Shape(missing.size(), contextLength));
                float[] encoded = encoder.forward(tokens, false).toType(DataType.FLOAT32, false)
                        .toFloatArray();
                int dimension = encoded.length / missing.size();
                for (int m = 0; m < missing.size(); m++) {
                    rows[missing.get(m)] = Arrays.copyOfRange(encoded, m * dimension, (m + 1) * dimension);
                }
            }
            int dimension = rows[0].length;
            float[] flat = new float[texts.size() * dimension];
            for (int i = 0; i < rows.length; i++) {
                if (rows[i].length != dimension) {
                    throw new IllegalArgumentException("Text embeddings have different sizes");
                }
                System.arraycopy(rows[i], 0, flat, i * dimension, dimension);
            }
            NDArray features = scratch.create(flat, new Shape(texts.size(), dimension));
            NDArray normalized = features.div(features.norm(new int[] {1}, true));
            normalized.attach(manager);
            return normalized;
        }
    }

    List<NDArray> weights() {
        return encoder == null ? List.of() : encoder.weights();
    }

    private static Map<String, float[]> readEmbeddings(Path file) {
        if (!Files.isRegularFile(file)) {
            return Map.of();
        }
        try (InputStream in = Files.newInputStream(file)) {
            JsonNode root = JsonMapper.builder().build().readTree(in);
            JsonNode texts = root.path("texts");
            JsonNode embeddings = root.path("embeddings");
            if (!texts.isArray() || !embeddings.isArray() || texts.size() != embeddings.size()) {
                throw new IllegalArgumentException(file + " needs arrays \"texts\" and \"embeddings\" of equal length");
            }
            Map<String, float[]> byText = new HashMap<>();
            for (int i = 0; i < texts.size(); i++) {
                JsonNode vector = embeddings.get(i);
                float[] values = new float[vector.size()];
                for (int d = 0; d < values.length; d++) {
                    values[d] = vector.get(d).floatValue();
                }
                byText.put(texts.get(i).asString(), values);
            }
            return Map.copyOf(byText);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
    }

    @Override
    public void close() {
        try {
            if (encoder != null) {
                encoder.close();
            }
        } finally {
            if (tokenizer != null) {
                tokenizer.close();
            }
        }
    }
}
