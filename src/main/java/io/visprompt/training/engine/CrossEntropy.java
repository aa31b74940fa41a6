package io.visprompt.training.engine;

import ai.djl.ndarray.NDArray;

final class CrossEntropy {

    private CrossEntropy() {
    }

    /** Mean cross-entropy of logits {@code [N, C]} against int64 labels {@code [N]}, as PyTorch's default. */
    static NDArray mean(NDArray logits, NDArray labels) {
        return logits.logSoftmax(1).gather(labels.reshape(-1, 1), 1).mean().neg();
    }
}
