package io.visprompt.training.engine;

/**
 * EVP's update {@code p -= lr * g / (||g||_2 + 1e-10)} on the learnable pixels. The norm is taken over the masked
 * gradient (EVP takes it over the whole image, centre included), so the step length is exactly {@code lr} in the
 * space of the prompt's parameters.
 */
final class NormalizedSgd implements PromptOptimizer {

    private static final double EPSILON = 1e-10;

    private final float weightDecay;

    NormalizedSgd(double weightDecay) {
        this.weightDecay = (float) weightDecay;
    }

    @Override
    public void update(float[] values, float[] gradient, float[] mask, double learningRate) {
        float[] g = new float[values.length];
        double squares = 0;
        for (int i = 0; i < values.length; i++) {
            if (mask[i] != 0f) {
                g[i] = weightDecay == 0f ? gradient[i] : gradient[i] + weightDecay * values[i];
                squares += (double) g[i] * g[i];
            }
        }
        float scale = (float) (learningRate / (Math.sqrt(squares) + EPSILON));
        for (int i = 0; i < values.length; i++) {
            if (mask[i] != 0f) {
                values[i] -= scale * g[i];
            }
        }
    }

    @Override
    public float[] state() {
        return new float[0];
    }

    @Override
    public void restore(float[] state) {
        if (state.length != 0) {
            throw new IllegalArgumentException("normalized SGD keeps no state");
        }
    }
}
