package io.visprompt.training.engine;

import ai.djl.ndarray.NDArray;

/** Turns the frozen model's output into logits over the task's classes. */
interface OutputHead {

    /** Logits {@code [N, classes]}, in the manager of {@code modelOutput}. */
    NDArray logits(NDArray modelOutput);
}
