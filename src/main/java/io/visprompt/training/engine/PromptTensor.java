package io.visprompt.training.engine;

/**
 * A learned prompt as plain data: {@code values} and {@code mask} are float32 {@code [3,H,W]} in row-major order.
 * {@code placement} says whether it is added to the normalized image or in pixel space.
 */
public record PromptTensor(PromptTemplate template, int size, PromptPlacement placement, int height, int width,
        float[] values, float[] mask) {
}
