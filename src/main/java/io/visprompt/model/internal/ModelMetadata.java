package io.visprompt.model.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a model directory says about itself in its {@code model.json}; every member is optional. Configuration wins
 * over it (see {@link ModelDescriptors}).
 *
 * @param logitScale    CLIP: the multiplier of cosine similarities ({@code exp} of the learned log scale)
 * @param contextLength CLIP: token ids per text the text encoder takes, padded with {@code padId}
 * @param featureMethod classifier: the TorchScript method (exported with {@code @torch.jit.export}) that maps the
 *                      same normalized images {@code [N,3,H,W]} to the features {@code [N,D]} a linear probe is
 *                      fitted on (the first element when it returns a tuple); without it the probe uses the logits
 */
public record ModelMetadata(String kind, @JsonProperty("input_size") Integer inputSize, Integer resize,
        List<Float> mean, List<Float> std, List<String> labels, List<String> templates,
        @JsonProperty("logit_scale") Float logitScale, @JsonProperty("context_length") Integer contextLength,
        @JsonProperty("pad_id") Long padId, String description,
        @JsonProperty("feature_method") String featureMethod) {

    public static final String FILE_NAME = "model.json";

    private static final JsonMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    public static ModelMetadata none() {
        return new ModelMetadata(null, null, null, null, null, null, null, null, null, null, null, null);
    }

    public static ModelMetadata read(InputStream json) {
        return JSON.readValue(json, ModelMetadata.class);
    }

    /** The {@code model.json} of a directory, or {@link #none()} when it has none. */
    public static ModelMetadata readFrom(Path directory) {
        Path file = directory.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            return none();
        }
        try (InputStream in = Files.newInputStream(file)) {
            return read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
    }
}
