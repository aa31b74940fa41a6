package io.visprompt.training.engine;

/** A p x p square at the top-left corner: {@code Cp^2} parameters. */
final class FixedPatchPrompt extends VisualPrompt {

    FixedPatchPrompt(int size, int height, int width) {
        super(fittingPatch(size, height, width), height, width);
    }

    @Override
    PromptTemplate template() {
        return PromptTemplate.FIXED_PATCH;
    }

    @Override
    boolean isLearnable(int y, int x) {
        return y < size && x < size;
    }
}
