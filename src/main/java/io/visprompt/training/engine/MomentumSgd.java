package io.visprompt.training.engine;

/**
 * {@code torch.optim.SGD} with momentum (no dampening, no Nesterov), in float32 like PyTorch:
 * {@code g += wd * p; buf = m * buf + g; p -= lr * buf}. A zero buffer reproduces PyTorch's first step, which
 * starts the buffer at {@code g}.
 */
final class MomentumSgd implements PromptOptimizer {

    private final float momentum;
    private final float weightDecay;
    private final float[] buffer;

    MomentumSgd(int length, double momentum, double weightDecay) {
        this.momentum = (float) momentum;
        this.weightDecay = (float) weightDecay;
        this.buffer = new float[length];
    }

    @Override
    public void update(float[] values, float[] gradient, float[] mask, double learningRate) {
        float negativeRate = (float) -learningRate;
        for (int i = 0; i < values.length; i++) {
            if (mask[i] == 0f) {
                continue;
            }
            float g = weightDecay == 0f ? gradient[i] : gradient[i] + weightDecay * values[i];
            buffer[i] = momentum == 0f ? g : momentum * buffer[i] + g;
            // PyTorch's add_(buf, alpha=-lr) is a fused multiply-add in its vectorized kernel.
            values[i] = Math.fma(negativeRate, buffer[i], values[i]);
        }
    }

    @Override
    public float[] state() {
        return buffer.clone();
    }

    @Override
    public void restore(float[] state) {
        if (state.length != buffer.length) {
            throw new IllegalArgumentException("momentum buffer has " + state.length + " values, expected "
                    + buffer.length);
        }
        System.arraycopy(state, 0, buffer, 0, buffer.length);
    }
}
