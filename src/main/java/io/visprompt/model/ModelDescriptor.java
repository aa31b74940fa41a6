package io.visprompt.model;

import java.util.List;

/**
 * What the service knows about a configured model before (and after) loading it.
 *
 * @param inputSize side of the square input the model expects (after centre crop)
 * @param resize    the shorter image side is resized to this before the centre crop
 * @param mean      per-channel normalization mean (RGB)
 * @param std       per-channel normalization standard deviation (RGB)
 * @param labels    source class names of a classifier (empty for CLIP)
 * @param templates CLIP text templates with one {@code {}} for the class name (empty for classifiers)
 */
public record ModelDescriptor(String id, ModelKind kind, String source, int inputSize, int resize, float[] mean,
        float[] std, List<String> labels, List<String> templates, String description) {
}
