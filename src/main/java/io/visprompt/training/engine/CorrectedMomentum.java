package io.visprompt.training.engine;

/**
 * BlackVIP's SPSA-GC update: momentum with a Nesterov-style gradient correction. The gradient is estimated at the
 * look-ahead point {@code x + beta m} ({@link #lookAhead}), then {@code m = beta m - lr g; x += m}. The look-ahead
 * corrects the noisy SPSA direction with the momentum already gathered, which is what lets BlackVIP converge with
 * few queries.
 */
final class CorrectedMomentum implements PromptOptimizer {

    private final float beta;
    private final float weightDecay;
    private final float[] velocity;

    CorrectedMomentum(int length, double beta, double weightDecay) {
        this.beta = (float) beta;
        this.weightDecay = (float) weightDecay;
        this.velocity = new float[length];
    }

    /** Where to estimate the next gradient: {@code x + beta m} on the learnable entries. */
    float[] lookAhead(float[] values, float[] mask) {
        float[] ahead = values.clone();
        for (int i = 0; i < ahead.length; i++) {
            if (mask[i] != 0f) {
                ahead[i] += beta * velocity[i];
            }
        }
        return ahead;
    }

    @Override
    public void update(float[] values, float[] gradient, float[] mask, double learningRate) {
        float rate = (float) learningRate;
        for (int i = 0; i < values.length; i++) {
            if (mask[i] == 0f) {
                continue;
            }
            float g = weightDecay == 0f ? gradient[i] : gradient[i] + weightDecay * values[i];
            velocity[i] = beta * velocity[i] - rate * g;
            values[i] += velocity[i];
        }
    }

    @Override
    public float[] state() {
        return velocity.clone();
    }

    @Override
    public void restore(float[] state) {
        if (state.length != velocity.length) {
            throw new IllegalArgumentException("velocity has " + state.length + " values, expected "
                    + velocity.length);
        }
        System.arraycopy(state, 0, velocity, 0, velocity.length);
    }
}
