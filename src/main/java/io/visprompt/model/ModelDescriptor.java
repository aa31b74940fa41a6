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
 * @param featureMethod a classifier's TorchScript method ({@code feature_method} in its {@code model.json}) whose
 *                  output the linear probe is fitted on; null: the probe uses the logits (and always for CLIP)
 */
public record ModelDescriptor(String id, ModelKind kind, String source, int inputSize, int resize, float[] mean,
        float[] std, List<String> labels, List<String> templates, String description, String featureMethod) {

    /** A model without a feature method (CLIP, remote models, classifiers probed on their logits). */
    public ModelDescriptor(String id, ModelKind kind, String source, int inputSize, int resize, float[] mean,
            float[] std, List<String> labels, List<String> templates, String description) {
        this(id, kind, source, inputSize, resize, mean, std, labels, templates, description, null);
    }

    /** The CLIP text template for a model that names none (the wording of CLIP's zero-shot prompts). */
    public static final String DEFAULT_TEXT_TEMPLATE = "This is a photo of a {}";

    /** The model's text templates, or the default one when it names none: what CLIP jobs and imports use. */
    public List<String> textTemplates() {
        return templates == null || templates.isEmpty() ? List.of(DEFAULT_TEXT_TEMPLATE) : templates;
    }
}
