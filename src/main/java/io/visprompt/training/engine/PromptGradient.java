package io.visprompt.training.engine;

import java.nio.FloatBuffer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * One training forward and backward: the mean cross-entropy of a batch and its gradient with respect to the placed
 * prompt. Everything a step creates lives in a sub-manager closed at the end of the step (without one, each step
 * leaks its arrays into the parent). The prompt is a fresh leaf every step, so its gradient never accumulates across
 * steps.
 * <p>
 * Backward is called on libtorch directly rather than through DJL's {@code GradientCollector}: that collector allows
 * only one instance per JVM at a time, and two jobs may train at once. Grad mode is per thread, so switching it on
 * here affects only this run.
 */
final class PromptGradient {

    record Result(float loss, float[] gradient, int correct) {
    }

    private final PromptedForward forward;
    private final int height;
    private final int width;

    PromptGradient(PromptedForward forward, int height, int width) {
        this.forward = forward;
        this.height = height;
        this.width = width;
    }

    Result compute(NDManager parent, FloatBuffer pixelsNhwc, int[] labels, int count, float[] placedPrompt) {
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
        try (NDManager step = parent.newSubManager()) {
            NDArray prompt = step.create(placedPrompt, new Shape(3, height, width));
            prompt.setRequiresGradient(true);
            NDArray pixels = forward.pixels(step, pixelsNhwc, count);
            NDArray logits = forward.logits(pixels, prompt, true);
            NDArray target = step.create(toLongs(labels, count));
            NDArray loss = CrossEntropy.mean(logits, target);
            JniUtils.backward((PtNDArray) loss, (PtNDArray) step.ones(loss.getShape(), DataType.FLOAT32), false, false);
            float[] gradient = prompt.getGradient().toFloatArray();
            int correct = countCorrect(logits.stopGradient().argMax(1).toLongArray(), labels, count);
            return new Result(loss.getFloat(), gradient, correct);
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    static int countCorrect(long[] predicted, int[] labels, int count) {
        int correct = 0;
        for (int i = 0; i < count; i++) {
            if (predicted[i] == labels[i]) {
                correct++;
            }
        }
        return correct;
    }

    static long[] toLongs(int[] labels, int count) {
        long[] longs = new long[count];
        for (int i = 0; i < count; i++) {
            longs[i] = labels[i];
        }
        return longs;
    }
}
