package io.visprompt.training.engine;

import java.util.Random;
import java.util.SplittableRandom;

/**
 * Where a prompt's learnable pixels sit. Values are stored as a full {@code [3,H,W]} array with a 0/1 mask, so every
 * template shares one optimizer and one checkpoint format; entries outside the mask stay zero and get no update.
 */
abstract sealed class VisualPrompt permits PaddingPrompt, FixedPatchPrompt, RandomPatchPrompt {

    static final int CHANNELS = 3;

    /** Where the stored values are drawn for one forward pass: shifted by {@code (down, right)} pixels. */
    record Offset(int down, int right) {
        static final Offset NONE = new Offset(0, 0);
    }

    final int size;
    final int height;
    final int width;
    private final float[] mask;

    VisualPrompt(int size, int height, int width) {
        if (size < 1) {
            throw new IllegalArgumentException("prompt size must be positive, got " + size);
        }
        this.size = size;
        this.height = height;
        this.width = width;
        this.mask = new float[CHANNELS * height * width];
        for (int c = 0; c < CHANNELS; c++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    mask[(c * height + y) * width + x] = isLearnable(y, x) ? 1f : 0f;
                }
            }
        }
    }

    static VisualPrompt of(PromptTemplate template, int size, int height, int width) {
        return switch (template) {
            case PADDING -> new PaddingPrompt(size, height, width);
            case FIXED_PATCH -> new FixedPatchPrompt(size, height, width);
            case RANDOM_PATCH -> new RandomPatchPrompt(size, height, width);
        };
    }

    abstract PromptTemplate template();

    static int fittingPatch(int size, int height, int width) {
        if (size > Math.min(height, width)) {
            throw new IllegalArgumentException("patch size " + size + " does not fit a " + height + "x" + width
                    + " input");
        }
        return size;
    }

    /** Whether pixel {@code (y, x)} of the stored prompt is learnable. */
    abstract boolean isLearnable(int y, int x);

    /** The location of the prompt for one training forward pass. */
    Offset trainingOffset(SplittableRandom random) {
        return Offset.NONE;
    }

    float[] mask() {
        return mask.clone();
    }

    int parameterCount() {
        int count = 0;
        for (float m : mask) {
            count += (int) m;
        }
        return count;
    }

    /**
     * Initial values: standard normal noise on the learnable pixels for a prompt added to the normalized image
     * (Bahng et al.), zeros for a pixel-space prompt (EVP), so that it starts as a plain zero frame.
     */
    float[] initialValues(PromptPlacement placement, long seed) {
        float[] values = new float[mask.length];
        if (placement == PromptPlacement.NORMALIZED) {
            Random random = new Random(seed);
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) random.nextGaussian() * mask[i];
            }
        }
        return values;
    }

    /** The stored values shifted to {@code offset}, zero elsewhere. */
    float[] placed(float[] values, Offset offset) {
        if (offset.equals(Offset.NONE)) {
            return values.clone();
        }
        float[] shifted = new float[values.length];
        for (int c = 0; c < CHANNELS; c++) {
            for (int y = 0; y + offset.down() < height; y++) {
                int from = (c * height + y) * width;
                int to = (c * height + y + offset.down()) * width + offset.right();
                System.arraycopy(values, from, shifted, to, width - offset.right());
            }
        }
        return shifted;
    }

    /** The gradient with respect to the stored values, given the gradient of the prompt placed at {@code offset}. */
    float[] storedGradient(float[] placedGradient, Offset offset) {
        float[] gradient = new float[placedGradient.length];
        for (int c = 0; c < CHANNELS; c++) {
            for (int y = 0; y + offset.down() < height; y++) {
                int to = (c * height + y) * width;
                int from = (c * height + y + offset.down()) * width + offset.right();
                System.arraycopy(placedGradient, from, gradient, to, width - offset.right());
            }
        }
        for (int i = 0; i < gradient.length; i++) {
            gradient[i] *= mask[i];
        }
        return gradient;
    }

    PromptTensor toTensor(PromptPlacement placement, float[] values) {
        return new PromptTensor(template(), size, placement, height, width, values.clone(), mask());
    }
}
