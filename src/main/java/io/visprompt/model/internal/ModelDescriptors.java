package io.visprompt.model.internal;

import java.util.List;
import java.util.Locale;

import io.visprompt.model.ModelDescriptor;
import io.visprompt.model.ModelKind;

/** Merges configuration, {@code model.json} and defaults into a descriptor; configuration wins. */
public final class ModelDescriptors {

    private static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};
    private static final float[] CLIP_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    private static final float[] CLIP_STD = {0.26862954f, 0.26130258f, 0.27577711f};
    private static final int DEFAULT_INPUT_SIZE = 224;

    private ModelDescriptors() {
    }

    /**
     * @param detectedKind what the model's files say (CLIP when an image encoder is present), used when neither
     *                     configuration nor {@code model.json} names the kind; may be null
     */
    public static ModelDescriptor describe(ConfiguredModel config, ModelMetadata metadata, ModelKind detectedKind) {
        ModelKind kind = config.kind() != null ? config.kind()
                : metadata.kind() != null ? ModelKind.valueOf(metadata.kind().trim().toUpperCase(Locale.ROOT))
                : detectedKind != null ? detectedKind : ModelKind.CLASSIFIER;
        int inputSize = first(config.inputSize(), metadata.inputSize(), DEFAULT_INPUT_SIZE);
        int resize = first(config.resize(), metadata.resize(), inputSize);
        float[] mean = channels("mean", first(config.mean(), metadata.mean(), null),
                kind == ModelKind.CLIP ? CLIP_MEAN : IMAGENET_MEAN);
        float[] std = channels("std", first(config.std(), metadata.std(), null),
                kind == ModelKind.CLIP ? CLIP_STD : IMAGENET_STD);
        List<String> labels = List.copyOf(first(config.labels(), metadata.labels(), List.of()));
        List<String> templates = List.copyOf(first(config.templates(), metadata.templates(), List.of()));
        String description = first(config.description(), metadata.description(), "");
        if (resize < inputSize) {
            throw new IllegalArgumentException("Model " + config.id() + ": resize " + resize
                    + " is smaller than input size " + inputSize);
        }
        return new ModelDescriptor(config.id(), kind, config.source(), inputSize, resize, mean, std, labels,
                templates, description, kind == ModelKind.CLIP ? null : metadata.featureMethod());
    }

    private static <T> T first(T configured, T fromFile, T fallback) {
        return configured != null ? configured : fromFile != null ? fromFile : fallback;
    }

    private static float[] channels(String name, List<Float> values, float[] fallback) {
        if (values == null) {
            return fallback.clone();
        }
        if (values.size() != 3) {
            throw new IllegalArgumentException(name + " needs 3 values (RGB), got " + values);
        }
        return new float[] {values.get(0), values.get(1), values.get(2)};
    }
}
