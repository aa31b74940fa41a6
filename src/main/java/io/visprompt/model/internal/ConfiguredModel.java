package io.visprompt.model.internal;

import java.util.List;

import io.visprompt.model.ModelKind;

/**
 * One entry of {@code visprompt.models}: where the model comes from and, optionally, values that override its
 * {@code model.json}.
 *
 * @param source {@code classpath:dir}, a directory or {@code .pt} file, an http(s)/file URL or a {@code djl://} URL
 */
public record ConfiguredModel(String id, String source, ModelKind kind, Integer inputSize, Integer resize,
        List<Float> mean, List<Float> std, List<String> labels, List<String> templates, String description) {

    public ConfiguredModel {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("visprompt.models[].id is required");
        }
        if (source == null || source.isBlank()) {
            throw new IllegalArgumentException("visprompt.models[" + id + "].source is required");
        }
    }

    public static ConfiguredModel of(String id, String source) {
        return new ConfiguredModel(id, source, null, null, null, null, null, null, null, null);
    }
}
