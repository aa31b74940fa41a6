package io.visprompt.training.engine;

import java.util.SplittableRandom;

/**
 * A p x p square ({@code Cp^2} parameters) stored at the top-left corner and drawn at a uniformly random location
 * (any of the {@code (H-p+1)(W-p+1)} positions) on every training forward pass. Evaluation and serving put it at the
 * top-left corner, where it is stored: the reference draws a random location at evaluation too, which makes
 * accuracy and predictions vary from run to run; a fixed corner keeps them deterministic and covers the least of the
 * object, which is usually centred.
 */
final class RandomPatchPrompt extends VisualPrompt {

    RandomPatchPrompt(int size, int height, int width) {
        super(fittingPatch(size, height, width), height, width);
    }

    @Override
    PromptTemplate template() {
        return PromptTemplate.RANDOM_PATCH;
    }

    @Override
    boolean isLearnable(int y, int x) {
        return y < size && x < size;
    }

    @Override
    Offset trainingOffset(SplittableRandom random) {
        return new Offset(random.nextInt(height - size + 1), random.nextInt(width - size + 1));
    }
}
