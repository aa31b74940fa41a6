package io.visprompt.training.engine;

import java.nio.FloatBuffer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The {@link LossOracle} of one training batch: each query adds the tried prompt (placed at the step's offset) to the
 * batch and runs the model's plain forward, without autograd (inference mode), so a local TorchScript model is used
 * exactly as a remote endpoint is. Arrays of a query live in a sub-manager closed after it. Counts queries and their
 * wall time.
 */
final class BatchLossOracle implements LossOracle, AutoCloseable {

    private final PromptedForward forward;
    private final VisualPrompt prompt;
    private final VisualPrompt.Offset offset;
    private final NDManager step;
    private final NDArray pixels;
    private final NDArray target;
    private final int[] labels;
    private final int count;
    private int queries;
    private long queryNanos;

    BatchLossOracle(PromptedForward forward, VisualPrompt prompt, VisualPrompt.Offset offset, NDManager parent,
            FloatBuffer pixelsNhwc, int[] labels, int count) {
        this.forward = forward;
        this.prompt = prompt;
        this.offset = offset;
        this.step = parent.newSubManager();
        this.pixels = forward.pixels(step, pixelsNhwc, count);
        this.target = step.create(PromptGradient.toLongs(labels, count));
        this.labels = labels;
        this.count = count;
    }

    @Override
    public Answer query(float[] values) {
        long started = System.nanoTime();
        try (NDManager call = step.newSubManager()) {
            NDArray placed = call.create(prompt.placed(values, offset), new Shape(3, prompt.height, prompt.width));
            NDArray logits = forward.logits(pixels, placed, false);
            double loss = CrossEntropy.mean(logits, target).getFloat();
            int correct = PromptGradient.countCorrect(logits.argMax(1).toLongArray(), labels, count);
            return new Answer(loss, correct);
        } finally {
            queries++;
            queryNanos += System.nanoTime() - started;
        }
    }

    int queries() {
        return queries;
    }

    long queryNanos() {
        return queryNanos;
    }

    @Override
    public void close() {
        step.close();
    }
}
