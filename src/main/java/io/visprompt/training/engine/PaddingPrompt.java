package io.visprompt.training.engine;

/** Four strips of width p around the border (Bahng et al.): {@code 2Cp(H+W-2p)} parameters. */
final class PaddingPrompt extends VisualPrompt {

    PaddingPrompt(int size, int height, int width) {
        super(checked(size, height, width), height, width);
    }

    private static int checked(int size, int height, int width) {
        if (2 * size >= Math.min(height, width)) {
            throw new IllegalArgumentException("padding prompt size " + size + " leaves no image inside a "
                    + height + "x" + width + " input (needs 2p < side)");
        }
        return size;
    }

    @Override
    PromptTemplate template() {
        return PromptTemplate.PADDING;
    }

    @Override
    boolean isLearnable(int y, int x) {
        return y < size || y >= height - size || x < size || x >= width - size;
    }
}
