package io.visprompt.model;

import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * A loaded model whose parameters are frozen: gradients flow through it to the input, never into its weights.
 * Safe to share between threads; arrays it returns belong to the manager of the input.
 */
public interface FrozenModel {

    ModelDescriptor descriptor();

    /** Decoding, resizing, cropping and normalization exactly as the model expects, used by training and serving. */
    ImagePreprocessor preprocessor();

    /**
     * Runs the model on normalized images {@code [N,3,H,W]} (any memory layout).
     * With {@code training} true the graph is recorded so the input can receive a gradient.
     *
     * @return logits {@code [N,S]} for a classifier, image features {@code [N,D]} for CLIP
     */
    NDArray forward(NDArray images, boolean training);

    /**
     * The features a linear probe is fitted on, {@code [N,D]}, for normalized images, without a graph: the output of
     * the TorchScript method a classifier's metadata names ({@code feature_method}), else what {@link #forward}
     * gives (a classifier's logits, CLIP's image embeddings).
     */
    default NDArray probeFeatures(NDArray images) {
        return forward(images, false);
    }

    /** Where {@link #probeFeatures} come from, for reports: {@code logits}, {@code image_embeddings} or a method. */
    default String probeFeatureSource() {
        return descriptor().kind() == ModelKind.CLIP ? "image_embeddings" : "logits";
    }

    /** CLIP only: L2-normalized text features {@code [T,D]} for the given texts, created in {@code manager}. */
    NDArray encodeTexts(NDManager manager, List<String> texts);

    /** CLIP only: the learned temperature applied to cosine similarities. */
    float logitScale();
}
