package io.visprompt.training.engine;

/**
 * The loss of one fixed batch as a function of the prompt, known only by asking: each {@link #query} is one forward
 * pass of the prompted batch through a model that answers with scores (a remote Open Inference Protocol endpoint, or
 * a local model run without autograd), from which the loss is computed. The black-box estimators see nothing else.
 */
@FunctionalInterface
interface LossOracle {

    /** @param values the stored prompt values to try (full {@code [3,H,W]}, zero outside the mask) */
    Answer query(float[] values);

    /** Mean cross-entropy of the batch under the tried prompt and its top-1 hits. */
    record Answer(double loss, int correct) {
    }
}
