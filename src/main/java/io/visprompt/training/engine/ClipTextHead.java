package io.visprompt.training.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.visprompt.model.FrozenModel;
import io.visprompt.model.ModelDescriptor;

/**
 * CLIP's zero-shot head: {@code logit_scale * normalize(image_features) @ text_features^T}. The text features are
 * encoded once, when the head is made (the reference re-encodes them on every batch), averaged over the templates
 * and re-normalized.
 */
final class ClipTextHead implements OutputHead, AutoCloseable {


    private final NDManager manager;
    private final NDArray textFeaturesTransposed;
    private final float logitScale;

    private ClipTextHead(NDManager manager, NDArray textFeaturesTransposed, float logitScale) {
        this.manager = manager;
        this.textFeaturesTransposed = textFeaturesTransposed;
        this.logitScale = logitScale;
    }

    /** Encodes the class texts into arrays owned by a child of {@code parent}, released by {@link #close()}. */
    static ClipTextHead encode(FrozenModel model, NDManager parent, List<String> classNames, List<String> templates) {
        List<String> effective = templates.isEmpty() ? List.of(ModelDescriptor.DEFAULT_TEXT_TEMPLATE) : templates;
        List<String> texts = new ArrayList<>(classNames.size() * effective.size());
        for (String className : classNames) {
            for (String template : effective) {
                texts.add(classText(template, className));
            }
        }
        NDManager manager = parent.newSubManager();
        try (NDManager scratch = manager.newSubManager()) {
            NDArray perText = model.encodeTexts(scratch, texts);
            long dimension = perText.getShape().get(1);
            NDArray averaged = perText.reshape(new Shape(classNames.size(), effective.size(), dimension)).mean(new int[] {1});
            NDArray normalized = averaged.div(averaged.norm(new int[] {1}, true));
            // Contiguous [D, C], so every batch multiplies without a transposed copy.
            NDArray transposed = normalized.transpose().duplicate();
            transposed.attach(manager);
            return new ClipTextHead(manager, transposed, model.logitScale());
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** The reference's class text: the name lowercased with {@code _} and {@code -} as spaces, put into the template. */
    static String classText(String template, String className) {
        if (!template.contains("{}")) {
            throw new IllegalArgumentException("text template \"" + template + "\" has no {} for the class name");
        }
        String name = className.toLowerCase(Locale.ROOT).replace('_', ' ').replace('-', ' ');
        return template.replace("{}", name);
    }

    /** L2-normalized text features {@code [C, D]} (a copy in {@code target}), for inspection and tests. */
    NDArray textFeatures(NDManager target) {
        NDArray copy = textFeaturesTransposed.transpose().duplicate();
        copy.attach(target);
        return copy;
    }

    @Override
    public NDArray logits(NDArray modelOutput) {
        NDArray normalized = modelOutput.div(modelOutput.norm(new int[] {1}, true));
        return normalized.matMul(textFeaturesTransposed).mul(logitScale);
    }

    @Override
    public void close() {
        manager.close();
    }
}
